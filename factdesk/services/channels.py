"""Per-channel settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.models import ChannelSettings, ClaimStatus


def get(*, session: Session, team_id: str, channel_id: str) -> ChannelSettings | None:
    """The channel's settings row, if it has one."""
    return session.scalar(
        select(ChannelSettings).where(
            ChannelSettings.slack_team_id == team_id,
            ChannelSettings.slack_channel_id == channel_id,
        )
    )


def claim_cap(*, session: Session, team_id: str, channel_id: str, default: int) -> int:
    """How many claims an article posts in this channel before holding the rest back."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    if settings is None or settings.claim_cap is None:
        return default
    return settings.claim_cap


def set_claim_cap(*, session: Session, team_id: str, channel_id: str, cap: int | None) -> None:
    """Change the channel's cap; None returns it to the default."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    if settings is None:
        settings = ChannelSettings(slack_team_id=team_id, slack_channel_id=channel_id)
        session.add(settings)
    settings.claim_cap = cap
    session.flush()


DEFAULT_EVIDENCE_REQUIRED_FOR = frozenset({ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED})


def evidence_required_for(*, session: Session, team_id: str, channel_id: str) -> set[ClaimStatus]:
    """The verdicts that need at least one evidence link in this channel."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    if settings is None or settings.evidence_required_for is None:
        return set(DEFAULT_EVIDENCE_REQUIRED_FOR)
    return {ClaimStatus(value) for value in settings.evidence_required_for}


def editors(*, session: Session, team_id: str, channel_id: str) -> list[str]:
    """User ids who may give or change any verdict in this channel."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    return list(settings.editors or []) if settings is not None else []


def auto_links(*, session: Session, team_id: str, channel_id: str) -> bool:
    """Whether links in ordinary messages start a fact-check (or only /factcheck does)."""
    settings = get(session=session, team_id=team_id, channel_id=channel_id)
    return settings is None or settings.auto_links is None or settings.auto_links
