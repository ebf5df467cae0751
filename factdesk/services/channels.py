"""Per-channel settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.models import ChannelSettings


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
