"""A local stand-in for the news sites people link to in Slack.

Tests and the demo cannot reach the internet, so this serves the pages in ``seeds/`` plus a
few misbehaving endpoints (error statuses, redirect chains, slow and oversized responses, a
non-HTML body) that exercise the fetcher's failure paths. Standard library only, so it can
run anywhere the project's tests run.

Run ``python -m standin.articles --port 8901`` to serve in the foreground.
"""

from __future__ import annotations

import argparse
import html
import re
import signal
import socket
import struct
import sys
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any, Self
from urllib.parse import parse_qs, quote, unquote, urlencode

from standin.lifecycle import Served

__all__ = ["ArticleServer", "main"]

MAX_SLOW_SECONDS = 30.0
MAX_BIG_MB = 64.0
MAX_REDIRECT_HOPS = 50
DEFAULT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"

_MIB = 1024 * 1024
_CHUNK = 64 * 1024
# A plain file name: no separators, and no leading dot so "..", "." and hidden files are out.
_SEED_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
}
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Statuses whose responses must not carry a body (RFC 9110).
_BODYLESS = frozenset({204, 304})


def _png(width: int = 8, height: int = 8) -> bytes:
    """A small RGB gradient, built by hand so the stand-in needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(
        b"\x00"  # filter type "None" for every scanline
        + b"".join(
            bytes((x * 255 // (width - 1), y * 255 // (height - 1), 160)) for x in range(width)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


PNG_BYTES = _png()


@dataclass
class _Response:
    status: int
    content_type: str = "text/html; charset=utf-8"
    body: bytes | None = None
    # For bodies too large to hold in memory; `length` must then be given.
    stream: Iterable[bytes] | None = None
    length: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Bytes written to the socket as they are, status line and headers included: for
    # servers that misbehave before the body even starts.
    raw: Iterable[bytes] | None = None

    def size(self) -> int:
        if self.stream is not None:
            return self.length or 0
        return len(self.body or b"")


def _page(title: str, text: str) -> bytes:
    title, text = html.escape(title), html.escape(text)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<p>{text}</p>\n"
        "</body>\n</html>\n"
    ).encode()


def _status_page(code: int, detail: str = "") -> _Response:
    phrase = _phrase(code)
    body = _page(f"{code} {phrase}", detail or f"The server answered {code} {phrase}.")
    return _Response(code, body=body)


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown Status"


def _big_body(total: int) -> Iterator[bytes]:
    """Exactly `total` bytes of HTML, produced chunk by chunk so memory use stays flat."""
    head = (
        b'<!DOCTYPE html>\n<html lang="en">\n'
        b"<head><title>A very large page</title></head>\n<body>\n"
    )
    tail = b"</body>\n</html>\n"
    filler = (
        b"<p>This paragraph is filler for a page that is far larger than any real article. "
        b"It exists so the fetcher's size cap can be tested without a real website.</p>\n"
    )
    if total <= len(head) + len(tail):
        yield (head + tail)[:total]
        return
    yield head
    remaining = total - len(head) - len(tail)
    block = filler * (_CHUNK // len(filler))
    while remaining > 0:
        piece = block[:remaining]
        remaining -= len(piece)
        yield piece
    yield tail


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        seeds_dir: Path,
        owner: ArticleServer,
        *,
        log_requests: bool,
    ) -> None:
        self.seeds_dir = seeds_dir
        self.owner = owner
        self.log_requests = log_requests
        # Set on stop() so sleeping /slow handlers wake up instead of outliving the server.
        self.stopping = threading.Event()
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        # A wildcard bind is reachable on loopback; a URL naming 0.0.0.0 is not portable.
        if host in ("0.0.0.0", ""):  # noqa: S104 (a comparison, not a bind)
            host = "127.0.0.1"
        # Fixed at bind time so handlers still running during stop() never see it vanish.
        self.base_url = f"http://{host}:{port}"

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        # Clients that give up (size caps, timeouts, closed keep-alive sockets) reset the
        # connection; that is expected traffic here, not a traceback worth printing.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive the way real sites do; every response therefore
    # carries a Content-Length.
    protocol_version = "HTTP/1.1"
    server_version = "FactdeskStandin/1.0"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the second one
    # waits for the client's delayed ACK and every keep-alive response costs ~40 ms.
    disable_nagle_algorithm = True

    @property
    def _server(self) -> _Server:
        assert isinstance(self.server, _Server)
        return self.server

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def do_POST(self) -> None:
        self._not_allowed()

    def do_PUT(self) -> None:
        self._not_allowed()

    def do_DELETE(self) -> None:
        self._not_allowed()

    def do_PATCH(self) -> None:
        self._not_allowed()

    def do_OPTIONS(self) -> None:
        self._not_allowed()

    def log_message(self, format: str, *args: object) -> None:
        # Silent by default: test output should not fill up with access logs.
        if self._server.log_requests:
            super().log_message(format, *args)

    def _not_allowed(self) -> None:
        self._server.owner._record(self.command, self.path)
        # The request body is never read, so the connection cannot be reused safely.
        self.close_connection = True
        response = _status_page(405, "Only GET and HEAD are supported here.")
        response.headers["Allow"] = "GET, HEAD"
        response.headers["Connection"] = "close"
        self._send(response, send_body=True)

    def _handle(self, *, send_body: bool) -> None:
        self._server.owner._record(self.command, self.path)
        try:
            response = self._route()
        except ValueError as exc:
            response = _status_page(400, str(exc))
        if response.delay > 0 and self._server.stopping.wait(response.delay):
            self.close_connection = True
            return
        self._send(response, send_body=send_body)

    def _route(self) -> _Response:
        # Split by hand: urlsplit() would read a target like "//host/x" as a network location.
        raw_path, _, raw_query = self.path.partition("?")
        raw_query = raw_query.partition("#")[0]
        query = {key: values[0] for key, values in parse_qs(raw_query).items()}
        if raw_path.startswith("/articles/"):
            return self._article(unquote(raw_path.removeprefix("/articles/")))
        if raw_path.startswith("/status/"):
            return self._status(raw_path.removeprefix("/status/"))
        if raw_path == "/image.png":
            return _Response(200, content_type="image/png", body=PNG_BYTES)
        if raw_path == "/redirect":
            return self._redirect(query)
        if raw_path == "/slow":
            return self._slow(query)
        if raw_path == "/big":
            return self._big(query)
        if raw_path.startswith("/hostile/"):
            return _hostile(
                self._server,
                raw_path.removeprefix("/hostile/"),
                query,
                self.headers.get("Host", ""),
            )
        return _status_page(404, "There is no page at this address.")

    def _article(self, name: str) -> _Response:
        seeds_dir = self._server.seeds_dir
        if not _SEED_NAME.fullmatch(name):
            return _status_page(404, "There is no article with that name.")
        candidate = seeds_dir / name
        # resolve() follows symlinks, so a link inside seeds/ cannot expose a file elsewhere.
        if not candidate.is_file() or candidate.resolve().parent != seeds_dir:
            return _status_page(404, "There is no article with that name.")
        content_type = _CONTENT_TYPES.get(candidate.suffix.lower(), "application/octet-stream")
        return _Response(200, content_type=content_type, body=candidate.read_bytes())

    def _status(self, text: str) -> _Response:
        if not text.isdigit() or not 200 <= int(text) <= 599:
            return _status_page(404, "Status codes from 200 to 599 are supported.")
        code = int(text)
        response = _status_page(code)
        if code in _REDIRECT_CODES:
            response.headers["Location"] = f"{self._server.base_url}/status/200"
        if code in (429, 503):
            response.headers["Retry-After"] = "1"
        return response

    def _redirect(self, query: dict[str, str]) -> _Response:
        target = query.get("to", "")
        # Only paths on this server: an open redirect would let a test leave 127.0.0.1.
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            raise ValueError("'to' must be a path on this server, such as /articles/x.html")
        # A decoded CR/LF would end up verbatim in the Location header.
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
            raise ValueError("'to' must not contain control characters")
        hops = _int(query, "n", default=1)
        code = _int(query, "code", default=302)
        if code not in _REDIRECT_CODES:
            raise ValueError(f"'code' must be one of {sorted(_REDIRECT_CODES)}")
        hops = min(hops, MAX_REDIRECT_HOPS)
        if hops > 1:
            params = {"to": target, "n": str(hops - 1)}
            if code != 302:
                params["code"] = str(code)
            location = f"/redirect?{urlencode(params)}"
        else:
            location = target
        response = _status_page(code, "This page has moved.")
        response.headers["Location"] = self._server.base_url + location
        return response

    def _slow(self, query: dict[str, str]) -> _Response:
        seconds = min(max(_float(query, "seconds", default=1.0), 0.0), MAX_SLOW_SECONDS)
        body = _page("A slow page", f"This page waited {seconds:g} seconds before answering.")
        return _Response(200, body=body, delay=seconds)

    def _big(self, query: dict[str, str]) -> _Response:
        megabytes = min(max(_float(query, "mb", default=1.0), 0.0), MAX_BIG_MB)
        total = int(megabytes * _MIB)
        return _Response(200, stream=_big_body(total), length=total)

    def _send(self, response: _Response, *, send_body: bool) -> None:
        if response.raw is not None:
            self.close_connection = True
            try:
                for piece in response.raw:
                    self.wfile.write(piece)
                    self.wfile.flush()
            except ConnectionError:
                pass
            return
        bodyless = response.status in _BODYLESS
        length = response.size()
        self.send_response(response.status, _phrase(response.status))
        if not bodyless:
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(length))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not send_body or bodyless:
            return
        try:
            if response.stream is not None:
                for piece in response.stream:
                    self.wfile.write(piece)
                    if response.delay < 0:  # a drip: every byte goes out on its own
                        self.wfile.flush()
            elif response.body:
                self.wfile.write(response.body)
        except ConnectionError:
            # Clients stop reading mid-body on purpose (size caps, timeouts); not an error.
            self.close_connection = True


def _int(query: dict[str, str], key: str, *, default: int) -> int:
    value = query.get(key)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"'{key}' must be a whole number") from None


def _float(query: dict[str, str], key: str, *, default: float) -> float:
    value = query.get(key)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"'{key}' must be a number") from None
    if number != number:  # NaN would slip through min()/max() unchanged
        raise ValueError(f"'{key}' must be a number")
    return number


# -- hostile pages ---------------------------------------------------------------------------
# Pages built to hurt a fetcher or an extractor. Each is small to describe and either
# generated on the fly or cached, so the server itself stays light.

HOSTILE_PAGES = (
    "empty",
    "binary-as-html",
    "drip",
    "drip-headers",
    "bad-charset",
    "deep",
    "sentences",
    "js-shell",
    "gzip-bomb",
    "pdf",
    "pdf-as-html",
    "length-lie",
    "host",
    "redirect",
)
_bomb_cache: dict[int, bytes] = {}
_bomb_lock = threading.Lock()


def _hostile(server: _Server, name: str, query: dict[str, str], request_host: str) -> _Response:
    html_type = "text/html; charset=utf-8"
    if name == "empty":
        return _Response(200, body=b"")
    if name == "binary-as-html":
        return _Response(200, content_type=html_type, body=PNG_BYTES * 64)
    if name == "drip":
        seconds = min(max(_float(query, "seconds", default=60.0), 0.0), MAX_SLOW_SECONDS * 4)
        return _Response(
            200, stream=_drip(server, b"<html><body>" + b"x" * int(seconds)), length=10_000,
            delay=-1.0,
        )  # fmt: skip
    if name == "drip-headers":
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"y" * 120
        return _Response(200, raw=_drip(server, head))
    if name == "bad-charset":
        body = (
            b"<html><head><meta charset='x-no-such-charset'><title>Caf\xe9 \xff\xfe</title></head>"
            b"<body><article>"
            + b"<p>The council said on Tuesday that 42 caf\xe9s closed in 2023 \xc3\x28 \xff.</p>"
            * 40
            + b"</article></body></html>"
        )
        return _Response(200, content_type="text/html; charset=x-no-such-charset", body=body)
    if name == "deep":
        depth = min(max(_int(query, "depth", default=10_000), 1), 200_000)
        body = (
            b"<html><body>"
            + b"<div>" * depth
            + b"<p>The ministry said 12 schools reopened in May 2024 after the floods.</p>" * 20
            + b"</div>" * depth
            + b"</body></html>"
        )
        return _Response(200, content_type=html_type, body=body)
    if name == "sentences":
        count = min(max(_int(query, "n", default=100_000), 1), 200_000)
        sentence = "Sales rose {}%. "
        text = "".join(sentence.format(i) for i in range(count))
        body = f"<html><body><article><p>{text}</p></article></body></html>".encode()
        return _Response(200, content_type=html_type, body=body)
    if name == "js-shell":
        body = (
            b"<!DOCTYPE html><html><head><title>News</title>"
            b"<script src='/static/app.3f9a.js' defer></script></head><body>"
            b"<noscript>You need to enable JavaScript to run this app.</noscript>"
            b"<div id='root'></div><script>window.__STATE__={};</script></body></html>"
        )
        return _Response(200, content_type=html_type, body=body)
    if name == "gzip-bomb":
        megabytes = min(max(_int(query, "mb", default=100), 1), 1024)
        body = _gzip_bomb(megabytes)
        return _Response(
            200, content_type=html_type, body=body, headers={"Content-Encoding": "gzip"}
        )
    if name in ("pdf", "pdf-as-html"):
        seed = query.get("seed", "press-release.txt")
        if not _SEED_NAME.fullmatch(seed) or not (server.seeds_dir / seed).is_file():
            return _status_page(404, "There is no seed with that name.")
        text = (server.seeds_dir / seed).read_text(encoding="utf-8")
        kind = "application/pdf" if name == "pdf" else html_type
        return _Response(200, content_type=kind, body=pdf_document(seed, text))
    if name == "length-lie":
        # Declares 100 MB and sends a few bytes: a fetcher must judge the declaration.
        return _Response(
            200, content_type=html_type, stream=iter([b"<html></html>"]), length=104_857_600
        )
    if name == "host":
        # Echoes the Host header, so a test can see that a pinned connection still names
        # the link's host.
        host = html.escape(request_host)
        return _Response(200, content_type="text/plain; charset=utf-8", body=host.encode())
    if name == "redirect":
        # Any target, other hosts included: only for tests of the fetcher's own guard,
        # which must refuse the hop before a connection is made.
        target = query.get("to", "")
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target) or not target:
            raise ValueError("'to' must be a URL without control characters")
        response = _status_page(_int(query, "code", default=302), "This page has moved.")
        response.headers["Location"] = target
        return response
    return _status_page(404, f"Hostile pages: {', '.join(HOSTILE_PAGES)}.")


def _drip(server: _Server, data: bytes) -> Iterator[bytes]:
    """One byte a second until the data ends, the client leaves or the server stops."""
    for byte in data:
        yield bytes((byte,))
        if server.stopping.wait(1.0):
            return


def _gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MB of spaces after an HTML start, gzip-compressed (about 1,000:1).

    gzip allows members back to back, so one compressed megabyte repeated makes a bomb of
    any size at once, without compressing it each time.
    """
    with _bomb_lock:
        cached = _bomb_cache.get(megabytes)
        if cached is None:
            head = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            start = head.compress(b"<html><body><p>") + head.flush()
            block = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            member = block.compress(b" " * _MIB) + block.flush()
            cached = _bomb_cache[megabytes] = start + member * megabytes
        return cached


