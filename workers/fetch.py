"""Fetching article pages: public addresses only, bounded in time, size and redirects.

Every connection goes through `workers.netguard.GuardedBackend`, which refuses private,
loopback, link-local and other non-public addresses (unless `FETCH_ALLOWED_NETWORKS`
allows them) and dials the address it checked. The body is read raw and decompressed
here, a slice at a time, so neither a large page nor a decompression bomb can take more
than the size cap in memory.
"""

from __future__ import annotations

import ssl
import time
import zlib
from dataclasses import dataclass
from functools import cache
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from factdesk.errors import (
    BinaryPage,
    CredentialsInLink,
    DecompressionBomb,
    FetchFailed,
    FetchTimeout,
    NotAnArticle,
    NotAWebAddress,
    PageNotFound,
    PageTooLarge,
    TooManyRedirects,
    Unreachable,
    UnsupportedScheme,
)
from factdesk.settings import Settings
from workers.netguard import (
    Connector,
    GuardedBackend,
    Resolver,
    parse_networks,
)

PDF = "application/pdf"
READABLE_TYPES = {"text/html", "application/xhtml+xml", "text/plain", PDF}
REDIRECT_CODES = {301, 302, 303, 307, 308}
# Decoded bytes per raw byte beyond which a compressed body is a bomb, not a page; real
# HTML compresses about 5 to 15 times.
MAX_COMPRESSION_RATIO = 100
# The ratio is judged only past this much output: tiny bodies compress oddly.
RATIO_FLOOR = 1024 * 1024
_SLICE = 64 * 1024
_RAW_SLICE = 8 * 1024
# File signatures that mean "not a page" whatever the Content-Type says.
_BINARY_MAGIC = (
    (b"\x89PNG", "an image"),
    (b"GIF8", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a compressed archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
)


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    content_type: str
    body: bytes
    encoding: str | None


def fetch(
    url: str,
    settings: Settings,
    *,
    resolver: Resolver | None = None,
    connector: Connector | None = None,
) -> Page:
    """GET `url`, following at most `fetch_max_redirects` redirects, each one checked."""
    deadline = time.monotonic() + settings.fetch_timeout_seconds * 2
    backend = GuardedBackend(
        allowed=parse_networks(settings.fetch_allowed_networks),
        deadline=deadline,
        resolver=resolver,
        connector=connector,
    )
    transport = _GuardedTransport(backend)
    timeout = httpx.Timeout(
        settings.fetch_timeout_seconds, connect=settings.fetch_connect_timeout_seconds
    )
    headers = {
        "User-Agent": settings.fetch_user_agent,
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,"
        "*/*;q=0.5",
        "Accept-Language": "en;q=1.0, *;q=0.5",
        # Only what _Decoder can unpack a slice at a time.
        "Accept-Encoding": "gzip, deflate",
    }
    # trust_env=False: a proxy from the environment would be dialled instead of the checked
    # address, and would fetch private addresses on our behalf.
    with httpx.Client(
        timeout=timeout,
        headers=headers,
        follow_redirects=False,
        transport=transport,
        trust_env=False,
    ) as client:
        for _ in range(settings.fetch_max_redirects + 1):
            check_url(url)
            page_or_next = _get_once(client, url, settings, deadline)
            if isinstance(page_or_next, Page):
                return page_or_next
            url = page_or_next
    raise TooManyRedirects.beyond(settings.fetch_max_redirects, detail=url)


def check_url(url: str) -> None:
    """Refuse what no fetch may open, before any name is resolved: scheme and credentials."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise NotAWebAddress(detail=url[:200]) from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise UnsupportedScheme(detail=url[:200])
    if "@" in parts.netloc:
        raise CredentialsInLink(detail=f"{parts.scheme}://…@{parts.hostname}")
    if not parts.hostname:
        raise NotAWebAddress(detail=url[:200])


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, with its connection pool dialling through the guard."""

    def __init__(self, backend: GuardedBackend) -> None:
        super().__init__(verify=_tls_context(), trust_env=False, retries=0)
        # httpx takes no network backend of its own, so the pool it built is swapped for
        # one that uses ours; everything else (TLS, HTTP/1.1) stays httpx's.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context(),
            max_connections=4,
            network_backend=backend,
        )


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS settings and CA bundle, loaded once per process: loading them
    took ~18 ms, twice per fetch, about 8% of a worker's time per article."""
    return httpx.create_ssl_context()


