"""Exports of a channel's claims: CSV for spreadsheets, ClaimReview JSON-LD for the web.

ClaimReview follows schema.org and Google's fact-check markup: `claimReviewed`,
`reviewRating` (`ratingValue` on a declared 1-5 scale with `bestRating`/`worstRating`, and
the verdict's words as `alternateName`), `itemReviewed` (a `Claim` whose `appearance` is
the article, with the speaker as `author` when known), `author` (the organisation),
`datePublished` (the verdict's date) and `url` (the task's thread permalink).
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session, contains_eager

from factdesk.models import Article, Claim, ClaimStatus


class Scope(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


class Format(enum.StrEnum):
    CSV = "csv"
    CLAIMREVIEW = "claimreview"


SCOPE_DAYS = {Scope.WEEK: 7, Scope.MONTH: 30}

CSV_COLUMNS = (
    "claim_id",
    "claim",
    "speaker",
    "status",
    "verdict",
    "verdict_note",
    "rating_explanation",
    "evidence_urls",
    "assignee",
    "claimed_at",
    "verdict_by",
    "verdict_at",
    "created_at",
    "article_title",
    "article_url",
    "article_site",
    "channel_id",
    "thread_url",
)

# A verdict on schema.org's 1 (false) to 5 (true) scale; only these two are published.
RATINGS = {
    ClaimStatus.CONFIRMED: (5, "Confirmed"),
    ClaimStatus.DISPUTED: (1, "Disputed"),
}
BEST_RATING = 5
WORST_RATING = 1

# Spreadsheets run a cell that starts with one of these as a formula; article text is
# written by strangers, so such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Organisation:
    name: str
    url: str | None = None


def since(scope: Scope, now: datetime) -> datetime | None:
    """The start of the export's window; None for everything."""
    days = SCOPE_DAYS.get(scope)
    return None if days is None else now - timedelta(days=days)


def claims_for_csv(
    *, session: Session, team_id: str, channel_id: str, scope: Scope, now: datetime
) -> list[Claim]:
    """The channel's claims created in the window (not "Not a claim"), oldest first."""
    query = _channel_claims(team_id, channel_id).where(Claim.status != ClaimStatus.DISMISSED)
    return _in_window(session, query, Claim.created_at, since(scope, now))


def claims_for_claimreview(
    *, session: Session, team_id: str, channel_id: str, scope: Scope, now: datetime
) -> list[Claim]:
    """The channel's confirmed and disputed claims judged in the window, oldest first."""
    query = _channel_claims(team_id, channel_id).where(Claim.status.in_(list(RATINGS)))
    return _in_window(session, query, Claim.status_set_at, since(scope, now))


def _channel_claims(team_id: str, channel_id: str) -> Select[Claim]:
    return (
        select(Claim)
        .join(Claim.article)
        .options(contains_eager(Claim.article))
        .where(Article.slack_team_id == team_id, Article.slack_channel_id == channel_id)
    )


def _in_window(
    session: Session,
    query: Select[Claim],
    moment: InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime],
    start: datetime | None,
) -> list[Claim]:
    """`query` from `start` on (all of it for None), ordered by `moment`, oldest first."""
    if start is not None:
        query = query.where(moment >= start)
    return list(session.scalars(query.order_by(moment, Claim.id)).unique())


def _iso(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


Link = Callable[[Claim], str | None]


def to_csv(claims: list[Claim], link: Link) -> str:
    """One row per claim; times in ISO 8601 UTC, evidence links separated by spaces."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for claim in claims:
        article = claim.article
        verdict = claim.status.value if claim.status.is_verdict else ""
        row = [
            str(claim.id),
            claim.text,
            claim.speaker or "",
            "claimed"
            if claim.status is ClaimStatus.OPEN and claim.assignee
            else claim.status.value,
            verdict,
            claim.verdict_note or "",
            claim.rating_explanation or "",
            " ".join(claim.evidence_urls or []),
            claim.assignee or "",
            _iso(claim.claimed_at),
            (claim.status_set_by or "") if verdict else "",
            _iso(claim.status_set_at) if verdict else "",
            _iso(claim.created_at),
            article.title or "",
            article.url,
            article.site or "",
            article.slack_channel_id,
            link(claim) or "",
        ]
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()


def claim_review(claim: Claim, *, organisation: Organisation, url: str | None) -> dict[str, Any]:
    """One ClaimReview object (schema.org JSON-LD) for a confirmed or disputed claim."""
    value, words = RATINGS[claim.status]
    article = claim.article
    appearance: dict[str, Any] = {"@type": "CreativeWork", "url": article.url}
    if article.title:
        appearance["headline"] = article.title
    if article.published_date:
        appearance["datePublished"] = article.published_date.isoformat()
    if article.site:
        appearance["publisher"] = {"@type": "Organization", "name": article.site}
    item: dict[str, Any] = {"@type": "Claim", "appearance": [appearance]}
    if claim.speaker:
        item["author"] = {"@type": "Person", "name": claim.speaker}
    if article.published_date:
        item["datePublished"] = article.published_date.isoformat()
    rating: dict[str, Any] = {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": words,
    }
    explanation = claim.rating_explanation or claim.verdict_note
    if explanation:
        rating["ratingExplanation"] = explanation
    author: dict[str, Any] = {"@type": "Organization", "name": organisation.name}
    if organisation.url:
        author["url"] = organisation.url
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.text,
        "reviewRating": rating,
        "itemReviewed": item,
        "author": author,
        "datePublished": claim.status_set_at.date().isoformat() if claim.status_set_at else "",
    }
    if url:
        review["url"] = url
    if claim.evidence_urls:
        review["citation"] = [
            {"@type": "CreativeWork", "url": evidence} for evidence in claim.evidence_urls
        ]
    return review


def to_claimreview(claims: list[Claim], *, organisation: Organisation, link: Link) -> str:
    """A JSON array of ClaimReview objects, each a complete JSON-LD document."""
    reviews = [claim_review(c, organisation=organisation, url=link(c)) for c in claims]
    return json.dumps(reviews, ensure_ascii=False, indent=2) + "\n"


def filename(channel_id: str, scope: Scope, fmt: Format, now: datetime) -> str:
    suffix = "csv" if fmt is Format.CSV else "claimreview.jsonld"
    return f"factdesk-{channel_id}-{scope.value}-{now:%Y%m%d}.{suffix}"
