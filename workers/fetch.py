"""Fetching article pages: bounded in time, size and redirects."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from factdesk.errors import (
    FetchTimeout,
    NotAnArticle,
    PageNotFound,
    PageTooLarge,
    TooManyRedirects,
    Unreachable,
)
from factdesk.settings import Settings

READABLE_TYPES = {"text/html", "application/xhtml+xml", "text/plain"}
REDIRECT_CODES = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    content_type: str
    body: bytes
    encoding: str | None


def fetch(url: str, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> Page:
    """GET `url`, following at most `fetch_max_redirects` redirects by hand."""
    deadline = time.monotonic() + settings.fetch_timeout_seconds * 2
    timeout = httpx.Timeout(settings.fetch_timeout_seconds, connect=5.0)
    headers = {
        "User-Agent": settings.fetch_user_agent,
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
        "Accept-Language": "en;q=1.0, *;q=0.5",
    }
    with httpx.Client(
        timeout=timeout, headers=headers, follow_redirects=False, transport=transport
    ) as client:
        for _ in range(settings.fetch_max_redirects + 1):
            page_or_next = _get_once(client, url, settings, deadline)
            if isinstance(page_or_next, Page):
                return page_or_next
            url = page_or_next
    raise TooManyRedirects(
        f"That link redirects more than {settings.fetch_max_redirects} times, "
        "so I stopped following it.",
        detail=url,
    )


def _get_once(client: httpx.Client, url: str, settings: Settings, deadline: float) -> Page | str:
    host = urlsplit(url).hostname or url
    try:
        with client.stream("GET", url) as response:
            if response.status_code in REDIRECT_CODES and "location" in response.headers:
                return urljoin(url, response.headers["location"])
            if response.status_code >= 400:
                raise _http_error(response.status_code, response.reason_phrase, url)
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type and content_type not in READABLE_TYPES:
                raise NotAnArticle(
                    f"That link points to {_describe(content_type)}, not an article I can read.",
                    detail=f"{content_type} {url}",
                )
            body = _read_capped(response, settings.fetch_max_bytes, deadline, url)
            return Page(
                url=str(response.url),
                content_type=content_type or "text/html",
                body=body,
                encoding=response.charset_encoding,
            )
    except httpx.TimeoutException as exc:
        raise FetchTimeout(
            f"{host} took too long to answer. Try again later.", detail=f"{exc!r} {url}"
        ) from exc
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise Unreachable(
            f"I couldn't connect to {host}. Check the link, or try again later.",
            detail=f"{exc!r} {url}",
        ) from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise Unreachable("That link isn't a web address I can open.", detail=url) from exc


def _read_capped(response: httpx.Response, cap: int, deadline: float, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise PageTooLarge(
                f"That page is larger than {cap // (1024 * 1024)} MB, too large for me to read.",
                detail=url,
            )
        if time.monotonic() > deadline:
            raise FetchTimeout("The site was too slow sending the page.", detail=url)
        chunks.append(chunk)
    return b"".join(chunks)


def _http_error(status: int, reason: str, url: str) -> PageNotFound:
    if status in (404, 410):
        message = f"That page wasn't found (HTTP {status}). It may have moved or been taken down."
    elif status in (401, 403):
        message = f"The site refused to show me that page (HTTP {status}). It may need a login."
    elif status == 429:
        message = "The site is limiting requests (HTTP 429). Try again in a few minutes."
    elif status >= 500:
        message = f"The site had an error (HTTP {status}). Try again later."
    else:
        message = f"The site answered HTTP {status} {reason} for that link."
    return PageNotFound(message, detail=f"{status} {url}")


def _describe(content_type: str) -> str:
    kind = content_type.split("/")[0]
    if kind in {"image", "video", "audio"}:
        return (
            f"an {kind} file ({content_type})"
            if kind in {"image", "audio"}
            else f"a video ({content_type})"
        )
    if content_type == "application/pdf":
        return "a PDF (application/pdf)"
    return f"a file of type {content_type}"
