"""What people do with a match shown on a task: reuse its verdict, or say it is not the same.

Reusing goes through ``claims.set_verdict``, so the channel's rules, who may judge and
the audit trail are those of any verdict. "Not the same claim" hides the match and keeps
the pair as labelled feedback for the matcher.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind, ClaimMatch, MatchFeedback
from factdesk.errors import InvalidRequest
from factdesk.models import VERDICTS, Claim, ClaimStatus
from factdesk.services import claims
from factdesk.services.claims import NOTE_LIMIT

# Publishers' ratings, lower-cased, read as the desk's verdicts; anything else is
# Unverified, with the publisher's own word kept in the note.
DISPUTING_RATINGS = frozenset(
    {
        "false",
        "mostly false",
        "pants on fire",
        "pants-fire",
        "misleading",
        "incorrect",
        "fake",
        "wrong",
        "inaccurate",
        "barely true",
        "distorts the facts",
        "four pinocchios",
        "three pinocchios",
        "miscaptioned",
        "altered",
        "scam",
        "satire",
        "unsupported",
    }
)
CONFIRMING_RATINGS = frozenset(
    {"true", "mostly true", "correct", "accurate", "correct attribution"}
)


@dataclass(frozen=True)
class MatchView:
    """What a task shows about its best match."""

    match_id: int
    kind: ArchiveKind
    status: ClaimStatus | None = None
    judged_by: str | None = None
    judged_on: date | None = None
    channel_id: str | None = None
    thread_link: str | None = None
    publisher: str | None = None
    rating: str | None = None
    reviewed_on: date | None = None
    url: str | None = None


def get(*, session: Session, match_id: int) -> tuple[ClaimMatch, ArchiveEntry]:
    match = session.get(ClaimMatch, match_id)
    entry = session.get(ArchiveEntry, match.archive_entry_id) if match else None
    if match is None or entry is None:
        raise InvalidRequest(detail=f"claim match {match_id}")
    return match, entry


def best_view(
    *, session: Session, claim_id: int, thread_link: str | None = None
) -> MatchView | None:
    """The claim's best match nobody hid, still a verdict or a fact-check; None if none."""
    for match, entry in _visible(session, claim_id):
        if entry.kind is ArchiveKind.FACT_CHECK:
            return MatchView(
                match_id=match.id,
                kind=entry.kind,
                publisher=entry.publisher,
                rating=entry.rating,
                reviewed_on=entry.reviewed_on,
                url=entry.url,
            )
        original = session.get(Claim, entry.claim_id) if entry.claim_id else None
        if original is not None and original.status in VERDICTS:
            return MatchView(
                match_id=match.id,
                kind=entry.kind,
                status=original.status,
                judged_by=original.status_set_by,
                judged_on=original.status_set_at.date() if original.status_set_at else None,
                channel_id=entry.slack_channel_id,
                thread_link=thread_link,
            )
    return None


def original_claim(*, session: Session, claim_id: int) -> Claim | None:
    """The desk claim behind a claim's best match, when that match is one."""
    view = best_view(session=session, claim_id=claim_id)
    if view is None or view.kind is not ArchiveKind.CLAIM:
        return None
    _, entry = get(session=session, match_id=view.match_id)
    return session.get(Claim, entry.claim_id) if entry.claim_id else None


def reuse_verdict(
    *,
    session: Session,
    match_id: int,
    actor: claims.Actor,
    evidence_required_for: Iterable[ClaimStatus],
) -> claims.Change:
    """Give the task the matched verdict, note and evidence, saying where they came from."""
    match, entry = get(session=session, match_id=match_id)
    if match.hidden:
        raise InvalidRequest("That match was marked as not the same claim.")
    if entry.kind is ArchiveKind.FACT_CHECK:
        rating = entry.rating or "unrated"
        status = _status_for_rating(rating)
        publisher = entry.publisher or "A fact-checker"
        note = f"{publisher} rated this {rating} (reused from their fact-check)."
        evidence = [entry.url] if entry.url else []
    else:
        original = session.get(Claim, entry.claim_id) if entry.claim_id else None
        if original is None or original.status not in VERDICTS:
            raise InvalidRequest(
                "That earlier verdict has been taken back since, so there is nothing to reuse."
            )
        status = original.status
        source = (
            f"(reused from the verdict by <@{original.status_set_by}> "
            f"in <#{entry.slack_channel_id}>)"
        )
        note = f"{original.verdict_note or ''}\n{source}".strip()
        evidence = list(original.evidence_urls)
    return claims.set_verdict(
        session=session,
        claim_id=match.claim_id,
        actor=actor,
        status=status,
        note=note[:NOTE_LIMIT],
        evidence_urls=evidence,
        evidence_required_for=evidence_required_for,
    )


def not_the_same(*, session: Session, match_id: int, user_id: str) -> int:
    """Hide the match and keep it as a negative example; return the task's claim id."""
    match, entry = get(session=session, match_id=match_id)
    match.hidden = True
    known = session.scalar(
        select(MatchFeedback.id).where(
            MatchFeedback.claim_id == match.claim_id,
            MatchFeedback.archive_entry_id == entry.id,
        )
    )
    if known is None:
        session.add(
            MatchFeedback(
                claim_id=match.claim_id,
                archive_entry_id=entry.id,
                same_claim=False,
                user_id=user_id,
            )
        )
    session.flush()
    return match.claim_id


def _visible(session: Session, claim_id: int) -> list[tuple[ClaimMatch, ArchiveEntry]]:
    rows = session.execute(
        select(ClaimMatch, ArchiveEntry)
        .join(ArchiveEntry, ArchiveEntry.id == ClaimMatch.archive_entry_id)
        .where(ClaimMatch.claim_id == claim_id, ClaimMatch.hidden.is_(False))
        .order_by(ClaimMatch.score.desc())
    )
    return [(match, entry) for match, entry in rows]


def _status_for_rating(rating: str) -> ClaimStatus:
    word = " ".join(rating.lower().replace("!", "").split())
    if word in DISPUTING_RATINGS:
        return ClaimStatus.DISPUTED
    if word in CONFIRMING_RATINGS:
        return ClaimStatus.CONFIRMED
    return ClaimStatus.UNVERIFIED
