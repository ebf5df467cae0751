"""Stale-task reminders against the Slack stand-in, with frozen time: limits hold."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from factdesk.db import engine_for, migrate
from factdesk.models import Article, Claim, ClaimStatus, Reminder, ReminderKind
from factdesk.settings import Settings
from standin.slack_api import SlackStandIn
from tests.factdesk.services.digest_week import article, at, claim
from workers.context import WorkerContext
from workers.reminders import send_reminders

CHANNEL = "C0REMIND"
NUDGED = "U0REMNUDGE"
BUSY = "U0REMBUSY"


def _ctx(slack: SlackStandIn, var: Path, *, nudges: int = 50, pings: int = 50) -> WorkerContext:
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{var / 'reminders.db'}",
        var_dir=var,
        reminder_claimed_days=2,
        reminder_unclaimed_hours=24,
        reminder_max_nudges_per_run=nudges,
        reminder_max_pings_per_run=pings,
    )
    migrate(settings.resolved_database_url)
    return WorkerContext(settings)


@pytest.fixture
def ctx(slack: SlackStandIn, tmp_path: Path) -> WorkerContext:
    slack.add_channel(CHANNEL, "remind")
    for user in (NUDGED, BUSY):
        slack.add_user(user, user.lower())
    return _ctx(slack, tmp_path)


def _story(ctx_session: Session, slack: SlackStandIn, created: datetime) -> Article:
    """An article whose thread exists in the stand-in's channel."""
    story = article(ctx_session, CHANNEL, created)
    assert story.slack_thread_ts is not None
    slack.add_message(CHANNEL, story.url, user="U0ANA", ts=story.slack_thread_ts)
    return story


def _seed(ctx: WorkerContext, slack: SlackStandIn) -> dict[str, int]:
    """Tasks claimed 3 days and 1 day ago, unclaimed for 30 h and 2 h, judged ones."""
    with ctx.session() as session:
        story = _story(session, slack, at(18, 9))
        other = _story(session, slack, at(18, 9))
        rows = {
            "stale": claim(session, story, at(18, 9), assignee=NUDGED, claimed_at=at(19, 9)),
            "stale2": claim(session, other, at(18, 9), assignee=NUDGED, claimed_at=at(19, 10)),
            "fresh": claim(session, story, at(18, 9), assignee=NUDGED, claimed_at=at(21, 9)),
            "judged": claim(
                session,
                story,
                at(18, 9),
                assignee=NUDGED,
                claimed_at=at(19, 9),
                status=ClaimStatus.CONFIRMED,
            ),
            "waiting": claim(session, story, at(21, 3)),
            "waiting2": claim(session, story, at(21, 4)),
            "new": claim(session, story, at(22, 7)),
            "held": claim(session, story, at(18, 9), held_back=True, slack_ts=None),
        }
        return {name: row.id for name, row in rows.items()}


def test_stale_tasks_nudge_once_a_day_and_ping_once_ever(
    ctx: WorkerContext, slack: SlackStandIn
) -> None:
    ids = _seed(ctx, slack)
    now = at(22, 9, 30)

    first = send_reminders(ctx, now=now)

    assert first.nudged == {NUDGED: sorted([ids["stale"], ids["stale2"]])}
    dm = slack.dm_channel(NUDGED)
    assert dm is not None
    [nudge] = slack.messages(dm)
    assert "2 tasks you claimed are still waiting for a verdict" in nudge["text"]
    assert "claimed 3 days ago" in nudge["text"]
    with ctx.session() as session:
        story = session.get(Claim, ids["waiting"])
        assert story is not None
        thread_ts = story.article.slack_thread_ts
    assert list(first.pinged.values()) == [sorted([ids["waiting"], ids["waiting2"]])]
    assert thread_ts is not None
    [ping] = slack.thread(CHANNEL, thread_ts)
    assert ping["text"].startswith(":wave: Claims 4, 5 have waited over 24 hours")

    # An hour later nothing is due again; the next day the nudge repeats, the ping never.
    assert send_reminders(ctx, now=now + timedelta(hours=1)).nudged == {}
    assert send_reminders(ctx, now=now + timedelta(hours=1)).pinged == {}
    next_day = send_reminders(ctx, now=now + timedelta(days=1))
    assert next_day.nudged == {NUDGED: sorted([ids["stale"], ids["stale2"], ids["fresh"]])}
    assert list(next_day.pinged.values()) == [[ids["new"]]]  # 26.5 h old now
    assert len(slack.messages(dm)) == 2


