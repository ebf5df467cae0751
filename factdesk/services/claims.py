"""Claims: the per-sentence tasks fact-checkers work through."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from factdesk.errors import (
    AlreadyClaimed,
    ClaimNotFound,
    InvalidRequest,
    NotAllowed,
    VerdictIncomplete,
)
from factdesk.models import (
    VERDICTS,
    Article,
    Claim,
    ClaimEvent,
    ClaimOrigin,
    ClaimStatus,
    EventAction,
    FeedbackLabel,
    utcnow,
)
from factdesk.services import claim_events
from factdesk.services.claim_events import get_event
from factdesk.services.claim_tally import Tally, tally
from factdesk.services.posted_claims import (
    count_held_back,
    list_for_article,
    numbers,
    position,
    release_held_back,
)
from factdesk.services.verdict_rules import (
    EVIDENCE,
    EXPLANATION,
    EXPLANATION_LIMIT,
    MAX_EVIDENCE_LINKS,
    NOTE,
    NOTE_LIMIT,
    Actor,
    check_may_give_verdict,
    check_may_judge,
    check_verdict,
)

# The verdict rules, the tally, the posted claims' order and the audit trail live in their
# own modules; callers keep reaching them
# callers keep reaching them here, as `claims.Actor`, `claims.tally` and so on.
__all__ = [
    "EVIDENCE",
    "EXPLANATION",
    "EXPLANATION_LIMIT",
    "MAX_EVIDENCE_LINKS",
    "NOTE",
    "NOTE_LIMIT",
    "Actor",
    "Change",
    "NewClaim",
    "Tally",
    "add_found",
    "add_manual",
    "check_may_give_verdict",
    "check_may_judge",
    "check_verdict",
    "claim_task",
    "count_held_back",
    "dismiss",
    "get",
    "get_event",
    "list_for_article",
    "numbers",
    "position",
    "reassign",
    "release",
    "release_held_back",
    "reopen",
    "set_status",
    "set_verdict",
    "tally",
]


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
class Change:
    """A claim after a change, and the audit row it wrote (None when nothing changed)."""

    claim: Claim
    event: ClaimEvent | None


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


def claim_task(*, session: Session, claim_id: int, user_id: str) -> Change:
    """Make `user_id` the assignee, atomically: of two simultaneous claims exactly one wins."""
    now = utcnow()
    won = session.execute(
        update(Claim)
        .where(
            Claim.id == claim_id,
            Claim.assignee.is_(None),
            Claim.status != ClaimStatus.DISMISSED,
        )
        .values(assignee=user_id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    claim = get(session=session, claim_id=claim_id)
    session.refresh(claim)
    if won.rowcount == 0:  # type: ignore[attr-defined]
        if claim.status is ClaimStatus.DISMISSED:
            raise InvalidRequest("This was marked as not a claim. Reopen it to work on it.")
        if claim.assignee == user_id:
            return Change(claim, None)  # a double click: nothing changes, nothing to audit
        assert claim.assignee is not None
        raise AlreadyClaimed(claim.assignee)
    event = claim_events.record(claim, user_id, EventAction.CLAIMED, None, user_id, session=session)
    return Change(claim, event)


def set_status(
    *,
    session: Session,
    claim_id: int,
    user_id: str,
    status: ClaimStatus,
    note: str | None = None,
    evidence_urls: Sequence[str] = (),
) -> Claim:
    """Record a verdict as given, without the channel's rules (imports and fixtures)."""
    claim = get(session=session, claim_id=claim_id)
    if claim.status == status and claim.status_set_by == user_id:
        return claim
    _apply_verdict(session, claim, user_id, status, note, list(evidence_urls), None)
    return claim


def set_verdict(
    *,
    session: Session,
    claim_id: int,
    actor: Actor,
    status: ClaimStatus,
    note: str | None = None,
    evidence_urls: Sequence[str] = (),
    explanation: str | None = None,
    evidence_required_for: Iterable[ClaimStatus],
) -> Change:
    """Record a verdict with its note and evidence; whoever judges an unclaimed task takes it."""
    if status not in VERDICTS:
        raise InvalidRequest(detail=f"{status} is not a verdict")
    claim = get(session=session, claim_id=claim_id)
    check_may_give_verdict(claim, actor)
    evidence = [url.strip() for url in evidence_urls if url.strip()]
    problems = check_verdict(
        status=status,
        note=note,
        evidence_urls=evidence,
        explanation=explanation,
        evidence_required_for=evidence_required_for,
    )
    if problems:
        raise VerdictIncomplete(problems)
    event = _apply_verdict(
        session,
        claim,
        actor.user_id,
        status,
        (note or "").strip() or None,
        evidence,
        (explanation or "").strip() or None,
    )
    return Change(claim, event)