def _get_once(client: httpx.Client, url: str, settings: Settings, deadline: float) -> Page | str:
    host = urlsplit(url).hostname or url
    try:
        with client.stream("GET", url) as response:
            if response.status_code in REDIRECT_CODES and "location" in response.headers:
                return urljoin(url, response.headers["location"])
            if response.status_code >= 400:
                raise PageNotFound.http(
                    response.status_code,
                    response.reason_phrase,
                    detail=f"{response.status_code} {url}",
                )
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type and content_type not in READABLE_TYPES:
                raise NotAnArticle.of_type(content_type, detail=f"{content_type} {url}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > settings.fetch_max_bytes:
                raise PageTooLarge.beyond(settings.fetch_max_bytes, detail=url)
            body = _read_capped(response, settings.fetch_max_bytes, deadline, url)
            return Page(
                url=str(response.url),
                content_type=_sniff(body, content_type or "text/html", url),
                body=body,
                encoding=response.charset_encoding,
            )
    except httpx.TimeoutException as exc:
        raise FetchTimeout.slow_answer(host, detail=f"{exc!r} {url}") from exc
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise Unreachable.no_connection(host, detail=f"{exc!r} {url}") from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
        raise NotAWebAddress(detail=url[:200]) from exc


def _read_capped(response: httpx.Response, cap: int, deadline: float, url: str) -> bytes:
    decoder = _Decoder(response.headers.get("content-encoding", ""), url)
    chunks: list[bytes] = []
    size = raw = 0

    def take(pieces: list[bytes]) -> None:
        nonlocal size
        for piece in pieces:
            size += len(piece)
            bomb = size > raw * MAX_COMPRESSION_RATIO
            if bomb and (size > RATIO_FLOOR or size > cap):
                raise DecompressionBomb(detail=f"{raw} bytes inflating past {size} at {url}")
            if size > cap:
                raise PageTooLarge.beyond(cap, detail=url)
            chunks.append(piece)

    # Small raw slices keep the compression ratio honest: a bomb shows itself within one.
    for chunk in response.iter_raw(_RAW_SLICE):
        raw += len(chunk)
        if time.monotonic() > deadline:
            raise FetchTimeout.slow_page(detail=url)
        take(decoder.feed(chunk, cap - size + 1))
    take(decoder.finish())
    return b"".join(chunks)


class _Decoder:
    """Content-Encoding undone a bounded slice at a time (gzip, deflate or none)."""

    def __init__(self, encoding: str, url: str) -> None:
        self.encoding = encoding.strip().lower()
        self.url = url
        self.inflater: zlib._Decompress | None = None
        if self.encoding in ("gzip", "x-gzip"):
            self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.encoding == "deflate":
            self.inflater = zlib.decompressobj()
        elif self.encoding not in ("", "identity"):
            raise NotAnArticle.compressed_as(
                self.encoding, detail=f"content-encoding {self.encoding[:80]} {url}"
            )
        self.raw_deflate_tried = False

    def feed(self, data: bytes, room: int) -> list[bytes]:
        if self.inflater is None:
            return [data]
        pieces: list[bytes] = []
        try:
            while data:
                # max_length keeps each output slice small however much `data` inflates.
                piece = self.inflater.decompress(data, min(_SLICE, max(room, 1)))
                data = self.inflater.unconsumed_tail
                if self.inflater.eof and self.inflater.unused_data:
                    data = self.inflater.unused_data  # gzip allows several members
                    self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                if piece:
                    pieces.append(piece)
                    room -= len(piece)
                if room <= 0:
                    break
                if not piece and not data:
                    break
        except zlib.error as exc:
            if self.encoding == "deflate" and not self.raw_deflate_tried and not pieces:
                # Some servers send raw deflate without the zlib header.
                self.raw_deflate_tried = True
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, room)
            raise NotAnArticle.broken_compression(detail=f"{exc} {self.url}") from exc
        return pieces

    def finish(self) -> list[bytes]:
        if self.inflater is None:
            return []
        try:
            rest = self.inflater.flush()
        except zlib.error:
            return []
        return [rest] if rest else []


def _sniff(body: bytes, declared: str, url: str) -> str:
    """The type the body really has: a PDF served as HTML is read as a PDF; an image or an
    archive served as HTML is refused with words instead of being parsed as markup."""
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return PDF
    if declared == PDF:
        raise NotAnArticle.not_a_pdf(detail=f"not a PDF {url}")
    for magic, kind in _BINARY_MAGIC:
        if head.startswith(magic):
            raise BinaryPage.sends(kind, detail=f"{declared} {url}")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BinaryPage(detail=f"NUL bytes in {declared} at {url}")
    return declared


def is_transient(error: FetchFailed) -> bool:
    """Whether the same fetch may well work a little later (timeouts, 5xx, 429, resets)."""
    if isinstance(error, FetchTimeout | Unreachable):
        return not isinstance(error, NotAWebAddress)
    if isinstance(error, PageNotFound) and error.detail:
        status = error.detail.split(" ", 1)[0]
        return status.isdigit() and (int(status) >= 500 or int(status) == 429)
    return False
