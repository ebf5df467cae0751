"""An article's metadata read from its page: language, canonical link, publication date."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

_LANGUAGE = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*", re.I)
_NOT_A_LANGUAGE = {"und", "mul", "zxx", "mis"}


def field(fields: dict[str, Any], name: str) -> str | None:
    """A text field of trafilatura's metadata, stripped; None when absent or blank."""
    value = fields.get(name)
    return value.strip() or None if isinstance(value, str) else None


def declared_language(tree: Any) -> str | None:
    """The language the page declares (``<html lang>``, ``og:locale``, ``content-language``)."""
    root = tree.getroottree().getroot()
    candidates: list[str | None] = [
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
    ]
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("http-equiv") or "").lower()
        if key in {"og:locale", "content-language", "language", "dc.language"}:
            candidates.append(meta.get("content"))
    return next((code for c in candidates if (code := short_language(c))), None)


def short_language(value: str | None) -> str | None:
    """'en-US', 'es_ES', 'de' -> 'en', 'es', 'de'; None when it is no language code."""
    if not value:
        return None
    match = _LANGUAGE.fullmatch(value.split(",")[0].strip())
    code = match.group(1).lower() if match else None
    return None if code is None or code in _NOT_A_LANGUAGE else code


def canonical(tree: Any, base: str) -> str | None:
    """The page's ``<link rel="canonical">`` (else ``og:url``), absolute against `base`."""
    hrefs = [
        link.get("href")
        for link in tree.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    hrefs += [
        meta.get("content")
        for meta in tree.iter("meta")
        if (meta.get("property") or meta.get("name") or "").lower() == "og:url"
    ]
    return next((url for href in hrefs if (url := _absolute(href, base))), None)


def _absolute(href: str | None, base: str) -> str | None:
    if not href or not href.strip():
        return None
    url = urljoin(base, href.strip())
    parts = urlsplit(url)
    return url if parts.scheme in {"http", "https"} and parts.hostname else None


def parse_date(value: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD) as trafilatura gives it; None for anything else."""
    if not value or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
