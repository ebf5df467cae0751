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


def test_prune_forgets_old_receipts_only(session: Session) -> None:
    session.add(SlackEventReceipt(event_id="Ev0OLD", received_at=utcnow() - timedelta(days=8)))
    receipts.record(session=session, event_id="Ev0NEW", team_id="T0FACTDESK")

    assert receipts.prune(session=session, keep=timedelta(days=7)) == 1
    assert list(session.scalars(select(SlackEventReceipt.event_id))) == ["Ev0NEW"]
