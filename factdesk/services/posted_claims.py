"""Which of an article's claims are posted in its thread, in what order, and which wait."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factdesk.models import Claim


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
    by_id = numbers(session=session, article_id=claim.article_id)
    return by_id[claim.id], len(by_id)


def numbers(*, session: Session, article_id: int) -> dict[int, int]:
    """Each posted claim's number in its article (1 first), by claim id."""
    posted = list_for_article(session=session, article_id=article_id)
    return {claim.id: number for number, claim in enumerate(posted, start=1)}
