"""Claims: the per-sentence tasks fact-checkers work through."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from factdesk.errors import AlreadyClaimed, ClaimNotFound
from factdesk.models import Article, Claim, ClaimEvent, ClaimStatus, EventAction, utcnow


@dataclass(frozen=True)
class NewClaim:
    """A claim as the finder reports it, before it is stored."""

    text: str
    start_char: int
    end_char: int
    score: float
    reasons: Sequence[str]
    rank: int
    speaker: str | None = None
    context: str | None = None


@dataclass(frozen=True)
class Tally:
    """How far a thread's fact-check has come."""

    total: int
    open: int
    claimed: int
    confirmed: int
    disputed: int
    unverified: int

    @property
    def checked(self) -> int:
        return self.confirmed + self.disputed + self.unverified


def get(*, session: Session, claim_id: int) -> Claim:
    """The claim with this id; ClaimNotFound if there is none."""
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise ClaimNotFound(detail=f"claim {claim_id}")
    return claim


def add_found(
    *, session: Session, article: Article, found: Iterable[NewClaim], cap: int
) -> list[Claim]:
    """Store the finder's claims once, holding back those ranked below `cap`."""
    existing = {claim.start_char: claim for claim in article.claims}
    for item in found:
        if item.start_char in existing:
            continue
        claim = Claim(
            article=article,
            text=item.text,
            start_char=item.start_char,
            end_char=item.end_char,
            score=item.score,
            reasons=list(item.reasons),
            rank=item.rank,
            speaker=item.speaker,
            context=item.context,
            held_back=item.rank > cap,
        )
        session.add(claim)
        existing[item.start_char] = claim
    session.flush()
    return sorted(existing.values(), key=lambda claim: claim.start_char)


def list_for_article(*, session: Session, article_id: int) -> list[Claim]:
    """An article's posted (not held back) claims in document order."""
    return list(
        session.scalars(
            select(Claim)
            .where(Claim.article_id == article_id, Claim.held_back.is_(False))
            .order_by(Claim.start_char)
        )
    )


def count_held_back(*, session: Session, article_id: int) -> int:
    """How many lower-scored claims are waiting to be asked for."""
    return (
        session.scalar(
            select(func.count()).where(Claim.article_id == article_id, Claim.held_back.is_(True))
        )
        or 0
    )


def release_held_back(*, session: Session, article_id: int) -> list[Claim]:
    """Stop holding back an article's lower-scored claims; return them in document order."""
    released = list(
        session.scalars(
            select(Claim)
            .where(Claim.article_id == article_id, Claim.held_back.is_(True))
            .order_by(Claim.start_char)
        )
    )
    for claim in released:
        claim.held_back = False
    session.flush()
    return released


def position(*, session: Session, claim: Claim) -> tuple[int, int]:
    """The claim's number among its article's posted claims, and how many there are."""
    posted = list_for_article(session=session, article_id=claim.article_id)
    return posted.index(claim) + 1, len(posted)


def claim_task(*, session: Session, claim_id: int, user_id: str) -> Claim:
    """Make `user_id` the assignee, atomically: of two simultaneous claims exactly one wins."""
    now = utcnow()
    won = session.execute(
        update(Claim)
        .where(Claim.id == claim_id, Claim.assignee.is_(None))
        .values(assignee=user_id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    claim = get(session=session, claim_id=claim_id)
    session.refresh(claim)
    if won.rowcount == 0:  # type: ignore[attr-defined]
        if claim.assignee == user_id:
            return claim  # a double click: nothing changes, nothing to audit
        assert claim.assignee is not None
        raise AlreadyClaimed(claim.assignee)
    _record(session, claim, user_id, EventAction.CLAIMED, None, user_id)
    return claim


def set_status(
    *,
    session: Session,
    claim_id: int,
    user_id: str,
    status: ClaimStatus,
    note: str | None = None,
    evidence_urls: Sequence[str] = (),
) -> Claim:
    """Record a verdict. Whoever gives a verdict on an unclaimed task takes it."""
    claim = get(session=session, claim_id=claim_id)
    if claim.status == status and claim.status_set_by == user_id:
        return claim
    previous = claim.status
    now = utcnow()
    claim.status = status
    claim.status_set_by = user_id
    claim.status_set_at = now
    if claim.assignee is None:
        claim.assignee = user_id
        claim.claimed_at = now
    _record(
        session, claim, user_id, EventAction.STATUS_CHANGED, previous, status, note, evidence_urls
    )
    return claim


def _record(
    session: Session,
    claim: Claim,
    actor: str,
    action: EventAction,
    from_value: str | None,
    to_value: str | None,
    note: str | None = None,
    evidence_urls: Sequence[str] = (),
) -> None:
    session.add(
        ClaimEvent(
            claim_id=claim.id,
            actor=actor,
            action=action,
            from_value=from_value,
            to_value=to_value,
            note=note,
            evidence_urls=list(evidence_urls),
        )
    )
    session.flush()


def tally(*, session: Session, article_id: int) -> Tally:
    """Counts of an article's claims by where they stand."""
    rows = session.execute(
        select(Claim.status, Claim.assignee.is_not(None), func.count())
        .where(Claim.article_id == article_id, Claim.held_back.is_(False))
        .group_by(Claim.status, Claim.assignee.is_not(None))
    ).all()
    counts = dict.fromkeys(ClaimStatus, 0)
    claimed = 0
    for status, assigned, count in rows:
        counts[ClaimStatus(status)] += count
        if status == ClaimStatus.OPEN and assigned:
            claimed += count
    return Tally(
        total=sum(counts.values()),
        open=counts[ClaimStatus.OPEN] - claimed,
        claimed=claimed,
        confirmed=counts[ClaimStatus.CONFIRMED],
        disputed=counts[ClaimStatus.DISPUTED],
        unverified=counts[ClaimStatus.UNVERIFIED],
    )
