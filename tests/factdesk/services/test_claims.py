from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.db import session_scope
from factdesk.errors import (
    AlreadyClaimed,
    ClaimNotFound,
    InvalidRequest,
    NotAllowed,
    VerdictIncomplete,
)
from factdesk.models import (
    Claim,
    ClaimEvent,
    ClaimFeedback,
    ClaimStatus,
    EventAction,
    FeedbackLabel,
)
from factdesk.services import claims
from tests import factories


def test_claim_task_assigns_and_audits(session: Session) -> None:
    claim = factories.claim()

    change = claims.claim_task(session=session, claim_id=claim.id, user_id="U0BEN")
    claimed = change.claim

    assert change.event is not None
    assert change.event.action is EventAction.CLAIMED
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
    again = claims.claim_task(session=session, claim_id=claim.id, user_id="U0BEN")

    assert again.event is None
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


ASSIGNEE = claims.Actor("U0BEN")
STRANGER = claims.Actor("U0CARL")
EDITOR = claims.Actor("U0ED", is_editor=True)
ADMIN = claims.Actor("U0ADM", is_admin=True)
DEFAULT_RULE = {ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED}


def _claimed(session: Session) -> Claim:
    claim = factories.claim()
    claims.claim_task(session=session, claim_id=claim.id, user_id=ASSIGNEE.user_id)
    return claim


def _dispute(session: Session, claim: Claim, actor: claims.Actor) -> claims.Change:
    return claims.set_verdict(
        session=session,
        claim_id=claim.id,
        actor=actor,
        status=ClaimStatus.DISPUTED,
        note=" The ministry says 1,500. ",
        evidence_urls=["https://example.org/report", "  "],
        explanation="Off by ten.",
        evidence_required_for=DEFAULT_RULE,
    )


def test_verdict_with_note_and_evidence_is_recorded_and_audited(session: Session) -> None:
    claim = _claimed(session)

    change = _dispute(session, claim, ASSIGNEE)

    assert change.event is not None
    assert (change.event.action, change.event.from_value, change.event.to_value) == (
        EventAction.STATUS_CHANGED,
        "open",
        "disputed",
    )
    assert change.event.evidence_urls == ["https://example.org/report"]
    assert change.event.rating_explanation == "Off by ten."
    assert (claim.verdict_note, claim.evidence_urls) == (
        "The ministry says 1,500.",
        ["https://example.org/report"],
    )


@pytest.mark.parametrize("actor", [EDITOR, ADMIN], ids=["editor", "admin"])
def test_editors_and_admins_may_judge_anyones_task(session: Session, actor: claims.Actor) -> None:
    claim = _claimed(session)

    _dispute(session, claim, actor)

    assert (claim.status, claim.status_set_by, claim.assignee) == (
        ClaimStatus.DISPUTED,
        actor.user_id,
        ASSIGNEE.user_id,
    )


def test_someone_else_is_told_who_may_judge(session: Session) -> None:
    claim = _claimed(session)

    with pytest.raises(NotAllowed, match=r"Only <@U0BEN> \(who claimed this task\)"):
        _dispute(session, claim, STRANGER)
    with pytest.raises(NotAllowed):
        claims.release(session=session, claim_id=claim.id, actor=STRANGER)
    with pytest.raises(NotAllowed):
        claims.reassign(session=session, claim_id=claim.id, actor=STRANGER, to_user="U0CARL")
    with pytest.raises(NotAllowed):
        claims.dismiss(session=session, claim_id=claim.id, actor=STRANGER)
    assert claim.status is ClaimStatus.OPEN
    _dispute(session, claim, ASSIGNEE)
    with pytest.raises(NotAllowed):
        claims.reopen(session=session, claim_id=claim.id, actor=STRANGER)
    assert claims.get(session=session, claim_id=claim.id).status is ClaimStatus.DISPUTED


@pytest.mark.parametrize(
    ("status", "note", "urls", "rule", "fields"),
    [
        (ClaimStatus.DISPUTED, "", ["https://a.example/x"], DEFAULT_RULE, {"note"}),
        (ClaimStatus.CONFIRMED, "", [], DEFAULT_RULE, {"evidence"}),
        (ClaimStatus.CONFIRMED, "", [], set(), set()),
        (ClaimStatus.UNVERIFIED, "", [], DEFAULT_RULE, set()),
        (ClaimStatus.CONFIRMED, "ok", ["not-a-link"], set(), {"evidence"}),
        (ClaimStatus.DISPUTED, "", ["ftp://a.example/x"], set(), {"note", "evidence"}),
    ],
    ids=[
        "disputed-needs-note",
        "confirmed-needs-evidence",
        "rule-changed",
        "unverified-free",
        "bad-url",
        "both",
    ],
)
def test_verdict_rules(
    session: Session,
    status: ClaimStatus,
    note: str,
    urls: list[str],
    rule: set[ClaimStatus],
    fields: set[str],
) -> None:
    claim = _claimed(session)

    def judge() -> claims.Change:
        return claims.set_verdict(
            session=session,
            claim_id=claim.id,
            actor=ASSIGNEE,
            status=status,
            note=note,
            evidence_urls=urls,
            evidence_required_for=rule,
        )

    if not fields:
        assert judge().claim.status is status
        return
    with pytest.raises(VerdictIncomplete) as refused:
        judge()
    assert set(refused.value.problems) == fields
    assert claim.status is ClaimStatus.OPEN


