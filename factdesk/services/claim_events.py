"""The audit trail of claim changes, and people's judgements kept for the finder's benchmark."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from factdesk.models import Claim, ClaimEvent, ClaimFeedback, EventAction, FeedbackLabel


def get_event(*, session: Session, event_id: int) -> ClaimEvent | None:
    """The audit row with this id, if any."""
    return session.get(ClaimEvent, event_id)


def record(
    claim: Claim,
    actor: str,
    action: EventAction,
    from_value: str | None,
    to_value: str | None,
    *,
    session: Session,
    note: str | None = None,
    evidence_urls: Sequence[str] = (),
    explanation: str | None = None,
) -> ClaimEvent:
    """Write the audit row of a change to a claim."""
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


def keep_label(claim: Claim, label: FeedbackLabel, user_id: str, *, session: Session) -> None:
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
