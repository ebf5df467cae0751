from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.errors import AlreadyClaimed, ClaimNotFound
from factdesk.models import ClaimEvent, ClaimStatus, EventAction
from factdesk.services import claims
from tests import factories


def test_claim_task_assigns_and_audits(session: Session) -> None:
    claim = factories.claim()

    claimed = claims.claim_task(session=session, claim_id=claim.id, user_id="U0BEN")

    assert claimed.assignee == "U0BEN"
    assert claimed.claimed_at is not None
    assert claimed.claimed_at.tzinfo is not None
    events = session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim.id)).all()
    assert [(e.actor, e.action, e.to_value) for e in events] == [
        ("U0BEN", EventAction.CLAIMED, "U0BEN")
    ]


def test_second_claimant_is_told_who_has_it(session: Session) -> None:
    claim = factories.claim()
    claims.claim_task(session=session, claim_id=claim.id, user_id="U0BEN")

    with pytest.raises(AlreadyClaimed) as refused:
        claims.claim_task(session=session, claim_id=claim.id, user_id="U0ANA")

    assert refused.value.user_message == "This task is already claimed by <@U0BEN>."
    assert claims.get(session=session, claim_id=claim.id).assignee == "U0BEN"


def test_claiming_twice_by_the_same_person_is_a_no_op(session: Session) -> None:
    claim = factories.claim()
    claims.claim_task(session=session, claim_id=claim.id, user_id="U0BEN")
    claims.claim_task(session=session, claim_id=claim.id, user_id="U0BEN")

    assert len(session.scalars(select(ClaimEvent)).all()) == 1


def test_unknown_claim(session: Session) -> None:
    with pytest.raises(ClaimNotFound):
        claims.claim_task(session=session, claim_id=987654, user_id="U0BEN")


def test_verdict_records_who_when_and_from_what(session: Session) -> None:
    claim = factories.claim()

    claims.set_status(
        session=session,
        claim_id=claim.id,
        user_id="U0ANA",
        status=ClaimStatus.DISPUTED,
        note="The ministry's figure is 1,500.",
        evidence_urls=["https://example.org/report"],
    )

    session.refresh(claim)
    assert claim.status is ClaimStatus.DISPUTED
    assert claim.status_set_by == "U0ANA"
    assert claim.assignee == "U0ANA", "a verdict on an unclaimed task takes it"
    event = session.scalars(select(ClaimEvent)).one()
    assert (event.from_value, event.to_value) == ("open", "disputed")
    assert event.evidence_urls == ["https://example.org/report"]
    assert event.note == "The ministry's figure is 1,500."


def test_claim_events_are_append_only(session: Session) -> None:
    claim = factories.claim()
    claims.claim_task(session=session, claim_id=claim.id, user_id="U0BEN")
    event = session.scalars(select(ClaimEvent)).one()

    event.note = "rewritten history"
    with pytest.raises(ValueError, match="audit trail"):
        session.flush()


def test_tally_counts_each_state(session: Session) -> None:
    article = factories.article()
    _, claimed, confirmed, disputed, _ = factories.claims(5, article=article)
    claims.claim_task(session=session, claim_id=claimed.id, user_id="U0BEN")
    for claim, status in ((confirmed, ClaimStatus.CONFIRMED), (disputed, ClaimStatus.DISPUTED)):
        claims.set_status(session=session, claim_id=claim.id, user_id="U0ANA", status=status)

    tally = claims.tally(session=session, article_id=article.id)

    assert tally == claims.Tally(total=5, open=2, claimed=1, confirmed=1, disputed=1, unverified=0)
    assert tally.checked == 2


def test_add_found_is_idempotent(session: Session) -> None:
    article = factories.article()
    found = [
        claims.NewClaim(
            text="A said 3.", start_char=0, end_char=9, score=0.9, reasons=["x"], rank=1
        ),
        claims.NewClaim(
            text="B said 4.", start_char=10, end_char=19, score=0.7, reasons=[], rank=2
        ),
    ]

    first = claims.add_found(session=session, article=article, found=found, cap=15)
    again = claims.add_found(session=session, article=article, found=found, cap=15)

    assert [c.id for c in first] == [c.id for c in again]
    assert [c.text for c in claims.list_for_article(session=session, article_id=article.id)] == [
        "A said 3.",
        "B said 4.",
    ]


def _found(count: int) -> list[claims.NewClaim]:
    return [
        claims.NewClaim(
            text=f"Claim {n}.",
            start_char=n * 10,
            end_char=n * 10 + 8,
            score=1 - n / 100,
            reasons=[],
            rank=n + 1,
            speaker="Lloyd Austin" if n == 0 else None,
        )
        for n in range(count)
    ]


def test_claims_ranked_below_the_cap_are_held_back(session: Session) -> None:
    article = factories.article()

    stored = claims.add_found(session=session, article=article, found=_found(5), cap=3)

    assert [c.held_back for c in stored] == [False, False, False, True, True]
    assert stored[0].speaker == "Lloyd Austin"
    assert claims.count_held_back(session=session, article_id=article.id) == 2
    assert claims.tally(session=session, article_id=article.id).total == 3
    assert claims.position(session=session, claim=stored[2]) == (3, 3)


def test_releasing_held_back_claims(session: Session) -> None:
    article = factories.article()
    claims.add_found(session=session, article=article, found=_found(5), cap=3)

    released = claims.release_held_back(session=session, article_id=article.id)

    assert [c.text for c in released] == ["Claim 3.", "Claim 4."]
    assert claims.count_held_back(session=session, article_id=article.id) == 0
    assert claims.tally(session=session, article_id=article.id).total == 5
    assert claims.position(session=session, claim=released[-1]) == (5, 5)
