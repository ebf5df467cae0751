"""How far a thread's fact-check has come: its claims counted by where they stand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factdesk.models import Claim, ClaimStatus


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
        if status == ClaimStatus.DISMISSED:
            continue  # "not a claim": no longer part of the work
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
