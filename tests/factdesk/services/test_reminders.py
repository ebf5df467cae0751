from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.models import Claim, Reminder, ReminderKind, utcnow
from factdesk.services import reminders
from tests import factories


def test_keys_are_reserved_once_and_a_taken_key_is_left_out(session: Session) -> None:
    first, second, third = factories.claims(3)
    now = utcnow()

    def reserve(*claims: Claim) -> dict[int, str]:
        held = reminders.reserve(
            session=session,
            claims=[(c, reminders.ping_key(c)) for c in claims],
            kind=ReminderKind.UNCLAIMED,
            recipient="C0REMIND",
            now=now,
        )
        return held.keys

    assert reserve(first, second) == {c.id: reminders.ping_key(c) for c in (first, second)}
    # Another run got to `second` first: only `third` is this run's.
    assert reserve(second, third) == {third.id: reminders.ping_key(third)}
    assert reserve() == {}

    stored = session.scalars(select(Reminder.claim_id).order_by(Reminder.claim_id)).all()
    assert stored == sorted(c.id for c in (first, second, third))