def test_reopen_clears_the_verdict_and_keeps_the_assignee(session: Session) -> None:
    claim = _claimed(session)
    _dispute(session, claim, ASSIGNEE)

    change = claims.reopen(session=session, claim_id=claim.id, actor=ASSIGNEE)

    assert change.event is not None
    assert (change.event.action, change.event.from_value) == (EventAction.REOPENED, "disputed")
    assert (claim.status, claim.assignee, claim.verdict_note, claim.evidence_urls) == (
        ClaimStatus.OPEN,
        "U0BEN",
        None,
        [],
    )
    assert claims.reopen(session=session, claim_id=claim.id, actor=ASSIGNEE).event is None


def test_release_and_reassign(session: Session) -> None:
    claim = _claimed(session)

    released = claims.release(session=session, claim_id=claim.id, actor=ASSIGNEE)
    assigned = claims.reassign(session=session, claim_id=claim.id, actor=STRANGER, to_user="U0ANA")
    handed = claims.reassign(session=session, claim_id=claim.id, actor=EDITOR, to_user="U0BEN")

    assert released.event is not None
    assert (released.event.from_value, released.event.to_value) == ("U0BEN", None)
    assert assigned.event is not None
    assert (assigned.event.from_value, assigned.event.to_value) == (None, "U0ANA")
    assert handed.event is not None
    assert (handed.event.actor, handed.event.from_value, handed.event.to_value) == (
        "U0ED",
        "U0ANA",
        "U0BEN",
    )
    assert claim.assignee == "U0BEN"


def test_not_a_claim_is_stored_as_feedback_and_leaves_the_tally(session: Session) -> None:
    article = factories.article()
    kept, dismissed = factories.claims(2, article=article)

    change = claims.dismiss(session=session, claim_id=dismissed.id, actor=STRANGER)

    assert change.event is not None
    assert change.event.action is EventAction.DISMISSED
    feedback = session.scalars(select(ClaimFeedback)).one()
    assert (feedback.label, feedback.text, feedback.claim_id, feedback.user_id) == (
        FeedbackLabel.NOT_A_CLAIM,
        dismissed.text,
        dismissed.id,
        "U0CARL",
    )
    assert claims.tally(session=session, article_id=article.id).total == 1
    with pytest.raises(InvalidRequest, match="not a claim"):
        _dispute(session, dismissed, ADMIN)
    with pytest.raises(InvalidRequest, match="not a claim"):
        claims.claim_task(session=session, claim_id=dismissed.id, user_id="U0BEN")
    reopened = claims.reopen(session=session, claim_id=dismissed.id, actor=STRANGER)
    assert reopened.claim.status is ClaimStatus.OPEN
    assert kept.status is ClaimStatus.OPEN


def test_simultaneous_claims_on_postgresql_have_one_winner(postgres_schema_url: str) -> None:
    with session_scope(postgres_schema_url) as db:
        factories.bind(db)
        claim_id = factories.claim().id
    users = [f"U0RACE{n}" for n in range(8)]
    barrier = threading.Barrier(len(users))
    outcomes: dict[str, str] = {}

    def take(user_id: str) -> None:
        with session_scope(postgres_schema_url) as db:
            barrier.wait()
            try:
                claims.claim_task(session=db, claim_id=claim_id, user_id=user_id)
                outcomes[user_id] = "won"
            except AlreadyClaimed as refused:
                outcomes[user_id] = refused.assignee

    threads = [threading.Thread(target=take, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    winners = [user for user, outcome in outcomes.items() if outcome == "won"]
    assert len(outcomes) == len(users)
    assert len(winners) == 1
    assert {outcome for outcome in outcomes.values() if outcome != "won"} == set(winners)
    with session_scope(postgres_schema_url) as db:
        assert claims.get(session=db, claim_id=claim_id).assignee == winners[0]
        events = db.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim_id)).all()
        assert [(e.action, e.actor) for e in events] == [(EventAction.CLAIMED, winners[0])]
