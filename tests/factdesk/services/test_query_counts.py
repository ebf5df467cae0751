"""No N+1: App Home and the weekly digest send as many statements for many rows as for one.

Statements are counted with SQLAlchemy's `before_cursor_execute` event, over the service
calls *and* the rendering, which reads each task's article and each verdict's claim.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from factdesk.models import ClaimEvent, ClaimStatus, EventAction
from factdesk.render import desk as render_desk
from factdesk.render import digest as render_digest
from factdesk.services import desk, digests
from tests import factories
from tests.factdesk.services import digest_week
from tests.factdesk.services.digest_week import at

TEAM = "T0FACTDESK"
USER = "U0COUNT"
_ts = itertools.count(1)


@contextmanager
def counting(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _statements(session: Session, work: Callable[[], object]) -> int:
    session.flush()
    session.expire_all()  # nothing already loaded may hide a lazy load
    with counting(session) as statements:
        work()
    return len(statements)


def _desk_rows(count: int, channel: str) -> None:
    """`count` of each: my open tasks, unclaimed tasks, my verdicts, each on its own article."""
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    for _ in range(count):
        factories.claim(
            article=factories.article(slack_channel_id=channel),
            assignee=USER,
            claimed_at=now,
            slack_ts=f"1732490000.{next(_ts):06d}",
        )
        factories.claim(
            article=factories.article(slack_channel_id=channel),
            slack_ts=f"1732490000.{next(_ts):06d}",
        )
        judged = factories.claim(
            article=factories.article(slack_channel_id=channel),
            assignee=USER,
            status=ClaimStatus.CONFIRMED,
            slack_ts=f"1732490000.{next(_ts):06d}",
        )
        judged.events.append(
            ClaimEvent(
                actor=USER,
                action=EventAction.STATUS_CHANGED,
                from_value="open",
                to_value="confirmed",
                created_at=now,
            )
        )


def _home(session: Session, channel: str) -> Callable[[], object]:
    def work() -> object:
        mine = desk.my_open_tasks(session=session, team_id=TEAM, user_id=USER)
        unclaimed = desk.unclaimed_tasks(session=session, team_id=TEAM, channel_ids=[channel])
        verdicts = desk.recent_verdicts(session=session, team_id=TEAM, user_id=USER)
        assert mine.items
        assert unclaimed.items
        assert verdicts
        return render_desk.home(
            mine=mine, unclaimed=unclaimed, verdicts=verdicts, workspace_url="https://x.slack.com/"
        )

    return work


def test_app_home_statements_do_not_grow_with_rows(session: Session) -> None:
    _desk_rows(1, "C0COUNTONE")
    one = _statements(session, _home(session, "C0COUNTONE"))

    _desk_rows(12, "C0COUNTMANY")
    many = _statements(session, _home(session, "C0COUNTMANY"))

    assert one == many == 5  # a count and a page per list, one query for the verdicts


def _digest_rows(session: Session, channel: str, count: int) -> None:
    """`count` disputed claims in the week, each on its own article, plus waiting tasks."""
    for n in range(count):
        article = digest_week.article(session, channel, at(18, 9))
        claim = digest_week.claim(
            session, article, at(18, 9), status=ClaimStatus.DISPUTED, assignee=f"U0P{n}",
            claimed_at=at(18, 10), status_set_by=f"U0P{n}", status_set_at=at(19, 10),
        )  # fmt: skip
        digest_week.event(session, claim, EventAction.CLAIMED, at(18, 10), f"U0P{n}", f"U0P{n}")
        digest_week.event(
            session, claim, EventAction.STATUS_CHANGED, at(19, 10), f"U0P{n}", "disputed", "open"
        )
        digest_week.claim(session, article, at(20, 9))
        digest_week.claim(session, article, at(20, 9), assignee=f"U0P{n}", claimed_at=at(21, 9))


def _digest(session: Session, channel: str) -> Callable[[], object]:
    week = digests.Week(at(18, 0).date(), "UTC")

    def work() -> object:
        built = digests.build(
            session=session, team_id=TEAM, channel_id=channel, week=week, now=at(25, 9)
        )
        assert built.disputed
        assert built.oldest_unclaimed.items
        assert built.oldest_in_progress.items
        return render_digest.message(built, "https://x.slack.com/")

    return work


def test_digest_statements_do_not_grow_with_rows(session: Session) -> None:
    _digest_rows(session, "C0DIGCOUNT1", 1)
    one = _statements(session, _digest(session, "C0DIGCOUNT1"))

    _digest_rows(session, "C0DIGCOUNT2", 12)
    many = _statements(session, _digest(session, "C0DIGCOUNT2"))

    assert one == many
    assert many <= 14  # two weeks' figures, two durations, lists and the chart's days
