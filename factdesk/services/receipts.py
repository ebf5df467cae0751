"""Events API deliveries already handled: Slack retries, and may deliver an event twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factdesk.models import SlackEventReceipt, utcnow

# Slack gives up retrying after about an hour; a week leaves room for replays by hand.
DEFAULT_KEEP = timedelta(days=7)


def record(*, session: Session, event_id: str, team_id: str | None) -> bool:
    """Note the delivery; False when this event_id was already handled."""
    try:
        # A savepoint, so a duplicate rolls back only this insert.
        with session.begin_nested():
            session.add(SlackEventReceipt(event_id=event_id, slack_team_id=team_id))
    except IntegrityError:
        return False
    return True


def prune(*, session: Session, keep: timedelta = DEFAULT_KEEP) -> int:
    """Forget receipts older than `keep`; returns how many went."""
    result = session.execute(
        delete(SlackEventReceipt).where(SlackEventReceipt.received_at < utcnow() - keep)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
