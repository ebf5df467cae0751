"""The Slack edge: `create_app(settings)` builds the Bolt app with every listener."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot import errors
from bot.listeners import register_listeners
from factdesk.queue import TaskQueue, create_celery
from factdesk.settings import Settings, secret
from factdesk.slack import web_client


def create_app(
    settings: Settings, *, queue: TaskQueue | None = None, client: WebClient | None = None
) -> App:
    """A Bolt app whose listeners ack, validate and hand the work to the workers."""
    socket_mode = settings.slack_app_token is not None
    app = App(
        client=client or web_client(settings),
        signing_secret=secret(settings.slack_signing_secret) or None,
        # Socket Mode frames come over an authenticated websocket, not signed HTTP.
        request_verification_enabled=not socket_mode,
        # Listeners run after the ack is sent, so Slack never waits on our database.
        process_before_response=False,
    )
    task_queue = queue or TaskQueue(create_celery(settings))

    @app.middleware
    def provide_dependencies(
        context: BoltContext, next: Any
    ) -> None:  # Bolt injects `next` by name
        context["settings"] = settings
        context["queue"] = task_queue
        next()

    app.error(errors.handle_error)
    register_listeners(app)
    return app
