"""Running the bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from factdesk.settings import Settings, secret

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def wsgi_app(app: App) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """Bolt on /slack/events, plus /healthz for load balancers and the demo."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def route(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return slack(environ, start_response)

    return route


def serve(settings: Settings, app: App) -> None:
    """Block serving Slack's requests until interrupted."""
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("bot connecting in Socket Mode")
        SocketModeHandler(app, secret(settings.slack_app_token)).start()  # type: ignore[no-untyped-call]
        return
    import waitress

    log.info("bot listening on http://%s:%s%s", settings.host, settings.port, EVENTS_PATH)
    # Threads let a slow listener never hold up the next request's ack.
    waitress.serve(wsgi_app(app), host=settings.host, port=settings.port, threads=16, _quiet=True)
