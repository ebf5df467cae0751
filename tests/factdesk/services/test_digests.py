"""Digest figures on a seeded week with frozen time: every number exact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from factdesk.models import ClaimStatus, DigestState
from factdesk.services import digests
from factdesk.services.digests import Durations, Week, percentile
from tests.factdesk.services.digest_week import EXPECTED, HOUR, NOW, TEAM, seed

WEEK = Week(date(2024, 11, 18), "UTC")


def test_percentiles_interpolate_between_closest_ranks() -> None:
    assert percentile([5.0], 50) == 5.0
    assert percentile([1.0, 2.0], 50) == 1.5  # the true median of an even count
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 90) == pytest.approx(46.0)
    assert percentile(list(map(float, range(1, 11))), 90) == pytest.approx(9.1)
    assert percentile([1.0, 100.0], 0) == 1.0
    assert percentile([1.0, 100.0], 100) == 100.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_durations_of_nothing_are_unknown() -> None:
    assert Durations.of([]) == Durations(0, None, None)


def test_every_figure_of_the_week(session: Session) -> None:
    seeded = seed(session, "C0DIGSVC1")

    digest = digests.build(
        session=session, team_id=TEAM, channel_id=seeded.channel, week=WEEK, now=NOW
    )

    assert (digest.figures.articles, digest.previous.articles) == EXPECTED["articles"]
    assert (digest.figures.claims, digest.previous.claims) == EXPECTED["claims"]
    now_verdicts, before_verdicts = EXPECTED["verdicts"]
    assert {s.value: n for s, n in digest.figures.verdicts.items()} == now_verdicts
    assert {s.value: n for s, n in digest.previous.verdicts.items() if n} == before_verdicts
    assert digest.figures.judged == 4
    # [0.5 h, 1 h, 1 h, 4 h, 6 h]: median 1 h; 90th at rank 3.6: 4 h + 0.6 * 2 h
    assert digest.time_to_claim == Durations(
        5, timedelta(hours=1), timedelta(hours=4) + timedelta(hours=1.2)
    )
    assert sorted(EXPECTED["time_to_claim"]) == [0.5 * HOUR, HOUR, HOUR, 4 * HOUR, 6 * HOUR]
    # [2 h, 4 h, 1 d, 1 d, 6 d]: median 1 d; 90th: 1 d + 0.6 * 5 d = 4 d
    assert digest.time_to_verdict == Durations(5, timedelta(days=1), timedelta(days=4))
    assert [c.id for c in digest.disputed] == [seeded.ids["c1"], seeded.ids["c2"]]
    assert [c.id for c in digest.oldest_unclaimed.items] == [seeded.ids["c6"]]
    assert digest.oldest_unclaimed.total == 1
    assert [c.id for c in digest.oldest_in_progress.items] == [seeded.ids["c4"], seeded.ids["c5"]]
    assert digest.completed_by == EXPECTED["completed_by"]
    assert digest.per_day[date(2024, 11, 18)] == {
        "open": 0,
        "claimed": 1,
        "confirmed": 0,
        "disputed": 2,
        "unverified": 1,
    }
    assert digest.per_day[date(2024, 11, 20)] == {
        "open": 2,
        "claimed": 1,
        "confirmed": 0,
        "disputed": 0,
        "unverified": 0,
    }
    assert sum(sum(day.values()) for day in digest.per_day.values()) == digest.figures.claims
    assert len(digest.per_day) == 7
    assert not digest.quiet


def test_the_previous_week_is_its_own_digest(session: Session) -> None:
    seeded = seed(session, "C0DIGSVC2")

    before = digests.build(
        session=session, team_id=TEAM, channel_id=seeded.channel, week=WEEK.previous, now=NOW
    )

    assert before.figures == digests.Figures(
        articles=1,
        claims=2,
        verdicts={ClaimStatus.CONFIRMED: 1, ClaimStatus.DISPUTED: 0, ClaimStatus.UNVERIFIED: 0},
    )
    # p1 taken after 1 h; p2 after 5 days (its verdict fell in the next week)
    assert before.time_to_claim == Durations(
        2, timedelta(days=2, hours=12, minutes=30), timedelta(days=4, hours=12, minutes=6)
    )
    assert before.time_to_verdict == Durations(1, timedelta(hours=24), timedelta(hours=24))
    assert before.completed_by == [("U0ANA", 1)]


def test_a_week_elsewhere_is_quiet(session: Session) -> None:
    digest = digests.build(
        session=session, team_id=TEAM, channel_id="C0NOTHING", week=WEEK, now=NOW
    )

    assert digest.quiet
    assert digest.figures.judged == 0


def test_weeks_follow_the_channel_timezone_and_dst() -> None:
    berlin = Week(date(2024, 11, 18), "Europe/Berlin")
    assert berlin.begins == datetime(2024, 11, 17, 23, tzinfo=UTC)
    assert berlin.ends - berlin.begins == timedelta(days=7)
    # New York leaves daylight time on 3 Nov 2024: that week is an hour longer.
    fall = Week(date(2024, 10, 28), "America/New_York")
    assert fall.ends - fall.begins == timedelta(days=7, hours=1)


def test_current_week_starts_on_the_digest_weekday() -> None:
    monday_week = digests.current_week(NOW, weekday=0, timezone="UTC")
    assert monday_week.start == date(2024, 11, 25)
    friday_week = digests.current_week(NOW, weekday=4, timezone="UTC")
    assert friday_week.start == date(2024, 11, 22)
    # 00:30 on Monday in UTC is still Sunday in New York.
    early = datetime(2024, 11, 25, 0, 30, tzinfo=UTC)
    assert digests.current_week(early, weekday=0, timezone="America/New_York").start == date(
        2024, 11, 18
    )


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2024, 11, 25, 8, 0, tzinfo=UTC), date(2024, 11, 18)),  # 09:00 Berlin
        (datetime(2024, 11, 25, 7, 59, tzinfo=UTC), None),  # 08:59: last week's is stale
        (datetime(2024, 11, 26, 7, 59, tzinfo=UTC), date(2024, 11, 18)),  # within a day
        (datetime(2024, 11, 26, 8, 1, tzinfo=UTC), None),  # more than a day late
    ],
)
def test_due_week_honours_the_schedule_and_the_catch_up_window(
    now: datetime, expected: date | None
) -> None:
    week = digests.due_week(
        now, weekday=0, hour=9, timezone="Europe/Berlin", catch_up=timedelta(hours=24)
    )

    assert (week.start if week else None) == expected


def test_a_week_is_claimed_once_and_a_stale_claim_taken_over_once(session: Session) -> None:
    args = {
        "session": session,
        "team_id": TEAM,
        "channel_id": "C0DIGCLAIM",
        "week_start": date(2024, 11, 18),
        "stale_after": timedelta(minutes=5),
    }
    first = digests.claim_post(token="one", now=NOW, **args)  # type: ignore[arg-type]
    assert first is not None
    assert not first.taken_over
    assert digests.claim_post(token="two", now=NOW + timedelta(minutes=1), **args) is None  # type: ignore[arg-type]

    later = NOW + timedelta(minutes=6)
    taken = digests.claim_post(token="three", now=later, **args)  # type: ignore[arg-type]
    assert taken is not None
    assert taken.taken_over
    assert taken.since == NOW
    assert digests.claim_post(token="four", now=later, **args) is None  # type: ignore[arg-type]
    # The dead worker's claim no longer counts.
    assert not digests.finish_post(
        session=session, claimed=first, state=DigestState.POSTED, ts="1.000001", now=later
    )
    assert digests.finish_post(
        session=session, claimed=taken, state=DigestState.POSTED, ts="1.000002", now=later
    )
    post = digests.get_post(
        session=session, team_id=TEAM, channel_id="C0DIGCLAIM", week_start=date(2024, 11, 18)
    )
    assert post is not None
    session.refresh(post)
    assert (post.state, post.ts) == (DigestState.POSTED, "1.000002")
    assert digests.claim_post(token="five", now=later + timedelta(hours=1), **args) is None  # type: ignore[arg-type]


def test_desk_people_are_the_recent_requesters_and_assignees(session: Session) -> None:
    seed(session, "C0DIGPEOPLE")

    people = digests.desk_people(session=session, team_id=TEAM)

    assert set(people) >= {"U0ANA", "U0BEN", "U0CAT"}
