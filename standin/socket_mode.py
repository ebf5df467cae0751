"""Slack's end of Socket Mode, on loopback: a WebSocket server that hands the app envelopes
and records its acknowledgements.

Slack gives the app a WebSocket URL from `apps.connections.open` (the Web API stand-in
answers it with this server's URL), says `hello`, then sends each event, interaction or
slash command as an envelope; the app answers with `{"envelope_id": ...}` and, where the
envelope accepts one, a response payload (api.slack.com/apis/socket-mode). Only what
Socket Mode clients use of RFC 6455 is implemented: the opening handshake, text frames,
ping and pong, and close. Frames from the client are masked; ours are not.

It also fails as Slack's end and the road to it do (tests/bot/test_socket_mode_faults.py):
Slack refreshes connections, first sending `{"type": "disconnect", "reason":
"refresh_requested"}` (or `"warning"`) and closing that socket a little later, while it
may still deliver on it; a restarting proxy drops the TCP connection without a close
frame; a link can go half-open, where nothing comes back and nothing is read.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import socketserver
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Self

from standin.lifecycle import Served

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass
class Ack:
    envelope_id: str
    body: dict[str, Any]
    seconds: float  # from the envelope being sent to its ack arriving
    connection: int  # the number of the connection it came back on


@dataclass
class _Connection:
    request: Any
    number: int  # 1 for the first connection the stand-in accepted, then 2, 3...
    opened_at: float
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    open: bool = True
    # Half-open: frames from the app are neither read nor answered, nothing is sent.
    silent: bool = False
    # Told to reconnect (a `disconnect` message): Slack delivers to the newer one.
    retiring: bool = False
    closed_at: float | None = None

    def send(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        with self.send_lock:
            self.request.sendall(header + payload)


class SocketModeStandIn(Served):
    """Sends envelopes to the app connected over Socket Mode; records its acks; fails on
    demand as Slack's end of the link does."""

    def __init__(self, *, host: str = "127.0.0.1", app_id: str = "A0FACTDESK") -> None:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the Socket Mode stand-in only listens on loopback, not {host!r}")
        self.host = host
        self.app_id = app_id
        self._server: socketserver.ThreadingTCPServer | None = None
        self._lock = threading.Condition()
        self._connections: list[_Connection] = []
        self._sent_at: dict[str, float] = {}
        self._acks: dict[str, Ack] = {}
        self._stopping = threading.Event()
        self._refusing = False
        self.handshakes = 0

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        stand_in = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                stand_in._serve(self.request)

        server = socketserver.ThreadingTCPServer((self.host, 0), Handler)
        server.daemon_threads = True
        threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="socket-mode-standin",
            daemon=True,
        ).start()
        self._server = server
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        self._stopping.set()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                if not connection.silent:
                    connection.send(CLOSE, struct.pack("!H", 1001))
            _shut(connection.request)
        if server is not None:
            server.shutdown()
            server.server_close()

    @property
    def url(self) -> str:
        """What `apps.connections.open` hands the app."""
        if self._server is None:
            raise RuntimeError("the Socket Mode stand-in is not running")
        port = self._server.server_address[1]
        return f"ws://{self.host}:{port}/link/?ticket={uuid.uuid4()}&app_id={self.app_id}"

    # -- what tests do ---------------------------------------------------------------

    def wait_connected(self, timeout: float = 30.0) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: bool(self._live()), timeout):
                raise TimeoutError(f"no app connected over Socket Mode within {timeout}s")

    @property
    def connections(self) -> int:
        """How many connections the app has opened so far (their numbers run 1, 2, ...)."""
        with self._lock:
            return len(self._connections)

    def wait_connection(self, number: int, timeout: float = 30.0) -> float:
        """Wait until the app has opened connection `number`; when it did (monotonic)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._connections) >= number, timeout):
                raise TimeoutError(f"the app did not open connection {number} within {timeout}s")
            return self._connections[number - 1].opened_at

    def closed_at(self, number: int) -> float | None:
        """When connection `number` ended (monotonic), or None while it is open."""
        with self._lock:
            return self._connections[number - 1].closed_at

    def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        via: int | None = None,
    ) -> str:
        """Send an envelope of `kind` (events_api, interactive, slash_commands); its id.

        It goes on connection `via`, or on the newest one not told to reconnect."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._lock:
            connection = self._pick(via)
            self._sent_at[envelope_id] = time.monotonic()
        connection.send(TEXT, json.dumps(envelope).encode("utf-8"))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        with self._lock:
            if not self._lock.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"envelope {envelope_id} was not acknowledged in {timeout}s")
            return self._acks[envelope_id]

    # -- faults ------------------------------------------------------------------------

    def drop(self, via: int | None = None) -> int:
        """End the TCP connection without a close frame, as a restarting proxy does; the
        number of the connection dropped."""
        with self._lock:
            connection = self._pick(via)
        _shut(connection.request)
        return connection.number

    def disconnect(
        self, reason: str = "refresh_requested", *, close_after: float = 1.0, via: int | None = None
    ) -> int:
        """Tell the app to reconnect, as Slack does before refreshing a connection
        (`refresh_requested`) or when it is about to close it (`warning`), then close that
        connection `close_after` seconds later with a close frame. Until then it still
        takes envelopes sent `via` it. The number of the connection told."""
        with self._lock:
            connection = self._pick(via)
            connection.retiring = True
        message = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": "factdesk-standin"},
        }
        connection.send(TEXT, json.dumps(message).encode("utf-8"))
        timer = threading.Timer(close_after, self._close, args=(connection,))
        timer.daemon = True
        timer.start()
        return connection.number

    def go_silent(self, via: int | None = None) -> int:
        """Half-open: from now on nothing the app sends on this connection is read or
        answered (pings included) and nothing reaches it, but it is not closed. The
        number of the connection."""
        with self._lock:
            connection = self._pick(via)
            connection.silent = True
        return connection.number

    @contextlib.contextmanager
    def refusing(self) -> Iterator[None]:
        """While inside, opening handshakes are answered 503, as an unreachable edge
        would leave the app disconnected."""
        self._refusing = True
        try:
            yield
        finally:
            self._refusing = False

    # -- the WebSocket server ----------------------------------------------------------

    def _live(self) -> list[_Connection]:
        return [c for c in self._connections if c.open and not c.silent]

    def _pick(self, via: int | None) -> _Connection:
        if via is not None:
            return self._connections[via - 1]
        live = self._live()
        if not live:
            raise RuntimeError("no app is connected over Socket Mode")
        current = [c for c in live if not c.retiring]
        return (current or live)[-1]

    def _close(self, connection: _Connection) -> None:
        if connection.open and not connection.silent:
            with contextlib.suppress(OSError):
                connection.send(CLOSE, struct.pack("!H", 1001))
        # The app answers with its own close frame; Slack doesn't wait long for it.
        time.sleep(0.2)
        _shut(connection.request)

    def _serve(self, sock: Any) -> None:
        reader = sock.makefile("rb")
        if not self._handshake(sock, reader):
            return
        with self._lock:
            connection = _Connection(sock, len(self._connections) + 1, time.monotonic())
            hello = {
                "type": "hello",
                "num_connections": len(self._live()) + 1,
                "debug_info": {"host": "factdesk-standin", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.app_id},
            }
            connection.send(TEXT, json.dumps(hello).encode("utf-8"))
            self._connections.append(connection)
            self._lock.notify_all()
        try:
            while True:
                frame = _read_frame(reader)
                if frame is None:
                    return
                if connection.silent:
                    # Nothing more is read from a half-open link: the app's frames pile
                    # up unread until the app gives up on it, or the stand-in stops.
                    self._stopping.wait()
                    return
                opcode, payload = frame
                if opcode == PING:
                    connection.send(PONG, payload)
                elif opcode == CLOSE:
                    connection.send(CLOSE, payload[:2])
                    return
                elif opcode == TEXT:
                    self._received(connection, json.loads(payload))
        except (OSError, ValueError):
            return
        finally:
            _shut(sock)
            with self._lock:
                connection.open = False
                connection.closed_at = time.monotonic()
                self._lock.notify_all()

    def _handshake(self, sock: Any, reader: Any) -> bool:
        headers: dict[str, str] = {}
        request_line = reader.readline()
        if not request_line.startswith(b"GET "):
            return False
        while True:
            line = reader.readline()
            if not line or line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if self._refusing:
            sock.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            return False
        key = headers.get("sec-websocket-key")
        if not key or headers.get("upgrade", "").lower() != "websocket":
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return False
        # RFC 6455 fixes SHA-1 for this echo of the key; it protects nothing.
        digest = hashlib.sha1((key + WEBSOCKET_GUID).encode(), usedforsecurity=False).digest()
        accept = base64.b64encode(digest)
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        with self._lock:
            self.handshakes += 1
        return True

    def _received(self, connection: _Connection, message: Any) -> None:
        if not isinstance(message, dict) or "envelope_id" not in message:
            return
        envelope_id = str(message["envelope_id"])
        with self._lock:
            sent = self._sent_at.get(envelope_id, time.monotonic())
            seconds = time.monotonic() - sent
            self._acks[envelope_id] = Ack(envelope_id, message, seconds, connection.number)
            self._lock.notify_all()


def _shut(sock: Any) -> None:
    """End a TCP connection at once, without a WebSocket close frame."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def _read_frame(reader: Any) -> tuple[int, bytes] | None:
    """One whole message (continuation frames joined), or None at the end of the stream."""
    data = b""
    opcode = 0
    while True:
        head = reader.read(2)
        if len(head) < 2:
            return None
        first, second = head
        opcode = opcode or first & 0x0F
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", reader.read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", reader.read(8))
        mask = reader.read(4) if second & 0x80 else b""
        payload = reader.read(length)
        if mask:
            payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        data += payload
        if first & 0x80:
            return opcode, data
