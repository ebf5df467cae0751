"""Running the bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP."""

from __future__ import annotations

import contextvars
import errno
import gc
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from bot import oauth
from bot.app import INTERACTIVE_LISTENERS, AckGate, ListenerExecutor, settings_of
from bot.socket_mode import SteadySocketModeHandler
from factdesk.metrics import ACK_SECONDS, elapsed, probe
from factdesk.settings import Settings, secret

log = logging.getLogger(__name__)


EVENTS_PATH = "/slack/events"
INSTALL_PATHS = frozenset({oauth.INSTALL_PATH, oauth.REDIRECT_PATH})
INSTALL_UNAVAILABLE_PAGE = (
    b"<!DOCTYPE html><html><head><meta charset=utf-8><title>Factdesk</title></head><body>"
    b"<h1>Factdesk couldn't finish installing</h1>"
    b"<p>Its server could not reach its database or Slack just now. Please "
    b'<a href="' + oauth.INSTALL_PATH.encode() + b'">try again</a> in a few minutes.</p>'
    b"<p>If it keeps happening, tell whoever runs Factdesk for your newsroom.</p>"
    b"</body></html>"
)
# Threads answering HTTP: Slack's requests, or in Socket Mode only the probes.
REQUEST_THREADS, PROBE_THREADS = 16, 2
# Slack's largest payloads (a modal's state, a long message) are well under this.
MAX_BODY_BYTES = 1024 * 1024


def wsgi_app(
    app: App, settings: Settings | None = None
) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """Bolt on /slack/events (and, with OAuth, /slack/install and /slack/oauth_redirect),
    plus /healthz (process up), /readyz (database and Redis answer) and /metrics.

    Requests are checked before Bolt sees them: unsigned, badly signed or stale ones get
    401, malformed ones 400 (or 413), each with one log line and no body in it. Bolt parses
    the body before it checks the signature, so junk would otherwise end as a 500. Slack's
    `ssl_check` is the exception: Bolt answers it before checking signatures, so it does
    here too.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    signing_secret = app._signing_secret  # the one Bolt verifies with
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    executor = app.listener_runner.listener_executor
    gate = executor.gate if isinstance(executor, ListenerExecutor) else AckGate(max_wait=0.0)
    # The app's own settings, so /readyz checks the database and Redis it uses.
    probes = settings or settings_of(app) or Settings()

    def route(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path in PROBE_PATHS and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return _answer_probe(str(path), probes, start_response)
        if path in INSTALL_PATHS:
            return _install(environ, start_response)
        if path != EVENTS_PATH or environ.get("REQUEST_METHOD") != "POST":
            return slack(environ, start_response)
        started = time.perf_counter()
        gate.enter()
        try:
            # A fresh context per request: the log fields one request binds (bot/app.py)
            # never leak into the next request this thread serves.
            return contextvars.Context().run(_events, environ, start_response)
        finally:
            gate.leave()
            # Bolt answers once the listener acked (the work goes on in its threads), so
            # this is the time Slack waits for its 200.
            ACK_SECONDS.observe(elapsed(started))

    def _install(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            return slack(environ, start_response)
        except (SQLAlchemyError, SlackClientError, OSError) as error:
            # Bolt has pages for what it expects (a stale link, a cancelled consent); our
            # database or Slack not answering would be a bare "Internal Server Error".
            log.error(
                "install page failed path=%s: %s: %s",
                environ.get("PATH_INFO"),
                type(error).__name__,
                " ".join(str(error).split())[:300],
            )
            start_response(
                "503 Service Unavailable", [("Content-Type", "text/html; charset=utf-8")]
            )
            return [INSTALL_UNAVAILABLE_PAGE]

    def _events(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body, refusal = _read_body(environ)
        if refusal is None and verifier is not None and not _is_ssl_check(environ, body):
            refusal = _check_signature(verifier, environ, body)
        if refusal is None:
            refusal = _check_payload(environ, body)
        if refusal is not None:
            status, reason = refusal
            log.warning(
                "request refused status=%s reason=%s remote=%s length=%s",
                status,
                reason,
                environ.get("REMOTE_ADDR", "-"),
                len(body),
            )
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps({"error": reason}).encode()]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return slack(environ, start_response)

    return route


Refusal = tuple[str, str]
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_REASONS = {200: "200 OK", 404: "404 Not Found", 503: "503 Service Unavailable"}


def _answer_probe(path: str, settings: Settings, start_response: Any) -> Iterable[bytes]:
    found = probe(path, settings)
    assert found is not None, path
    status, content_type, body = found
    start_response(_REASONS[status], [("Content-Type", content_type)])
    return [body]


def probe_wsgi_app(settings: Settings) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """Only the probes and metrics: what Socket Mode serves on PORT."""

    def route(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO"))
        if path in PROBE_PATHS:
            return _answer_probe(path, settings, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return route


def _read_body(environ: dict[str, Any]) -> tuple[bytes, Refusal | None]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b"", ("400 Bad Request", "bad_content_length")
    if length > MAX_BODY_BYTES:
        return b"", ("413 Payload Too Large", "body_too_large")
    return environ["wsgi.input"].read(length) if length > 0 else b"", None


def _check_signature(
    verifier: SignatureVerifier, environ: dict[str, Any], body: bytes
) -> Refusal | None:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not timestamp or not signature:
        return "401 Unauthorized", "unsigned"
    try:
        # is_valid also refuses timestamps more than five minutes from now (replays).
        valid = verifier.is_valid(body, timestamp, signature)
    except UnicodeDecodeError:
        return "400 Bad Request", "malformed_body"  # Slack signs UTF-8 text, never this
    return None if valid else ("401 Unauthorized", "bad_or_stale_signature")


def _is_ssl_check(environ: dict[str, Any], body: bytes) -> bool:
    """Slack's `ssl_check=1` POST to a command URL, checking our certificate.

    Bolt answers it with an empty 200 before it verifies signatures, and runs no listener
    for it; refused here, Slack's check of the URL failed. The test mirrors how Bolt reads
    the body (slack_bolt.request.internals.parse_body): JSON, or a form carrying a
    `payload`, is never a check, so those still need a valid signature.
    """
    content_type = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
    if content_type == "application/json" or body.startswith(b"{") or b"payload" in body:
        return False
    try:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return False
    return form.get("ssl_check") == "1"


def _check_payload(environ: dict[str, Any], body: bytes) -> Refusal | None:
    """The body parses as Slack sends it: a JSON object, or a form whose `payload` (when
    present) is a JSON object."""
    try:
        text = body.decode("utf-8")
        content_type = str(environ.get("CONTENT_TYPE", "")).split(";")[0].strip().lower()
        if content_type == "application/json" or text.startswith("{"):
            parsed: Any = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
            parsed = json.loads(form["payload"]) if "payload" in form else form
    except (UnicodeDecodeError, ValueError):
        return "400 Bad Request", "malformed_body"
    if not isinstance(parsed, dict) or not parsed:
        return "400 Bad Request", "malformed_body"
    return None


def database_threads(settings: Settings) -> int:
    """Threads of the bot that may each hold a database session at once: every listener
    thread, and every HTTP thread (an OAuth install lookup before the ack, or /readyz)."""
    http = PROBE_THREADS if settings.slack_app_token is not None else REQUEST_THREADS
    return http + INTERACTIVE_LISTENERS + settings.bot_event_workers


class CantStart(Exception):
    """The bot can't start; the message says why in one line, naming the setting."""


