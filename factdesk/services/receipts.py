"""Events API deliveries already handled: Slack retries, and may deliver an event twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factdesk.db import insert_skipping_duplicates
from factdesk.models import SlackEventReceipt, utcnow

# Slack gives up retrying after about an hour; a week leaves room for replays by hand.
DEFAULT_KEEP = timedelta(days=7)


def record(*, session: Session, event_id: str, team_id: str | None) -> bool:
    """Note the delivery; False when this event_id was already handled."""
    # One statement that skips a duplicate, rather than an ORM add in a savepoint that
    # fails: the bot does this for every event, and the savepoint's extra round trips
    # and the unit of work were most of its cost under a burst (docs/performance.md).
    insert = insert_skipping_duplicates(session)
    if insert is None:
        return _record_portably(session=session, event_id=event_id, team_id=team_id)
    inserted = session.scalar(
        insert(SlackEventReceipt)
        .values(event_id=event_id, slack_team_id=team_id, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=[SlackEventReceipt.event_id])
        .returning(SlackEventReceipt.event_id)
    )
    return inserted is not None


def _record_portably(*, session: Session, event_id: str, team_id: str | None) -> bool:
    """`record` for a database without INSERT ... ON CONFLICT."""
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
