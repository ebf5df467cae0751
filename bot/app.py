"""The Slack edge: `create_app(settings)` builds the Bolt app with every listener."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import errors
from bot.listeners import register_listeners
from factdesk.db import session_scope
from factdesk.queue import QueueUnavailable, TaskQueue, create_patient_celery
from factdesk.services import receipts
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
    # Sends wait out a short broker restart; a longer outage is told to the person.
    task_queue = queue or TaskQueue(create_patient_celery(settings))

    @app.middleware
    def provide_dependencies(
        context: BoltContext, next: Any
    ) -> None:  # Bolt injects `next` by name
        context["settings"] = settings
        context["queue"] = task_queue
        next()

    @app.middleware
    def skip_redelivered_events(
        req: BoltRequest, body: dict[str, Any], logger: logging.Logger, next: Any
    ) -> BoltResponse | None:
        # Slack redelivers an event when our answer was slow or lost (X-Slack-Retry-Num),
        # and occasionally delivers one twice; the event_id is the same every time.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with session_scope(settings.resolved_database_url) as session:
                first = receipts.record(
                    session=session, event_id=str(event_id), team_id=body.get("team_id")
                )
            if not first:
                retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
                logger.info("event skipped, already handled event_id=%s retry=%s", event_id, retry)
                return BoltResponse(status=200, body="")
        next()
        return None

    app.error(_answer_errors)
    register_listeners(app)
    return app


def _answer_errors(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Respond,
    client: WebClient,
    logger: logging.Logger,
) -> BoltResponse | None:
    """bot/errors.py answers where the user is; a link shared in a message has no such
    place, so when the queue is down the answer goes in the message's thread."""
    event = body.get("event") or {}
    if isinstance(error, QueueUnavailable) and event.get("channel") and event.get("ts"):
        try:
            client.chat_postMessage(
                channel=event["channel"],
                thread_ts=event.get("thread_ts") or event["ts"],
                text=f":warning: {error.user_message}",
            )
        except SlackApiError as exc:
            logger.warning("queue outage not told: %s", exc.response.get("error"))
    return errors.handle_error(error, body, response, respond, client, logger)