# What apps.connections.open answers for an app-level token that is wrong, revoked or
# lacks connections:write (api.slack.com/methods/apps.connections.open).
APP_TOKEN_REFUSALS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "not_allowed_token_type",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
    }
)


def serve(settings: Settings, app: App) -> None:
    """Block serving Slack's requests until interrupted; CantStart when it can't."""
    import waitress

    if settings.slack_app_token is not None:
        _serve_socket_mode(settings, app)
        return
    log.info("bot listening on http://%s:%s%s", settings.host, settings.port, EVENTS_PATH)
    # Everything built so far (Bolt, slack_sdk, SQLAlchemy, the settings) lives as long
    # as the process: out of the collector's sight, a full collection no longer walks
    # it and stalls every in-flight ack for ~150 ms under a burst (docs/performance.md).
    gc.freeze()
    server = _bind(
        "PORT",
        lambda: waitress.create_server(
            wsgi_app(app, settings),
            host=settings.host,
            port=settings.port,
            # Threads let a slow listener never hold up the next request's ack.
            threads=REQUEST_THREADS,
        ),
        settings.host,
        settings.port,
    )
    server.run()


def _serve_socket_mode(settings: Settings, app: App) -> None:
    import waitress

    # Nothing reaches the bot over HTTP in Socket Mode but the probes and Prometheus, so
    # by default they listen on loopback only (PROBE_HOST, PROBE_PORT).
    port = settings.resolved_probe_port
    if port:
        probes = _bind(
            "PROBE_PORT",
            lambda: waitress.create_server(
                probe_wsgi_app(settings), host=settings.probe_host, port=port, threads=PROBE_THREADS
            ),
            settings.probe_host,
            port,
        )
        threading.Thread(target=probes.run, name="probes", daemon=True).start()
        log.info("bot connecting in Socket Mode; probes on http://%s:%s", settings.probe_host, port)
    else:
        log.info("bot connecting in Socket Mode; no probe server (PROBE_PORT=0)")
    handler = SteadySocketModeHandler(app, secret(settings.slack_app_token))
    try:
        handler.start()
    except SlackApiError as error:
        handler.client.close()
        raise CantStart(_app_token_refused(str(error.response.get("error")))) from None


def _app_token_refused(answer: str) -> str:
    if answer in APP_TOKEN_REFUSALS:
        return (
            f"Slack refused SLACK_APP_TOKEN ({answer}): set it to an app-level token (xapp-) "
            "with the connections:write scope, from the app's Basic Information > "
            "App-Level Tokens."
        )
    if answer == "socket_mode_not_enabled":
        return (
            "SLACK_APP_TOKEN is set, but Socket Mode is off for this app: turn it on in the "
            "app's settings (Socket Mode), or unset SLACK_APP_TOKEN to serve Slack over HTTP."
        )
    return f"Slack couldn't open a Socket Mode connection for SLACK_APP_TOKEN ({answer})."


def _bind(setting: str, create: Callable[[], Any], host: str, port: int) -> Any:
    """The server `create` makes, or CantStart naming `setting` when it can't listen."""
    try:
        return create()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            advice = f"another program uses that port; set {setting} to a free one"
        else:
            advice = f"check {setting} and the host it listens on"
        raise CantStart(
            f"Can't listen on {host}:{port} ({error.strerror or error}): {advice}."
        ) from None
