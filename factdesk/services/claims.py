"""Claims: the per-sentence tasks fact-checkers work through."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from factdesk.errors import (
    AlreadyClaimed,
    ClaimNotFound,
    InvalidRequest,
    NotAllowed,
    VerdictIncomplete,
)
from factdesk.links import is_web_url
from factdesk.models import (
    VERDICTS,
    Article,
    Claim,
    ClaimEvent,
    ClaimFeedback,
    ClaimOrigin,
    ClaimStatus,
    EventAction,
    FeedbackLabel,
    utcnow,
)

# Field keys of a verdict; the modal's input blocks use the same ids, so a refusal
# points at the field it is about.
NOTE = "note"
EVIDENCE = "evidence"
EXPLANATION = "explanation"
NOTE_LIMIT = 3000
EXPLANATION_LIMIT = 1000
MAX_EVIDENCE_LINKS = 10


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
class Actor:
    """Who is acting, and what the channel lets them do."""

    user_id: str
    is_admin: bool = False
    is_editor: bool = False

    @property
    def oversees(self) -> bool:
        """Editors and workspace admins may act on anyone's task."""
        return self.is_admin or self.is_editor


@dataclass(frozen=True)
class Change:
    """A claim after a change, and the audit row it wrote (None when nothing changed)."""

    claim: Claim
    event: ClaimEvent | None


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
    by_id = numbers(session=session, article_id=claim.article_id)
    return by_id[claim.id], len(by_id)


def numbers(*, session: Session, article_id: int) -> dict[int, int]:
    """Each posted claim's number in its article (1 first), by claim id."""
    posted = list_for_article(session=session, article_id=article_id)
    return {claim.id: number for number, claim in enumerate(posted, start=1)}


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
    event = _record(session, claim, user_id, EventAction.CLAIMED, None, user_id)
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


def check_verdict(
    *,
    status: ClaimStatus,
    note: str | None,
    evidence_urls: Sequence[str],
    explanation: str | None = None,
    evidence_required_for: Iterable[ClaimStatus],
) -> dict[str, str]:
    """What is missing or wrong in a verdict, by field; empty when it can be recorded."""
    problems: dict[str, str] = {}
    note = (note or "").strip()
    if status is ClaimStatus.DISPUTED and not note:
        problems[NOTE] = "Say what is wrong with the claim: a note is required for Disputed."
    elif len(note) > NOTE_LIMIT:
        problems[NOTE] = f"Keep the note under {NOTE_LIMIT} characters."
    bad = [url for url in evidence_urls if not is_web_url(url)]
    if bad:
        problems[EVIDENCE] = (
            f"“{bad[0][:80]}” is not a web link. Put one full link (https://…) on each line."
        )
    elif len(evidence_urls) > MAX_EVIDENCE_LINKS:
        problems[EVIDENCE] = f"Add at most {MAX_EVIDENCE_LINKS} links."
    elif not evidence_urls and status in set(evidence_required_for):
        problems[EVIDENCE] = (
            f"This channel needs at least one evidence link for {status.value.capitalize()}."
        )
    if explanation and len(explanation) > EXPLANATION_LIMIT:
        problems[EXPLANATION] = f"Keep the explanation under {EXPLANATION_LIMIT} characters."
    return problems


def check_may_give_verdict(claim: Claim, actor: Actor) -> None:
    """NotAllowed or InvalidRequest unless a verdict can be given on this task by the actor."""
    if claim.status is ClaimStatus.DISMISSED:
        raise InvalidRequest("This was marked as not a claim. Reopen it to give it a verdict.")
    check_may_judge(claim, actor)


def check_may_judge(claim: Claim, actor: Actor) -> None:
    """NotAllowed unless the actor may give or change this task's verdict."""
    if claim.assignee in (None, actor.user_id) or actor.oversees:
        return
    raise NotAllowed(
        f"Only <@{claim.assignee}> (who claimed this task), this channel's editors or a "
        "workspace admin can give or change its verdict. Ask them, or ask an editor to "
        "reassign it to you."
    )


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
    return _record(
        session,
        claim,
        user_id,
        EventAction.STATUS_CHANGED,
        previous,
        status,
        note=note,
        evidence_urls=evidence,
        explanation=explanation,
    )


def reopen(*, session: Session, claim_id: int, actor: Actor) -> Change:
    """Take a verdict (or a "not a claim") back: the task is open again, same assignee."""
    claim = get(session=session, claim_id=claim_id)
    if claim.status is ClaimStatus.OPEN:
        return Change(claim, None)
    check_may_judge(claim, actor)
    previous = claim.status
    claim.status = ClaimStatus.OPEN
    claim.status_set_by = actor.user_id
    claim.status_set_at = utcnow()
    claim.verdict_note = None
    claim.evidence_urls = []
    claim.rating_explanation = None
    event = _record(session, claim, actor.user_id, EventAction.REOPENED, previous, claim.status)
    return Change(claim, event)


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
    event = _record(session, claim, actor.user_id, EventAction.RELEASED, previous, None)
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
    event = _record(session, claim, actor.user_id, EventAction.REASSIGNED, previous, to_user)
    return Change(claim, event)


def dismiss(*, session: Session, claim_id: int, actor: Actor) -> Change:
    """ "Not a claim": take the task off the desk and keep the sentence as a labelled example."""
    claim = get(session=session, claim_id=claim_id)
    if claim.status is ClaimStatus.DISMISSED:
        return Change(claim, None)
    check_may_judge(claim, actor)
    previous = claim.status
    claim.status = ClaimStatus.DISMISSED
    claim.status_set_by = actor.user_id
    claim.status_set_at = utcnow()
    event = _record(session, claim, actor.user_id, EventAction.DISMISSED, previous, claim.status)
    _label(session, claim, FeedbackLabel.NOT_A_CLAIM, actor.user_id)
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
    event = _record(session, claim, user_id, EventAction.ADDED, None, ClaimStatus.OPEN)
    _label(session, claim, FeedbackLabel.CLAIM, user_id)
    return Change(claim, event)


def _label(session: Session, claim: Claim, label: FeedbackLabel, user_id: str) -> None:
    """Keep a person's judgement of a sentence for the claim finder's benchmark."""
    article = claim.article
    session.add(
        ClaimFeedback(
            slack_team_id=article.slack_team_id,
            slack_channel_id=article.slack_channel_id,
            article_id=article.id,
            claim_id=claim.id,
            text=claim.text,
            label=label,
            user_id=user_id,
        )
    )
    session.flush()


def get_event(*, session: Session, event_id: int) -> ClaimEvent | None:
    """The audit row with this id, if any."""
    return session.get(ClaimEvent, event_id)


def _record(
    session: Session,
    claim: Claim,
    actor: str,
    action: EventAction,
    from_value: str | None,
    to_value: str | None,
    *,
    note: str | None = None,
    evidence_urls: Sequence[str] = (),
    explanation: str | None = None,
) -> ClaimEvent:
    event = ClaimEvent(
        claim_id=claim.id,
        actor=actor,
        action=action,
        from_value=from_value,
        to_value=to_value,
        note=note,
        evidence_urls=list(evidence_urls),
        rating_explanation=explanation,
    )
    session.add(event)
    session.flush()
    return event


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
