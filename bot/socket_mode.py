"""Socket Mode that keeps its connection: Slack's WebSocket is replaced within seconds
when it drops, is refreshed or goes half-open, and each envelope is acked at once on the
connection that brought it.

slack_sdk's clients lose clicks when the link misbehaves (issue 14): the built-in one,
Bolt's default, spins on a connection closed without a close frame and replaces it only
after ~30 s, holds acks up to 3 s while it closes the old socket on a refresh, and takes
~25 s to notice a half-open link; the websocket-client one drops what Slack still sends on
the old socket after a refresh and never notices a half-open link. This one keeps
slack_sdk's envelope handling (BaseSocketModeClient) and websocket-client's RFC 6455, and
keeps the connections itself: a reader thread per connection, blocked in recv, ends it at
a close frame, a dropped TCP connection or an error; a keeper thread pings a quiet
connection and gives it up when nothing at all has come for a few seconds; on Slack's
`disconnect` the new connection opens first and the old one is still read, and acked on,
until Slack closes it; failed tries are spaced out (apps.connections.open is Tier 1).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import socket
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from logging import Logger
from queue import Queue
from typing import Any

import websocket
from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.interval_runner import IntervalRunner
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websocket import ABNF, WebSocketException

from factdesk.metrics import ACK_SECONDS, elapsed

log = logging.getLogger(__name__)

# How often the keeper looks at the connections: the granularity of every timing below.
KEEPER_TICK_SECONDS = 0.25
# Slack answers a ping at once; a quiet link is pinged every second, and one that has
# answered nothing for 3 s (three pings) is given up, so a half-open link is replaced
# well within 5 s, while a lost packet or two (TCP resends within a second) is not.
PING_AFTER_SECONDS = 1.0
STALE_AFTER_SECONDS = 3.0
# Slack closes a connection ~10 s after its `warning`; one it never closes goes then.
RETIRE_AFTER_SECONDS = 15.0
# A close frame sent, the peer's answer is awaited this long (websocket-client waits 3 s).
CLOSE_WAIT_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 30.0
# Envelopes remembered for routing their ack; Bolt doesn't ack what it has no listener for.
MAX_ORIGINS = 1000


@dataclass(eq=False)
class _Link:
    """One WebSocket connection to Slack and what the keeper knows of it."""

    number: int
    ws: websocket.WebSocket
    heard_at: float  # monotonic time of the last frame of any kind from Slack
    pinged_at: float
    retiring_since: float | None = None  # Slack asked for a new connection
    closing_since: float | None = None  # our close frame is sent
    fault: str | None = None  # why the keeper gave it up
    ended: threading.Event = field(default_factory=threading.Event)

    @property
    def usable(self) -> bool:
        return not self.ended.is_set() and self.closing_since is None


class SteadySocketModeClient(BaseSocketModeClient):
    """A Socket Mode client that replaces a dropped, refreshed or half-open connection
    within seconds and acks each envelope on the connection it came on."""

    def __init__(
        self,
        app_token: str,
        *,
        web_client: WebClient,
        logger: Logger | None = None,
        concurrency: int = 10,
        ping_after: float = PING_AFTER_SECONDS,
        stale_after: float = STALE_AFTER_SECONDS,
        retire_after: float = RETIRE_AFTER_SECONDS,
    ) -> None:
        self.app_token = app_token
        self.web_client = web_client
        self.logger = logger or log
        self.message_queue = Queue()
        self.message_listeners = []
        self.socket_mode_request_listeners = []
        self.closed = False
        self.connect_operation_lock = threading.Lock()
        self.ping_after, self.stale_after, self.retire_after = ping_after, stale_after, retire_after
        # Envelopes are dispatched (and acked) in these threads; listeners' work goes on
        # in Bolt's listener executor, so a few are plenty.
        self.message_workers = ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="socket-mode-dispatch"
        )
        self.message_processor = IntervalRunner(self.process_messages, 0.001).start()
        self._lock = threading.Lock()
        self._links: list[_Link] = []
        self._current: _Link | None = None
        self._origins: OrderedDict[str, _Link] = OrderedDict()
        self._numbers = itertools.count(1)
        self._wake = threading.Event()
        self._keeper: threading.Thread | None = None
        self._failures = 0
        self._next_try = 0.0

    # -- what Bolt calls -----------------------------------------------------------------

    def connect(self) -> None:
        """Open a connection and keep one open from now on. Raises SlackApiError when
        Slack refuses the app token; a network failure or a rate limit is logged and
        retried."""
        try:
            self._open()
        except SlackApiError as error:
            if error.response.get("error") != "ratelimited":
                raise
            self._failed(error)
        except (OSError, WebSocketException) as error:
            self._failed(error)
        # Only now: a keeper started first could open a second connection meanwhile.
        self._keep_going()

    def issue_new_wss_url(self) -> str:
        # slack_sdk's logs an error and sleeps out a rate limit in the calling thread; the
        # caller here says what went wrong once, and the keeper waits between tries.
        return str(self.web_client.apps_connections_open(app_token=self.app_token)["url"])

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        # Called by slack_sdk's message handling on `disconnect`: the keeper opens the new
        # connection, so the thread handing out envelopes never waits for it.
        with self._lock:
            current = self._current
        if current is not None and current.retiring_since is None:
            current.retiring_since = time.monotonic()
        self._wake.set()

    def is_connected(self) -> bool:
        with self._lock:
            return self._current is not None and self._current.usable

    def disconnect(self) -> None:
        with self._lock:
            current = self._current
        if current is not None:
            self._close(current)

    def close(self) -> None:
        self.closed = True
        self._wake.set()
        with self._lock:
            links = list(self._links)
        for link in links:
            self._close(link)
            _abort(link.ws)
        self.message_processor.shutdown()  # type: ignore[no-untyped-call]
        self.message_workers.shutdown(wait=False)

    def send_message(self, message: str) -> None:
        self._send(message, None)

    def send_socket_mode_response(self, response: dict[str, Any] | SocketModeResponse) -> None:
        body = response.to_dict() if isinstance(response, SocketModeResponse) else response
        with self._lock:
            origin = self._origins.pop(str(body.get("envelope_id", "")), None)
        self._send(json.dumps(body), origin)

    # -- connections ---------------------------------------------------------------------

    def _open(self) -> None:
        with self.connect_operation_lock:
            # Each URL is a one-time ticket, so every connection asks for a new one.
            url = self.issue_new_wss_url()
            ws = websocket.create_connection(
                url,
                timeout=CONNECT_TIMEOUT_SECONDS,
                enable_multithread=True,
                sslopt={"context": self.web_client.ssl} if self.web_client.ssl else None,
            )
            # The reader blocks until Slack sends something; the keeper wakes it if needed.
            ws.settimeout(None)
            now = time.monotonic()
            link = _Link(next(self._numbers), ws, heard_at=now, pinged_at=now)
            with self._lock:
                previous, self._current = self._current, link
                self._links.append(link)
                if previous is not None and previous.retiring_since is None:
                    previous.retiring_since = now
            threading.Thread(
                target=self._read, args=(link,), name=f"socket-mode-{link.number}", daemon=True
            ).start()
            self._failures = 0
            self.logger.info("Socket Mode connection %d open", link.number)

    def _read(self, link: _Link) -> None:
        ending = "Slack closed it"
        try:
            while True:
                opcode, frame = link.ws.recv_data_frame(control_frame=True)
                link.heard_at = time.monotonic()
                if opcode == ABNF.OPCODE_TEXT:
                    self._received(link, frame.data.decode("utf-8"))
                elif opcode == ABNF.OPCODE_CLOSE:
                    return
        except websocket.WebSocketConnectionClosedException:
            ending = "closed without a close frame"
        except (OSError, WebSocketException, ValueError) as error:
            ending = f"{type(error).__name__}: {error}"
        finally:
            self._ended(link, link.fault or ending)

    def _received(self, link: _Link, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            self.logger.warning("Socket Mode message that isn't a JSON object ignored")
            return
        if message.get("type") == "disconnect":
            self.logger.info(
                "Slack asked for a new connection (%s) on connection %d",
                message.get("reason"),
                link.number,
            )
            if link.retiring_since is None:
                link.retiring_since = time.monotonic()
            self._wake.set()
            return
        envelope_id = message.get("envelope_id")
        if isinstance(envelope_id, str):
            with self._lock:
                self._origins[envelope_id] = link
                while len(self._origins) > MAX_ORIGINS:
                    self._origins.popitem(last=False)
        self.enqueue_message(text)

    def _ended(self, link: _Link, why: str) -> None:
        link.ended.set()
        _abort(link.ws)
        link.ws.shutdown()  # type: ignore[no-untyped-call]
        with self._lock:
            self._links.remove(link)
            was_current = link is self._current
        if was_current and not self.closed:
            self.logger.warning(
                "Socket Mode connection %d lost (%s); reconnecting", link.number, why
            )
            self._wake.set()
        else:
            self.logger.info("Socket Mode connection %d closed (%s)", link.number, why)

    def _send(self, text: str, origin: _Link | None) -> None:
        with self._lock:
            # The connection the envelope came on first: Slack awaits its ack there.
            links = [origin] if origin is not None else []
            links += [self._current] if self._current is not None else []
            links += reversed(self._links)
        for link in dict.fromkeys(links):
            if not link.usable:
                continue
            try:
                link.ws.send(text)
                return
            except (OSError, WebSocketException):
                continue
        # Slack sends the envelope again when its ack doesn't come.
        self.logger.warning("Socket Mode message not sent: no connection is open")

    def _close(self, link: _Link) -> None:
        """Start the closing handshake; the keeper ends the link if Slack doesn't answer."""
        if not link.usable:
            return
        link.closing_since = time.monotonic()
        with contextlib.suppress(OSError, WebSocketException):
            link.ws.send_close(websocket.STATUS_NORMAL)

    # -- the keeper ----------------------------------------------------------------------

    def _keep_going(self) -> None:
        if self._keeper is None:
            self._keeper = threading.Thread(
                target=self._keep, name="socket-mode-keeper", daemon=True
            )
            self._keeper.start()

    def _keep(self) -> None:
        while not self.closed:
            self._wake.wait(KEEPER_TICK_SECONDS)
            self._wake.clear()
            if self.closed:
                return
            now = time.monotonic()
            with self._lock:
                current, links = self._current, list(self._links)
            if (current is None or not current.usable or current.retiring_since is not None) and (
                now >= self._next_try
            ):
                try:
                    self._open()
                except Exception as error:  # noqa: BLE001 -- whatever failed, try again later
                    self._failed(error)
            for link in links:
                self._look_after(link, now, is_current=link is current)

    def _look_after(self, link: _Link, now: float, *, is_current: bool) -> None:
        if link.ended.is_set():
            return
        if link.closing_since is not None:
            if now - link.closing_since > CLOSE_WAIT_SECONDS:
                _abort(link.ws)
            return
        retiring = link.retiring_since
        if retiring is not None and not is_current and now - retiring > self.retire_after:
            self._close(link)
            return
        quiet = now - link.heard_at
        if quiet > self.stale_after:
            link.fault = f"nothing from Slack for {quiet:.1f} s"
            _abort(link.ws)
        elif quiet >= self.ping_after and now - link.pinged_at >= self.ping_after:
            link.pinged_at = now
            try:
                link.ws.ping(str(link.number))
            except (OSError, WebSocketException) as error:
                link.fault = f"ping failed: {error}"
                _abort(link.ws)

    def _failed(self, error: Exception) -> None:
        self._failures += 1
        delay = min(MAX_BACKOFF_SECONDS, 2.0 ** (self._failures - 1))
        if isinstance(error, SlackApiError) and error.response.get("error") == "ratelimited":
            retry_after = str(error.response.headers.get("Retry-After", ""))
            delay = max(delay, float(retry_after) if retry_after.isdigit() else MAX_BACKOFF_SECONDS)
        self._next_try = time.monotonic() + delay
        if isinstance(error, SlackApiError):
            answer = error.response.get("error")
            reason = f"apps.connections.open answered {answer}; check SLACK_APP_TOKEN"
        else:
            reason = f"{type(error).__name__}: {error}"
        self.logger.warning(
            "Socket Mode couldn't connect (%s); trying again in %.0f s", reason, delay
        )


def _abort(ws: websocket.WebSocket) -> None:
    """Wake the reader blocked on this connection: its recv returns at once."""
    sock = ws.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class SteadySocketModeHandler(BaseSocketModeHandler):
    """Bolt over SteadySocketModeClient, timing each envelope from its arrival to its
    ack, as the HTTP path times each request."""

    def __init__(self, app: App, app_token: str, **client_options: Any) -> None:
        self.app = app
        self.client = SteadySocketModeClient(app_token, web_client=app.client, **client_options)
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def start(self) -> None:
        """Connect, then block this thread while the connection is kept."""
        # Bolt's own start() also prints a banner to stdout when the log level is above INFO.
        self.connect()  # type: ignore[no-untyped-call]
        log.info("Bolt app connected over Socket Mode")
        threading.Event().wait()

    # The signature Bolt's handlers declare, narrower than their base class's.
    def handle(self, client: SteadySocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started, wall_clock = time.perf_counter(), time.time()
        try:
            # Dispatches the envelope and sends its ack; listeners go on in their threads.
            send_response(client, req, run_bolt_app(self.app, req), wall_clock)
        finally:
            ACK_SECONDS.observe(elapsed(started))
