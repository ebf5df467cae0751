"""Finding and normalizing the links people share in Slack messages."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from factdesk.errors import InvalidLink

# Slack wraps links as <url> or <url|label>; raw URLs appear in text that did not pass
# through Slack's formatter (slash command arguments, some API clients).
_SLACK_LINK = re.compile(r"<(https?://[^>|\s]+)(?:\|[^>]*)?>", re.IGNORECASE)
_RAW_LINK = re.compile(r"(?<![<|\w])(https?://[^\s<>|\"']+)", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref_src", "cmpid"}
)


def find_links(text: str) -> list[str]:
    """Every distinct http(s) link in a Slack message, in the order they appear."""
    found: list[str] = []
    seen: set[str] = set()
    for url in [*_SLACK_LINK.findall(text), *_raw_links(_SLACK_LINK.sub(" ", text))]:
        url = html.unescape(url)
        if not _has_host(url):
            continue
        key = normalize_url(url)
        if key not in seen:
            seen.add(key)
            found.append(url)
    return found


def _raw_links(text: str) -> list[str]:
    return [match.rstrip(_TRAILING_PUNCTUATION) for match in _RAW_LINK.findall(text)]


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:
        return False


def is_web_url(text: str) -> bool:
    """True for one absolute http(s) link with a host, as evidence links must be."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    return (
        parts.scheme.lower() in {"http", "https"}
        and bool(parts.hostname)
        and "." in (parts.hostname or "")
        and not any(char.isspace() for char in text.strip())
    )


def parse_link(text: str) -> str:
    """The single link in a command argument, unwrapped from Slack's <url|label> form."""
    links = find_links(text.strip())
    if not links:
        raise InvalidLink(detail=text[:200])
    return links[0]


def normalize_url(url: str) -> str:
    """A canonical form for deduplication: lower-case host, no fragment, no tracking."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    scheme = parts.scheme.lower()
    if port and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    query = urlencode(
        [
            (key, value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if not key.lower().startswith("utm_") and key.lower() not in TRACKING_PARAMS
        ]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))
