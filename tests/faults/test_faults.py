"""Fault injection with real processes: a killed worker, a throttled and failing Slack.

Each test shares the seed article in its own channel and checks the thread ends complete:
the summary and every claim task exactly once (by the metadata key each post carries).
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from factdesk.embedded_redis import EmbeddedRedis
from factdesk.ids import ActionId
from factdesk.models import Article, ArticleState, Claim
from factdesk.queue import create_celery
from standin.slack_api import SlackStandIn
from tests.conftest import share_in
from tests.faults.conftest import FaultSystem, no_rate_limit

pytestmark = pytest.mark.scenario

SEED = "north-korean-troops-russia.html"


def _share(system: FaultSystem, channel: str) -> str:
    system.slack.add_channel(channel, channel.lower())
    # A workspace per test: the same link shared again would get "already being checked".
    return share_in(
        system, f"Check <{system.pages.article_url(SEED)}>", team=f"T{channel}", channel=channel
    )


def _replies(slack: SlackStandIn, channel: str, ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.thread(channel, ts) if m["ts"] != ts]


def _assert_complete(system: FaultSystem, channel: str, ts: str) -> None:
    """Summary and every claim exactly once; every claim's ts recorded; the article done."""
    keys = Counter(
        str((m.get("metadata") or {}).get("event_payload", {}).get("key"))
        for m in _replies(system.slack, channel, ts)
    )
    assert all(count == 1 for count in keys.values()), f"duplicates: {keys}"
    with system.session() as session:
        [article] = session.scalars(select(Article).where(Article.slack_message_ts == ts)).all()
        assert article.state is ArticleState.DONE, article.error_message
        claims = session.scalars(
            select(Claim).where(Claim.article_id == article.id, Claim.held_back.is_(False))
        ).all()
        assert all(claim.slack_ts for claim in claims)
        expected = {f"summary:{article.id}"} | {f"claim:{claim.id}" for claim in claims}
    assert set(keys) == expected


def _wait_for_replies(system: FaultSystem, channel: str, ts: str, count: int) -> None:
    def enough(slack: SlackStandIn) -> bool:
        return len(_replies(slack, channel, ts)) >= count

    system.slack.wait_for(enough, timeout=60)


def test_slack_429_and_500_bursts_deliver_every_message_exactly_once(
    fault_system: FaultSystem,
) -> None:
    channel = "C0BURSTS"
    slack = fault_system.slack
    with no_rate_limit(slack):
        # 429s with Retry-After once the channel's bucket is empty, on top of our pacing.
        slack.set_rate_limit(True, per_second=2, burst=2)
        # Then a burst of 500s: more than slack_sdk's own retries, so the task retries too.
        for _ in range(5):
            slack.fail_next("chat.postMessage", "internal_error", status=500)
        ts = _share(fault_system, channel)
        assert fault_system.wait_until_done(ts, channel=channel, timeout=120) == "white_check_mark"
    statuses = Counter(c.status for c in slack.calls_to("chat.postMessage"))
    assert statuses[500] == 5
    _assert_complete(fault_system, channel, ts)


def test_kill_9_of_the_worker_mid_ingest_is_redelivered_and_completed(
    fault_system: FaultSystem,
) -> None:
    channel = "C0KILLED"
    ts = _share(fault_system, channel)
    _wait_for_replies(fault_system, channel, ts, 4)  # the summary and a few claims are up

    celery = create_celery(fault_system.settings)
    active = celery.control.inspect(timeout=2).active() or {}
    pids = [task["worker_pid"] for tasks in active.values() for task in tasks]
    assert pids, "the ingest is running"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)  # the pool child running the task, mid-post

    assert fault_system.wait_until_done(ts, channel=channel, timeout=120) == "white_check_mark"
    _assert_complete(fault_system, channel, ts)


def test_posting_that_fails_for_good_offers_post_remaining_claims(
    fault_system: FaultSystem,
) -> None:
    channel = "C0STOPPED"
    ts = _share(fault_system, channel)
    _wait_for_replies(fault_system, channel, ts, 3)
    # A permanent refusal: not retried, the article is marked "posting stopped".
    fault_system.slack.fail_next("chat.postMessage", "restricted_action")
    assert fault_system.wait_until_done(ts, channel=channel, timeout=60) == "warning"

    summary = _replies(fault_system.slack, channel, ts)[0]
    assert "Posting stopped" in str(summary["blocks"])
    with fault_system.session() as session:
        [article] = session.scalars(select(Article).where(Article.slack_message_ts == ts)).all()
        assert article.error_code == "slack_post_failed"
        stored = session.scalars(select(Claim).where(Claim.article_id == article.id)).all()
        assert any(claim.slack_ts is None for claim in stored), "claims kept, not posted"

    fault_system.click(summary, ActionId.POST_REMAINING_CLAIMS, user="U0ANA", channel=channel)

    def finished(slack: SlackStandIn) -> bool:
        names = {r["name"] for r in slack.message(channel, ts).get("reactions", [])}
        return "white_check_mark" in names and "warning" not in names

    fault_system.slack.wait_for(finished, timeout=60)
    _assert_complete(fault_system, channel, ts)
    summary = fault_system.slack.message(channel, summary["ts"])
    assert "Posting stopped" not in str(summary["blocks"])


def test_a_whole_worker_killed_and_restarted_finishes_the_work(
    fault_system: FaultSystem,
) -> None:
    """kill -9 of every worker process; the task waits in Redis for the next worker."""
    channel = "C0RESTART"
    ts = _share(fault_system, channel)
    _wait_for_replies(fault_system, channel, ts, 4)
    os.killpg(fault_system.worker.pid, signal.SIGKILL)
    fault_system.worker.wait()
    time.sleep(0.5)
    fault_system.worker = fault_system.start_worker()

    assert fault_system.wait_until_done(ts, channel=channel, timeout=150) == "white_check_mark"
    _assert_complete(fault_system, channel, ts)


def test_redis_restarting_while_events_arrive_loses_no_work(
    fault_system: FaultSystem, redis_server: EmbeddedRedis
) -> None:
    """The bot keeps acking while the broker is down; the sends wait out the restart; the
    article being worked on when Redis went away is finished too.

    Restarting Redis while a task finishes makes Celery 5.7 acknowledge it on the dead
    channel after the reconnect, an "Unrecoverable error" that stops the worker for good;
    `factdesk worker` then starts a fresh one (launcher/worker_restart.py). Without that
    the second article here waited forever in 3 of 4 runs."""
    in_flight = _share(fault_system, "C0INFLIGHT")
    _wait_for_replies(fault_system, "C0INFLIGHT", in_flight, 2)
    channel = "C0OUTAGE"
    fault_system.slack.add_channel(channel, "outage")
    redis_server.stop()
    try:
        started = time.monotonic()
        ts = share_in(
            fault_system,
            f"Check <{fault_system.pages.article_url(SEED)}>",
            team="T0OUTAGE",
            channel=channel,
        )
        # A functional limit: Slack retries an event it has no answer for within 3 s.
        assert time.monotonic() - started < 3, "the event was acked while Redis was down"
        time.sleep(1.5)
    finally:
        redis_server.start()

    for shared, where in ((in_flight, "C0INFLIGHT"), (ts, channel)):
        outcome = fault_system.wait_until_done(shared, channel=where, timeout=120)
        assert outcome == "white_check_mark"
        _assert_complete(fault_system, where, shared)
