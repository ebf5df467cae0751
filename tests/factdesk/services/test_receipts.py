from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.models import SlackEventReceipt, utcnow
from factdesk.services import receipts


def test_an_event_is_recorded_once(session: Session) -> None:
    assert receipts.record(session=session, event_id="Ev0ONCE", team_id="T0FACTDESK")
    assert not receipts.record(session=session, event_id="Ev0ONCE", team_id="T0FACTDESK")
    assert receipts.record(session=session, event_id="Ev0OTHER", team_id=None)


def test_a_duplicate_leaves_the_rest_of_the_transaction_alone(session: Session) -> None:
    # The bot records in a session of its own, but the service must not break a caller's.
    session.add(SlackEventReceipt(event_id="Ev0PENDING", slack_team_id="T0FACTDESK"))
    assert receipts.record(session=session, event_id="Ev0SAME", team_id=None)
    assert not receipts.record(session=session, event_id="Ev0SAME", team_id=None)
    session.flush()

    found = set(session.scalars(select(SlackEventReceipt.event_id)))
    assert found == {"Ev0PENDING", "Ev0SAME"}
    stored = session.get(SlackEventReceipt, "Ev0SAME")
    assert stored is not None
    assert stored.received_at is not None


def test_prune_forgets_old_receipts_only(session: Session) -> None:
    session.add(SlackEventReceipt(event_id="Ev0OLD", received_at=utcnow() - timedelta(days=8)))
    receipts.record(session=session, event_id="Ev0NEW", team_id="T0FACTDESK")

    assert receipts.prune(session=session, keep=timedelta(days=7)) == 1
    assert list(session.scalars(select(SlackEventReceipt.event_id))) == ["Ev0NEW"]
