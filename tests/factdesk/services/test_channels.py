from __future__ import annotations

from sqlalchemy.orm import Session

from factdesk.models import ClaimStatus
from factdesk.services import channels
from factdesk.services.claims import Actor


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


def _config(session: Session, channel: str = "C0SETTINGS") -> channels.Config:
    return channels.config(
        session=session, team_id="T0FACTDESK", channel_id=channel, default_cap=15
    )


def test_a_channel_without_settings_has_the_defaults(session: Session) -> None:
    config = _config(session)

    assert config == channels.Config(
        claim_cap=15,
        evidence_required_for=frozenset({ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED}),
        editors=(),
        auto_links=True,
        digest_enabled=True,
        digest_weekday=0,
        digest_hour=9,
        digest_timezone=None,
    )


def test_saved_settings_read_back_and_drive_the_other_rules(session: Session) -> None:
    new = channels.Config(
        claim_cap=5,
        evidence_required_for=frozenset({ClaimStatus.UNVERIFIED}),
        editors=("U0ANA", "U0BEN", "U0ANA"),
        auto_links=False,
        digest_enabled=False,
        digest_weekday=4,
        digest_hour=17,
        digest_timezone="Europe/Berlin",
    )

    channels.save_config(session=session, team_id="T0FACTDESK", channel_id="C0SETTINGS", new=new)

    saved = _config(session)
    assert saved.editors == ("U0ANA", "U0BEN")
    assert saved == channels.Config(**{**new.__dict__, "editors": ("U0ANA", "U0BEN")})
    where = {"team_id": "T0FACTDESK", "channel_id": "C0SETTINGS"}
    assert channels.claim_cap(session=session, **where, default=15) == 5
    assert channels.auto_links(session=session, **where) is False
    assert channels.evidence_required_for(session=session, **where) == {ClaimStatus.UNVERIFIED}
    assert _config(session, "C0ELSEWHERE").claim_cap == 15


def test_check_config_names_each_bad_field() -> None:
    good = channels.Config(15, frozenset(), (), True, True, 0, 9, None)
    bad = channels.Config(0, frozenset(), ("U",) * 51, True, True, 7, 24, "Mars/Olympus")

    assert channels.check_config(good) == {}
    assert set(channels.check_config(bad)) == {
        channels.CLAIM_CAP,
        channels.EDITORS,
        channels.DIGEST_WEEKDAY,
        channels.DIGEST_HOUR,
        channels.DIGEST_TIMEZONE,
    }
    assert "Mars/Olympus" in channels.check_config(bad)[channels.DIGEST_TIMEZONE]
    assert channels.check_config(channels.Config(46, frozenset(), (), True, True, 0, 9, None))


def test_timezones() -> None:
    assert channels.is_timezone("America/New_York")
    assert channels.is_timezone("UTC")
    for bad in ("", "Mars/Olympus", "../etc/passwd", "/usr/share/zoneinfo/UTC", " UTC"):
        assert not channels.is_timezone(bad), bad


def test_who_may_change_settings(session: Session) -> None:
    where = {"team_id": "T0FACTDESK", "channel_id": "C0SETTINGS"}

    def may(actor: Actor) -> bool:
        return channels.may_change_settings(session=session, **where, actor=actor)

    assert may(Actor("U0ANYONE"))

    channels.save_config(
        session=session,
        **where,
        new=channels.Config(15, frozenset(), ("U0ANA",), True, True, 0, 9, None),
    )

    assert may(Actor("U0ANA"))
    assert may(Actor("U0BOSS", is_admin=True))
    assert not may(Actor("U0ANYONE"))
