"""Article text and metadata from a fetched page."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import trafilatura

from factdesk.errors import NoArticleText
from factdesk.services.articles import Extracted
from workers.fetch import Page

# Below this an "article" is a teaser, a caption or a login prompt, not something to check.
MIN_WORDS = 60


def extract(page: Page) -> Extracted:
    """Main text, title, author, date, site and language of a page."""
    extracted = _plain_text(page) if page.content_type == "text/plain" else _html(page)
    if len(extracted.text.split()) < MIN_WORDS:
        raise NoArticleText(detail=f"{len(extracted.text.split())} words at {page.url}")
    return extracted


def _decode(page: Page) -> str:
    try:
        return page.body.decode(page.encoding or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return page.body.decode("utf-8", errors="replace")


def _plain_text(page: Page) -> Extracted:
    text = _decode(page).replace("\r\n", "\n").strip()
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    return Extracted(text=text, title=title, site=urlsplit(page.url).hostname)


def _html(page: Page) -> Extracted:
    document = trafilatura.bare_extraction(
        page.body, url=page.url, include_comments=False, include_tables=False, with_metadata=True
    )
    if document is None:
        raise NoArticleText(detail=f"nothing extracted at {page.url}")
    fields = document if isinstance(document, dict) else document.as_dict()
    return Extracted(
        text=(fields.get("text") or "").strip(),
        title=fields.get("title"),
        site=fields.get("sitename") or fields.get("hostname"),
        author=fields.get("author"),
        published_date=_parse_date(fields.get("date")),
        language=fields.get("language"),
    )


def _parse_date(value: str | None) -> date | None:
    if not value or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
