"""Finding and normalizing the links people share in Slack messages."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from factdesk.errors import InvalidLink
from factdesk.render.mrkdwn import unescape

# Slack wraps links as <url> or <url|label>; raw URLs appear in text that did not pass
# through Slack's formatter (slash command arguments, some API clients).
_SLACK_LINK = re.compile(r"<(https?://[^>|\s]+)(?:\|[^>]*)?>", re.IGNORECASE)
_RAW_LINK = re.compile(r"(?<![<|\w])(https?://[^\s<>|\"']+)", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""

# Query parameters that say how a reader arrived, not what they read. `ref` is in the
# list because news sites use it for referrers; ids like `id`, `p` or `story` are kept.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "igshid",
        "igsh",
        "si",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmpid",
        "cmp",
        "smid",
        "smtyp",
        "ocid",
        "ncid",
        "icid",
        "s_cid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "trk",
        "sr_share",
        "spm",
        "amp",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_")
# Host prefixes that serve the same story to phones or as AMP; `www.` is the same site.
_ALIAS_HOST_PREFIXES = ("www.", "amp.", "m.", "mobile.")
_DEFAULT_PORTS = {("http", 80), ("https", 443)}


def find_links(text: str) -> list[str]:
    """Every distinct http(s) link in a Slack message, in the order they appear."""
    found: list[str] = []
    seen: set[str] = set()
    for url in [*_SLACK_LINK.findall(text), *_raw_links(_SLACK_LINK.sub(" ", text))]:
        url = unescape(url)
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
    """One key for every address of the same story.

    Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    the rest sorted; AMP and mobile variants, `www.` and a trailing slash folded away.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = _fold_host((parts.hostname or "").lower().rstrip("."))
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and (scheme, port) not in _DEFAULT_PORTS:
        host = f"{host}:{port}"
    query = urlencode(
        sorted(
            (key, value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if not _is_tracking(key, value)
        )
    )
    return urlunsplit((scheme, host, _fold_path(parts.path), query, ""))


def _fold_host(host: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _ALIAS_HOST_PREFIXES:
            rest = host.removeprefix(prefix)
            # Only a subdomain folds: `m.example` is a site of its own, not a mobile alias.
            if rest != host and "." in rest:
                host, changed = rest, True
    return host


def _fold_path(path: str) -> str:
    segments = [segment for segment in path.split("/") if segment.lower() != "amp"]
    last = segments[-1] if segments else ""
    lowered = last.lower()
    if lowered.endswith(".amp.html"):
        segments[-1] = last[: -len(".amp.html")] + ".html"
    elif lowered.endswith(".amp"):
        segments[-1] = last[: -len(".amp")]
    folded = "/".join(segments).rstrip("/")
    if not folded.startswith("/"):
        folded = "/" + folded
    return folded


def _is_tracking(key: str, value: str) -> bool:
    key = key.lower()
    if key == "outputtype":
        return value.lower() == "amp"
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


# Slack's message formatting: <url|label>, <@U123|name>, <#C123|name>, <!here>, <!date^…|text>.
_SLACK_MARKUP = re.compile(r"<([^<>]+)>")


def slack_plain_text(text: str) -> str:
    """A Slack message's text as a reader sees it: labels for links, names for mentions.

    The result is plain text, for reading claims in: `<!channel>` in it is what someone
    typed, not a mention, and it goes back to Slack only through `mrkdwn.escape`. Only
    Slack's own three entities are decoded; HTML's others (`&copy`, `&#60;`) are text
    Slack shows as typed.
    """

    def unwrap(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            if label:
                return label
            return "@" + target[1:].split("^")[0]
        return label or target

    return unescape(_SLACK_MARKUP.sub(unwrap, text))