def test_runs_respect_their_limits(slack: SlackStandIn, tmp_path: Path) -> None:
    slack.add_channel(CHANNEL, "remind")
    slack.add_user(BUSY, "busy")
    ctx = _ctx(slack, tmp_path, nudges=3, pings=2)
    with ctx.session() as session:
        story = _story(session, slack, at(1, 9))
        for i in range(5):
            claim(session, story, at(1, 9), assignee=BUSY, claimed_at=at(1, 10 + i))
        for i in range(5):
            claim(session, story, at(1, 9 + i))
    now = at(22, 9)

    runs = [send_reminders(ctx, now=now) for _ in range(4)]

    assert [len(run.nudged.get(BUSY, [])) for run in runs] == [3, 2, 0, 0]
    assert [sum(map(len, run.pinged.values())) for run in runs] == [2, 2, 1, 0]
    with ctx.session() as session:
        kinds = dict(
            session.execute(select(Reminder.kind, func.count()).group_by(Reminder.kind)).all()
        )
        assert kinds == {ReminderKind.NUDGE: 5, ReminderKind.UNCLAIMED: 5}
        assert session.scalar(select(func.count(Article.id))) == 1


def test_a_failed_dm_is_tried_again_next_run(ctx: WorkerContext, slack: SlackStandIn) -> None:
    ids = _seed(ctx, slack)
    slack.fail_next("chat.postMessage", "ratelimited")
    now = at(22, 9, 30)

    failed = send_reminders(ctx, now=now)
    retried = send_reminders(ctx, now=now + timedelta(minutes=15))

    assert failed.nudged == {}
    assert retried.nudged == {NUDGED: sorted([ids["stale"], ids["stale2"]])}


def _statements(ctx: WorkerContext, run: Callable[[], object]) -> int:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = engine_for(ctx.settings.resolved_database_url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_a_ping_costs_as_many_statements_for_many_waiting_tasks_as_for_one(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    slack.add_channel(CHANNEL, "remind")
    counts = []
    now = at(22, 9, 30)
    for waiting in (1, 6):
        ctx = _ctx(slack, tmp_path / f"{waiting}-waiting")
        with ctx.session() as session:
            story = _story(session, slack, at(18, 9))
            for _ in range(waiting):
                claim(session, story, at(21, 3))
        counts.append(_statements(ctx, partial(send_reminders, ctx, now=now)))
        with ctx.session() as session:
            pings = session.scalar(select(func.count()).select_from(Reminder))
        assert pings == waiting
    assert counts[0] == counts[1]


def test_a_dm_slack_refuses_to_one_person_does_not_stop_the_others(
    ctx: WorkerContext, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    with ctx.session() as session:
        story = _story(session, slack, at(18, 9))
        mine = {
            user: claim(session, story, at(18, 9), assignee=user, claimed_at=at(19, 9)).id
            for user in (NUDGED, BUSY)
        }
    # Whoever comes first is refused (their account was deactivated, say).
    slack.fail_next("conversations.open", "user_disabled")
    start = len(slack.calls)

    with caplog.at_level(logging.INFO, logger="workers.reminders"):
        sent = send_reminders(ctx, now=at(22, 9, 30))

    [refused] = [
        call.args["users"]
        for call in slack.calls_since(start)
        if call.method == "conversations.open" and call.response.get("error") == "user_disabled"
    ]
    [other] = {NUDGED, BUSY} - {refused}
    assert sent.nudged == {other: [mine[other]]}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        f"nudge failed user={refused}: user_disabled"
    ]
    # Released, not lost: the next run nudges the refused person.
    assert send_reminders(ctx, now=at(22, 10)).nudged == {refused: [mine[refused]]}
