from __future__ import annotations

from sqlalchemy.orm import Session

from factdesk.services import channels


def test_cap_defaults_until_a_channel_sets_one(session: Session) -> None:
    def cap() -> int:
        return channels.claim_cap(
            session=session, team_id="T0FACTDESK", channel_id="C0NEWSDESK", default=15
        )

    assert cap() == 15
    channels.set_claim_cap(session=session, team_id="T0FACTDESK", channel_id="C0NEWSDESK", cap=5)
    assert cap() == 5
    channels.set_claim_cap(session=session, team_id="T0FACTDESK", channel_id="C0NEWSDESK", cap=None)
    assert cap() == 15
