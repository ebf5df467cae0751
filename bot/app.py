"""The Slack edge: `create_app(settings)` builds the Bolt app with every listener."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot import errors, oauth
from bot.listeners import register_listeners
from bot.listeners.events.app_rate_limited import answer_app_rate_limited
from factdesk.db import session_scope
from factdesk.logs import rebind
from factdesk.metrics import EVENTS_RECEIVED
from factdesk.queue import QueueUnavailable, TaskQueue, create_patient_celery
from factdesk.render import notices
from factdesk.services import receipts
from factdesk.settings import Settings, secret
from factdesk.slack import metered, web_client

T = TypeVar("T")

# Threads running listeners for clicks, commands and dialogs (events have their own pool,
# BOT_EVENT_WORKERS).
INTERACTIVE_LISTENERS = 5


def create_app(
    settings: Settings, *, queue: TaskQueue | None = None, client: WebClient | None = None
) -> App:
    """A Bolt app whose listeners ack, validate and hand the work to the workers."""
    socket_mode = settings.slack_app_token is not None
    oauth_mode = settings.oauth_enabled
    if oauth_mode and client is None:
        # Each request's client gets its workspace's token from the installation store.
        client = web_client(settings, component="bot")
        client.token = None
    app = App(
        client=client or web_client(settings, component="bot"),
        signing_secret=secret(settings.slack_signing_secret) or None,
        # Socket Mode frames come over an authenticated websocket, not signed HTTP.
        request_verification_enabled=not socket_mode,
        # Listeners run after the ack is sent, so Slack never waits on our database.
        process_before_response=False,
        oauth_settings=oauth.oauth_settings(settings) if oauth_mode else None,
        # Slack's notice that it is dropping a workspace's events needs no installation.
        before_authorize=answer_app_rate_limited,
        # Listeners keep the request's log context (event_id); events and clicks get
        # pools of their own.
        listener_executor=ListenerExecutor(
            interactive_workers=INTERACTIVE_LISTENERS,
            event_workers=settings.bot_event_workers,
            gate=AckGate(max_wait=settings.bot_event_defer_seconds),
        ),
    )
    # Sends wait out a short broker restart; a longer outage is told to the person.
    task_queue = queue or TaskQueue(create_patient_celery(settings))

    @app.middleware
    def keep_acks(context: BoltContext, next: Any) -> None:
        context["ack"] = KeptAck()
        next()

    @app.middleware
    def meter_slack_calls(context: BoltContext, next: Any) -> None:
        # Listeners' Slack calls go through the client Bolt made for this request: counted
        # by method and error code like the workers' calls, and named as the bot's.
        context["client"] = metered(context.client, component="bot")
        next()

    @app.middleware
    def observe(body: dict[str, Any], context: BoltContext, next: Any) -> None:
        # Log lines about this request carry its event and team: Bolt runs the next
        # middleware after this one returns, so the fields stay bound for the rest of the
        # request (server.py runs each request in a context of its own), and listeners
        # inherit them (ContextThreadPoolExecutor).
        EVENTS_RECEIVED.labels(type=request_type(body)).inc()
        rebind(event_id=body.get("event_id"), team_id=context.team_id)
        next()

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
    ) -> None:
        # Slack redelivers an event when our answer was slow or lost (X-Slack-Retry-Num),
        # and occasionally delivers one twice; the event_id is the same every time. The
        # receipt is written by the listener thread just before the listener runs, not
        # here: Slack only needs the 200 (a redelivery comes only when the ack is missing),
        # and the insert was most of the ack's time under a burst (docs/performance.md).
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        _delivery.set(
            _Delivery(
                event_id=str(event_id),
                team_id=body.get("team_id"),
                retry=(req.headers.get("x-slack-retry-num") or ["-"])[0],
                database_url=settings.resolved_database_url,
                logger=logger,
            )
            if event_id
            else None
        )
        next()

    app.error(_answer_errors)
    register_listeners(app)
    _settings_of[app] = settings
    return app


class KeptAck(Ack):
    """An ack that, once given, stays given.

    When a listener raises after acking, Bolt 1.30 (listener/thread_runner.py) sets the
    ack's response back to None while it handles the error. The request thread polls for
    the ack every 10 ms, so a quick failure could land first: the request was answered
    404 and Slack showed its own failure notice over ours.
    """

    def __init__(self) -> None:  # Ack's own only sets `response` to None
        self._given: BoltResponse | None = None

    @property
    def response(self) -> BoltResponse | None:
        return self._given

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None or self._given is None:
            self._given = value


_settings_of: weakref.WeakKeyDictionary[App, Settings] = weakref.WeakKeyDictionary()


def settings_of(app: App) -> Settings | None:
    """The settings `create_app` built `app` with."""
    return _settings_of.get(app)


def request_type(body: dict[str, Any]) -> str:
    """What kind of request this is: the event's type, "command", or the payload's type."""
    if body.get("type") == "event_callback":
        return str((body.get("event") or {}).get("type") or "event")
    if body.get("command"):
        return "command"
    return str(body.get("type") or "unknown")


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor whose tasks run in the submitter's contextvars context."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


class _Delivery:
    """An event to note as handled before its listeners run; `first` once known."""

    def __init__(
        self,
        *,
        event_id: str,
        team_id: str | None,
        retry: str,
        database_url: str,
        logger: logging.Logger,
    ) -> None:
        self.event_id, self.team_id, self.retry = event_id, team_id, retry
        self.database_url, self.logger = database_url, logger
        self.first: bool | None = None
        self.lock = threading.Lock()

    def is_first(self) -> bool:
        """Record the receipt once (several listeners may share the event); True for the
        first delivery of this event_id."""
        with self.lock:
            if self.first is None:
                self.first = self._record()
            return self.first

    def _record(self) -> bool:
        try:
            with session_scope(self.database_url) as session:
                return receipts.record(
                    session=session, event_id=self.event_id, team_id=self.team_id
                )
        except SQLAlchemyError:
            # The listeners need the database too and report its outage where the user
            # is; a link's own article row still keeps a redelivery from doing it twice.
            self.logger.exception("event receipt not recorded event_id=%s", self.event_id)
            return True


_delivery: contextvars.ContextVar[_Delivery | None] = contextvars.ContextVar(
    "factdesk_delivery", default=None
)


class AckGate:
    """Tracks the requests Slack is waiting on, so events' work can let them go first.

    Slack waits for each ack and retries after 3 s; the work after an event's ack (receipt,
    article row, reaction, enqueue) can wait a little. In one process they share an
    interpreter lock, so during a burst every ack queued behind that work. Each piece of
    it now starts once no request has been in flight for `QUIET_SECONDS` (a burst has
    ended), or `max_wait` seconds after it was queued at the latest: under steady traffic
    the work at the head of the queue is already that old and runs at once, so deferring
    never throttles it.
    """

    QUIET_SECONDS = 0.02

    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait
        self._in_flight = 0
        self._last = 0.0  # monotonic time the last request was answered
        self._changed = threading.Condition()

    def enter(self) -> None:
        with self._changed:
            self._in_flight += 1

    def leave(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._last = time.monotonic()
            self._changed.notify_all()

    def wait_quiet(self, queued_at: float) -> None:
        """Return once the bot is quiet, or `max_wait` after `queued_at` (monotonic)."""
        deadline = queued_at + self.max_wait
        with self._changed:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    return
                if self._in_flight == 0:
                    quiet_at = self._last + self.QUIET_SECONDS
                    if now >= quiet_at:
                        return
                    self._changed.wait(min(quiet_at, deadline) - now)
                else:
                    self._changed.wait(deadline - now)


class ListenerExecutor(ContextThreadPoolExecutor):
    """Bolt's listener pool, split in two.

    Events are acked before their listener runs; their work (receipt, article row,
    reaction, enqueue) goes to a small pool of its own, so a burst of events neither takes
    the interpreter lock from the threads answering Slack nor queues ahead of a click,
    whose listener acks (a claim answers "already claimed" in its ack). A listener of an
    event already handled does not run.
    """

    def __init__(
        self, *, interactive_workers: int, event_workers: int, gate: AckGate | None = None
    ) -> None:
        super().__init__(max_workers=interactive_workers, thread_name_prefix="listener")
        self.events = ContextThreadPoolExecutor(
            max_workers=event_workers, thread_name_prefix="event-listener"
        )
        self.gate = gate or AckGate(max_wait=0.0)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        delivery = _delivery.get()
        if delivery is None:
            return super().submit(fn, *args, **kwargs)

        queued_at = time.monotonic()

        def once(*args: Any, **kwargs: Any) -> T | None:
            self.gate.wait_quiet(queued_at)
            if delivery.is_first():
                return fn(*args, **kwargs)
            delivery.logger.info(
                "event skipped, already handled event_id=%s retry=%s",
                delivery.event_id,
                delivery.retry,
            )
            return None

        return self.events.submit(once, *args, **kwargs)  # type: ignore[arg-type]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.events.shutdown(wait, cancel_futures=cancel_futures)
        super().shutdown(wait, cancel_futures=cancel_futures)


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
                text=notices.refused(error),
            )
        except SlackApiError as exc:
            logger.warning("queue outage not told: %s", exc.response.get("error"))
    return errors.handle_error(error, body, response, respond, client, logger)