def pdf_document(title: str, text: str) -> bytes:
    """A plain PDF (Helvetica, one line per text line, wrapped) that pypdf can read."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        words = paragraph.split()
        line = ""
        for word in words:
            if len(line) + len(word) + 1 > 90:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
    pages = [lines[i : i + 50] for i in range(0, len(lines), 50)] or [[]]

    def literal(value: str) -> bytes:
        plain = value.translate({0x2019: "'", 0x2018: "'", 0x201C: '"', 0x201D: '"', 0x2014: "-"})
        data = plain.encode("latin-1", errors="replace")
        return (
            b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
        )

    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + literal(title) + b" /Producer (Factdesk stand-in) >>",
    ]
    kids: list[int] = []
    for page_lines in pages:
        content = (
            b"BT /F1 10 Tf 13 TL 50 760 Td "
            + b"".join(literal(line) + b" Tj T* " for line in page_lines)
            + b"ET"
        )
        objects.append(
            b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content
            + b"\nendstream"
        )  # fmt: skip
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents "
            + f"{content_id} 0 R".encode()
            + b" /Resources << /Font << /F1 3 0 R >> >> >>"
        )
        kids.append(len(objects))
    objects[1] = (
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{kid} 0 R".encode() for kid in kids)
        + b"] /Count "
        + str(len(kids)).encode()
        + b" >>"
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 4 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


class ArticleServer(Served):
    """Serves ``seeds_dir`` and the test endpoints on a background thread.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        seeds_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_requests: bool = False,
    ) -> None:
        self._seeds_dir = Path(seeds_dir).resolve()
        self._host = host
        self._port = port
        self._log_requests = log_requests
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str]] = []

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("ArticleServer is already running")
        if not self._seeds_dir.is_dir():
            raise FileNotFoundError(f"seeds directory not found: {self._seeds_dir}")
        httpd = _Server(
            (self._host, self._port), self._seeds_dir, self, log_requests=self._log_requests
        )
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"article-server-{httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("ArticleServer is not running; call start() first")
        return self._httpd.base_url

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("ArticleServer is not running; call start() first")
        return int(self._httpd.server_address[1])

    @property
    def seeds_dir(self) -> Path:
        return self._seeds_dir

    def article_url(self, name: str) -> str:
        return f"{self.url}/articles/{quote(name)}"

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, request target) for every request so far, query string included."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            self._requests.append((method, path))

    def seed_names(self) -> list[str]:
        """Seed files that /articles/ will serve, sorted."""
        return sorted(
            entry.name
            for entry in self._seeds_dir.iterdir()
            if entry.is_file() and _SEED_NAME.fullmatch(entry.name)
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m standin.articles",
        description="Serve the seed articles and test endpoints on a local port.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8901, help="0 picks a free port")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="folder of pages")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # SIGTERM from a process supervisor should shut down as cleanly as Ctrl-C.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
    server = ArticleServer(args.seeds, host=args.host, port=args.port, log_requests=not args.quiet)
    try:
        server.start()
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"Serving {server.seeds_dir} at {server.url}", flush=True)
        for name in server.seed_names():
            print(f"  {server.article_url(name)}", flush=True)
        print(
            f"Also: {server.url}/status/<code>, /image.png, /redirect?to=<path>&n=<k>, "
            "/slow?seconds=<s>, /big?mb=<n>",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
