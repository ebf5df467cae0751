"""Importing fact-checks published as schema.org ClaimReview JSON-LD into the archive.

Fact-checkers publish ClaimReview in their pages (``<script type="application/ld+json">``)
and feeds: a single object, an array, an ``@graph``, or a DataFeed wrapping them. Every
ClaimReview found anywhere in the document is one candidate row, checked on its own: a
row without a claim or a rating is rejected and counted, and the good rows around it are
stored all the same. A row whose URL and claim are already in the workspace's archive
(or earlier in the same file) is skipped, so importing a feed twice adds nothing.
A URL is fetched through ``workers.fetch``, the articles' SSRF-safe fetcher.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from lxml import etree, html  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.services import archive
from factdesk.settings import Settings
from workers.fetch import fetch
from workers.netguard import Connector, Resolver

if TYPE_CHECKING:
    from workers.nlp.embedder import Embedder

log = logging.getLogger(__name__)

MAX_CLAIM_CHARS = 2000
_SHORT = 255


class NotClaimReview(ValueError):
    """The document holds no JSON-LD at all."""


@dataclass(frozen=True)
class FactCheck:
    text: str
    rating: str
    publisher: str | None
    reviewed_on: date | None
    url: str | None
    language: str | None

    @property
    def dedupe_key(self) -> str:
        claim = " ".join(self.text.lower().split())
        return hashlib.sha256(f"{self.url or ''}\n{claim}".encode()).hexdigest()


@dataclass
class ImportReport:
    added: int = 0
    skipped: int = 0
    rejected: int = 0
    reasons: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.rejected += 1
        self.reasons.append(reason)


def json_ld_blocks(body: bytes) -> list[Any]:
    """The JSON documents in the body: the body itself, or each ld+json script of a page."""
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        return [json.loads(body)]
    try:
        page = html.document_fromstring(body)
    except (ValueError, etree.ParserError) as error:
        raise NotClaimReview("neither JSON nor a web page") from error
    scripts = page.xpath('//script[@type="application/ld+json"]')
    if not scripts:
        raise NotClaimReview("the page has no JSON-LD")
    blocks: list[Any] = []
    for script in scripts:
        try:
            blocks.append(json.loads(script.text or ""))
        except ValueError:
            blocks.append(_Malformed())
    return blocks


class _Malformed:
    """A script block that is not JSON: one rejected row, not a failed import."""


def claim_reviews(document: Any) -> Iterator[Any]:
    """Every object typed ClaimReview, at any depth (arrays, @graph, DataFeed items)."""
    if isinstance(document, list):
        for item in document:
            yield from claim_reviews(item)
    elif isinstance(document, dict):
        types = document.get("@type")
        if types == "ClaimReview" or (isinstance(types, list) and "ClaimReview" in types):
            yield document
            return
        for value in document.values():
            if isinstance(value, dict | list):
                yield from claim_reviews(value)


def parse(review: Any) -> FactCheck:
    """One ClaimReview as a row; ValueError says why it cannot be one."""
    if not isinstance(review, dict):
        raise ValueError("not an object")
    text = _text(review.get("claimReviewed"))
    if not text:
        raise ValueError("no claimReviewed")
    if len(text) > MAX_CLAIM_CHARS:
        raise ValueError(f"claimReviewed is over {MAX_CLAIM_CHARS} characters")
    rating_object = review.get("reviewRating")
    rating = _text(rating_object.get("alternateName")) if isinstance(rating_object, dict) else ""
    if not rating:
        raise ValueError("no reviewRating.alternateName")
    url = _text(review.get("url")) or None
    if url and not url.startswith(("https://", "http://")):
        raise ValueError("url is not a web address")
    return FactCheck(
        text=text,
        rating=rating[:_SHORT],
        publisher=(_name(review.get("author")) or None),
        reviewed_on=_date(review.get("datePublished")),
        url=url,
        language=(_language(review.get("inLanguage")) or None),
    )


def import_document(
    body: bytes,
    *,
    session: Session,
    team_id: str,
    embedder: Embedder | None = None,
) -> ImportReport:
    """Store the body's fact-checks in the team's archive; `embedder` gives their vectors."""
    report = ImportReport()
    good: dict[str, FactCheck] = {}
    for block in json_ld_blocks(body):
        if isinstance(block, _Malformed):
            report.reject("a JSON-LD block is not valid JSON")
            continue
        for review in claim_reviews(block):
            try:
                check = parse(review)
            except ValueError as error:
                report.reject(str(error))
                continue
            if check.dedupe_key in good:
                report.skipped += 1
            else:
                good[check.dedupe_key] = check
    known = set(
        session.scalars(
            select(ArchiveEntry.dedupe_key).where(
                ArchiveEntry.slack_team_id == team_id, ArchiveEntry.dedupe_key.in_(list(good))
            )
        )
    )
    fresh = [check for key, check in good.items() if key not in known]
    report.skipped += len(good) - len(fresh)
    vectors = embedder.embed([check.text for check in fresh]) if embedder and fresh else None
    for index, check in enumerate(fresh):
        session.add(
            ArchiveEntry(
                kind=ArchiveKind.FACT_CHECK,
                slack_team_id=team_id,
                channel_private=False,
                text=check.text,
                rating=check.rating,
                publisher=check.publisher and check.publisher[:_SHORT],
                reviewed_on=check.reviewed_on,
                url=check.url,
                language=check.language and check.language[:16],
                dedupe_key=check.dedupe_key,
                vector=None if vectors is None else archive.encode_vector(vectors[index]),
                vector_model=None if embedder is None else embedder.name,
            )
        )
    session.flush()
    report.added = len(fresh)
    log.info(
        "claimreview import: %d added, %d skipped, %d rejected",
        report.added,
        report.skipped,
        report.rejected,
    )
    return report


def read_source(
    source: str,
    settings: Settings,
    *,
    resolver: Resolver | None = None,
    connector: Connector | None = None,
) -> bytes:
    """The bytes of a file, or of a URL fetched as articles are (public addresses only)."""
    if source.startswith(("http://", "https://")) or "://" in source:
        return fetch(source, settings, resolver=resolver, connector=connector).body
    with open(source, "rb") as stream:
        body = stream.read(settings.fetch_max_bytes + 1)
    if len(body) > settings.fetch_max_bytes:
        raise NotClaimReview(f"the file is over {settings.fetch_max_bytes} bytes")
    return body


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _name(value: Any) -> str:
    if isinstance(value, list):
        return next((name for name in map(_name, value) if name), "")
    if isinstance(value, dict):
        return _text(value.get("name")) or _text(value.get("alternateName"))
    return _text(value)


def _language(value: Any) -> str:
    if isinstance(value, dict):
        return _text(value.get("alternateName")) or _text(value.get("name"))
    return _text(value)


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