def _apply_verdict(
    session: Session,
    claim: Claim,
    user_id: str,
    status: ClaimStatus,
    note: str | None,
    evidence: list[str],
    explanation: str | None,
) -> ClaimEvent:
    previous = claim.status
    now = utcnow()
    claim.status = status
    claim.status_set_by = user_id
    claim.status_set_at = now
    claim.verdict_note = note
    claim.evidence_urls = evidence
    claim.rating_explanation = explanation
    if claim.assignee is None:
        claim.assignee = user_id
        claim.claimed_at = now
    return claim_events.record(
        claim,
        user_id,
        EventAction.STATUS_CHANGED,
        previous,
        status,
        note=note,
        evidence_urls=evidence,
        explanation=explanation,
        session=session,
    )


def reopen(*, session: Session, claim_id: int, actor: Actor) -> Change:
    """Take a verdict (or a "not a claim") back: the task is open again, same assignee."""
    claim = get(session=session, claim_id=claim_id)
    if claim.status is ClaimStatus.OPEN:
        return Change(claim, None)
    previous = _judge(claim, actor, ClaimStatus.OPEN)
    claim.verdict_note = None
    claim.evidence_urls = []
    claim.rating_explanation = None
    event = claim_events.record(
        claim, actor.user_id, EventAction.REOPENED, previous, claim.status, session=session
    )
    return Change(claim, event)


def _judge(claim: Claim, actor: Actor, status: ClaimStatus) -> ClaimStatus:
    """Set the claim's status as the actor, who must be allowed to; the status it had."""
    check_may_judge(claim, actor)
    previous = claim.status
    claim.status = status
    claim.status_set_by = actor.user_id
    claim.status_set_at = utcnow()
    return previous


def release(*, session: Session, claim_id: int, actor: Actor) -> Change:
    """Give a task back to the pool; its verdict, if any, stays."""
    claim = get(session=session, claim_id=claim_id)
    if claim.assignee is None:
        return Change(claim, None)
    if claim.assignee != actor.user_id and not actor.oversees:
        raise NotAllowed(
            f"Only <@{claim.assignee}>, this channel's editors or a workspace admin can "
            "release this task."
        )
    previous = claim.assignee
    claim.assignee = None
    claim.claimed_at = None
    event = claim_events.record(
        claim, actor.user_id, EventAction.RELEASED, previous, None, session=session
    )
    return Change(claim, event)


def reassign(*, session: Session, claim_id: int, actor: Actor, to_user: str) -> Change:
    """Hand a task to someone; a claimed task only by its assignee, an editor or an admin."""
    claim = get(session=session, claim_id=claim_id)
    if claim.assignee == to_user:
        return Change(claim, None)
    if claim.status is ClaimStatus.DISMISSED:
        raise InvalidRequest("This was marked as not a claim. Reopen it to assign it.")
    if claim.assignee is not None and claim.assignee != actor.user_id and not actor.oversees:
        raise NotAllowed(
            f"This task is claimed by <@{claim.assignee}>. Only they, this channel's editors "
            "or a workspace admin can reassign it."
        )
    previous = claim.assignee
    claim.assignee = to_user
    claim.claimed_at = utcnow()
    event = claim_events.record(
        claim, actor.user_id, EventAction.REASSIGNED, previous, to_user, session=session
    )
    return Change(claim, event)


def dismiss(*, session: Session, claim_id: int, actor: Actor) -> Change:
    """ "Not a claim": take the task off the desk and keep the sentence as a labelled example."""
    claim = get(session=session, claim_id=claim_id)
    if claim.status is ClaimStatus.DISMISSED:
        return Change(claim, None)
    previous = _judge(claim, actor, ClaimStatus.DISMISSED)
    event = claim_events.record(
        claim, actor.user_id, EventAction.DISMISSED, previous, claim.status, session=session
    )
    claim_events.keep_label(claim, FeedbackLabel.NOT_A_CLAIM, actor.user_id, session=session)
    return Change(claim, event)


def add_manual(*, session: Session, article_id: int, text: str, user_id: str) -> Change:
    """A claim a person added because the finder missed it; it is posted like any other."""
    text = " ".join(text.split())
    if not text:
        raise InvalidRequest("Write the claim you want to add.")
    article = session.get(Article, article_id)
    if article is None:
        raise InvalidRequest(detail=f"article {article_id}")
    offset = (article.text or "").find(text)
    if offset < 0:
        # Not quoted verbatim from the page: file it after the article's own sentences.
        ends = [claim.end_char for claim in article.claims]
        offset = max([len(article.text or ""), *ends]) + 1
    elif any(claim.start_char == offset for claim in article.claims):
        raise InvalidRequest("That sentence is already a task in this thread.")
    claim = Claim(
        article=article,
        text=text,
        start_char=offset,
        end_char=offset + len(text),
        score=1.0,
        reasons=["added by a fact-checker"],
        rank=0,
        origin=ClaimOrigin.PERSON,
        added_by=user_id,
    )
    session.add(claim)
    session.flush()
    event = claim_events.record(
        claim, user_id, EventAction.ADDED, None, ClaimStatus.OPEN, session=session
    )
    claim_events.keep_label(claim, FeedbackLabel.CLAIM, user_id, session=session)
    return Change(claim, event)
