"""The workers against a Slack stand-in with Slack's rate tiers, as an app distributed
outside the Slack Marketplace: conversations.history and conversations.replies at one
request a minute per workspace, with pages of at most 15 messages.

The weekly digest reads neither; crash recovery reads them from where the lost post can
be, a page of 15 at a time, and waits out Retry-After, but never past its task's time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr
from slack_sdk import WebClient
from sqlalchemy import select, update

from factdesk.db import migrate
from factdesk.errors import SlackPostFailed
from factdesk.models import DigestPost, DigestState, SlackPost, utcnow
from factdesk.render import digest as render_digest
from factdesk.render.blocks import Message
from factdesk.services import digests
from factdesk.settings import Settings
from factdesk.slack import rate_limit_waits_within
from standin.slack_api import SlackStandIn
from tests.factdesk.services.digest_week import NOW, TEAM, WEEK_START, seed
from tests.recording_queue import RecordingQueue
from tests.workers.test_ingest_idempotent import Crash, CrashingContext
from workers import digest as digest_worker
from workers.context import WorkerContext
from workers.posting import EVENT_TYPE, Outgoing, post_all_once, post_once

READS = ("conversations.history", "conversations.replies")


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    """A stand-in of our own: its buckets and clock are this test's alone."""
    with SlackStandIn(rate_tiers=True, outside_marketplace=True) as standin:
        yield standin


@pytest.fixture
def settings(tmp_path: Path, slack: SlackStandIn) -> Settings:
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{tmp_path / 'tiers.db'}",
        var_dir=tmp_path,
        workspace_timezone="UTC",
        slack_channel_burst=1000,  # our own pacing has its own tests
    )
    migrate(settings.resolved_database_url)
    return settings


def _ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


def _statuses(slack: SlackStandIn, method: str) -> list[int]:
    return [call.status for call in slack.calls_to(method)]


# -- the weekly digest ------------------------------------------------------------------


def test_weekly_digests_of_several_channels_read_no_history_and_no_replies(
    settings: Settings, slack: SlackStandIn
) -> None:
    # Slack's own minute: a single conversations.replies per digest (the chart) would
    # hold the workspace's digests to one channel a minute.
    ctx = WorkerContext(settings)
    ctx.queue = RecordingQueue()  # the digests run here, one after another
    with ctx.session() as session:
        for channel in ("C0DIGA", "C0DIGB", "C0DIGC"):
            seed(session, channel)
    for channel in ("C0DIGA", "C0DIGB", "C0DIGC", "C0DIGAX", "C0DIGBX", "C0DIGCX"):
        slack.add_channel(channel, channel.lower())
    queued = digest_worker.digest_tick(ctx, now=NOW)
    outcomes = [digest_worker.post_digest(*args, ctx, now=NOW) for args in queued]

    assert len(queued) == 6
    assert outcomes == ["posted"] * 6
    assert [call.method for call in slack.calls if call.method in READS] == []
    assert {call.status for call in slack.calls} == {200}, "nothing was rate limited"
    with ctx.session() as session:
        posts = session.scalars(select(DigestPost)).all()
    assert len(posts) == 6
    assert all(post.state is DigestState.POSTED and post.chart_file_id for post in posts)
    assert len(slack.files()) == 6


def _stale_claim(ctx: WorkerContext, channel: str) -> datetime:
    claimed_at = NOW - timedelta(hours=1)
    with ctx.session() as session:
        session.add(
            DigestPost(
                slack_team_id=TEAM,
                slack_channel_id=channel,
                week_start=date(2024, 11, 18),
                state=DigestState.CLAIMED,
                claim_token="dead-worker",
                claimed_at=claimed_at,
                created_at=claimed_at,
            )
        )
    return claimed_at


def test_a_digest_taken_over_is_found_in_its_window_past_the_first_page_of_15(
    settings: Settings, slack: SlackStandIn
) -> None:
    slack.set_rate_tiers(outside_marketplace=True, minute=2.0)  # a Tier 1 minute of 2 s
    ctx = WorkerContext(settings)
    channel = "C0BUSY"
    slack.add_channel(channel, "busy")
    with ctx.session() as session:
        seed(session, channel)
        built = digests.build(
            session=session,
            team_id=TEAM,
            channel_id=channel,
            week=digests.Week(date(2024, 11, 18), "UTC"),
            now=NOW,
        )
    claimed_at = _stale_claim(ctx, channel)
    # The dead worker posted the digest ten seconds after claiming it; twenty messages
    # followed while its claim was live, then eighty more in the hour since.
    orphan = slack.add_message(
        channel,
        "digest",
        user="UFACTBOT",
        ts=_ts(claimed_at + timedelta(seconds=10)),
        metadata=render_digest.metadata(built),
    )
    for i in range(20):
        slack.add_message(
            channel, f"soon {i}", user="U0ANA", ts=_ts(claimed_at + timedelta(seconds=20 + i))
        )
    for i in range(80):
        slack.add_message(
            channel, f"later {i}", user="U0BEN", ts=_ts(NOW - timedelta(minutes=40, seconds=-i))
        )

    outcome = digest_worker.post_digest(TEAM, channel, WEEK_START, ctx, now=NOW)

    assert outcome == "adopted", "found, not posted a second time"
    assert slack.calls_to("chat.postMessage") == []
    with ctx.session() as session:
        post = digests.get_post(
            session=session, team_id=TEAM, channel_id=channel, week_start=date(2024, 11, 18)
        )
        assert post is not None
        assert post.ts == orphan
    reads = slack.calls_to("conversations.history")
    assert [int(call.args["limit"]) for call in reads] == [15] * len(reads)
    # The window's second page waited out the Tier 1 minute.
    assert _statuses(slack, "conversations.history") == [200, 429, 200]


def test_a_chart_upload_cut_short_is_adopted_from_the_thread_not_uploaded_again(
    settings: Settings, slack: SlackStandIn
) -> None:
    ctx = WorkerContext(settings)
    channel = "C0CHART"
    slack.add_channel(channel, "chart")
    with ctx.session() as session:
        seed(session, channel)
    assert digest_worker.post_digest(TEAM, channel, WEEK_START, ctx, now=NOW) == "posted"
    [chart] = slack.files()
    # As if the worker had died after the upload, before recording its file id.
    with ctx.session() as session:
        session.execute(update(DigestPost).values(chart_file_id=None))
        post = session.scalars(select(DigestPost)).one()
        post_id, ts = post.id, str(post.ts)
        assert post.chart_started_at is not None, "the upload was marked as begun"
        built = digests.build(
            session=session,
            team_id=TEAM,
            channel_id=channel,
            week=digests.Week(date(2024, 11, 18), "UTC"),
            now=NOW,
        )
    uploads = len(slack.calls_to("files.getUploadURLExternal"))

    digest_worker._ensure_chart(ctx, post_id, channel, ts, built)

    assert len(slack.calls_to("files.getUploadURLExternal")) == uploads
    with ctx.session() as session:
        assert session.get(DigestPost, post_id).chart_file_id == chart["id"]  # type: ignore[union-attr]
    [read] = slack.calls_to("conversations.replies")
    assert int(read.args["limit"]) == 15
    assert read.args["oldest"], "only what was posted since the upload began"


# -- posts made but not recorded --------------------------------------------------------


def _thread_with_old_replies(slack: SlackStandIn, channel: str, replies: int) -> str:
    """A thread with `replies` people's replies from half an hour ago."""
    slack.add_channel(channel, channel.lower())
    start = utcnow() - timedelta(hours=1)
    root = slack.add_message(channel, "root", user="U0ANA", ts=_ts(start))
    for i in range(replies):
        slack.add_message(
            channel,
            f"earlier {i}",
            user="U0BEN",
            thread_ts=root,
            ts=_ts(start + timedelta(minutes=30, seconds=i)),
        )
    return root


def _keys(slack: SlackStandIn, channel: str, root: str) -> list[str]:
    return [
        str(m["metadata"]["event_payload"]["key"])
        for m in slack.thread(channel, root)
        if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
    ]


def test_a_post_lost_past_the_first_15_is_found_reading_from_its_marker_by_15(
    settings: Settings, slack: SlackStandIn
) -> None:
    slack.set_rate_tiers(outside_marketplace=True, minute=2.0)
    slack.set_rate_limit(True, per_second=100, burst=100)  # posting is not what is tested
    channel = "C0LOST"
    root = _thread_with_old_replies(slack, channel, 20)
    batch = [Outgoing(f"line:{i}", Message(text=f"line {i}")) for i in range(20)]
    # Sessions 1 and 2 look and mark; 3 to 19 record seventeen posts; 20 dies between the
    # eighteenth post and its record.
    with pytest.raises(Crash):
        post_all_once(CrashingContext(settings, crash_at=20), channel, root, batch)
    assert len(_keys(slack, channel, root)) == 18

    posted = post_all_once(WorkerContext(settings), channel, root, batch)

    assert _keys(slack, channel, root) == [f"line:{i}" for i in range(20)], "each line once"
    assert [m["ts"] for m in slack.thread(channel, root)][20:] == posted
    reads = slack.calls_to("conversations.replies")
    assert [int(call.args["limit"]) for call in reads] == [15] * len(reads)
    assert all(float(call.args["oldest"]) > float(root) + 1800 for call in reads), (
        "the old replies are skipped"
    )
    # Seventeen recorded lines and the lost one: two pages, the second after a minute.
    assert _statuses(slack, "conversations.replies") == [200, 429, 200]
    with WorkerContext(settings).session() as session:
        assert session.scalars(select(SlackPost.key).where(SlackPost.ts.is_(None))).all() == []


def _lost_post(settings: Settings, slack: SlackStandIn, channel: str) -> tuple[str, str]:
    """A thread with a line that was posted, but whose ts was never recorded."""
    root = _thread_with_old_replies(slack, channel, 0)

    def die(session: Any, ts: str) -> None:
        raise Crash("killed between the post and the commit of its ts")

    with pytest.raises(Crash):
        post_once(
            WorkerContext(settings),
            "line:x",
            channel,
            root,
            Message(text="x"),
            on_posted=die,
        )
    return root, str(slack.thread(channel, root)[-1]["ts"])


def test_a_rate_limit_wait_is_waited_out_when_the_task_has_the_time(
    settings: Settings, slack: SlackStandIn
) -> None:
    slack.set_rate_tiers(outside_marketplace=True, minute=2.0)
    root, lost = _lost_post(settings, slack, "C0WAIT")
    # Someone else just spent the workspace's replies minute.
    WebClient(token="xoxb-test", base_url=slack.base_url).conversations_replies(
        channel="C0WAIT", ts=root
    )

    with rate_limit_waits_within(30):
        found = post_once(WorkerContext(settings), "line:x", "C0WAIT", root, Message(text="x"))

    assert found == lost
    assert _statuses(slack, "conversations.replies") == [200, 429, 200]
    assert len(slack.calls_to("chat.postMessage")) == 1, "not posted again"


@dataclass
class _Request:
    retries: int = 0


@dataclass
class _Task:
    """What workers.task_bodies._retry reads of a Celery task, and what it asks of it."""

    name: str = "factdesk.sync_claim"
    request: _Request = field(default_factory=_Request)
    asked: dict[str, Any] = field(default_factory=dict)

    def retry(self, **kwargs: Any) -> Exception:
        self.asked = kwargs
        return RuntimeError("retry")


def test_a_rate_limit_longer_than_the_task_has_left_is_retried_after_it_not_slept_through(
    settings: Settings, slack: SlackStandIn
) -> None:
    from workers import task_bodies

    # Slack's own minute, and a task with ten seconds left (sync_claim has thirty).
    root, lost = _lost_post(settings, slack, "C0LATER")
    WebClient(token="xoxb-test", base_url=slack.base_url).conversations_replies(
        channel="C0LATER", ts=root
    )
    ctx = WorkerContext(settings)

    # Waiting the minute out would outlast the task: the 429 is left to a retry.
    with rate_limit_waits_within(10), pytest.raises(SlackPostFailed) as failed:
        post_once(ctx, "line:x", "C0LATER", root, Message(text="x"))

    assert failed.value.transient
    assert failed.value.retry_after is not None
    assert 50 <= failed.value.retry_after <= 60
    task = _Task()
    task_bodies._retry(task, failed.value)  # type: ignore[arg-type]
    assert task.asked["countdown"] >= failed.value.retry_after, "retried after Retry-After"
    assert len(slack.calls_to("chat.postMessage")) == 1, "nothing posted meanwhile"
    # A minute later the retry finds the post.
    slack.set_rate_tiers(outside_marketplace=True)  # (refills the buckets: that minute)
    assert post_once(ctx, "line:x", "C0LATER", root, Message(text="x")) == lost


def test_each_task_bounds_its_waits_for_slack_by_its_soft_time_limit() -> None:
    from factdesk import slack as slack_clients
    from workers import app

    task = SimpleNamespace(
        name="factdesk.sync_claim", soft_time_limit=30, request=SimpleNamespace()
    )
    app._task_started(task_id="t-bounded", task=task)  # type: ignore[arg-type]
    try:
        deadline = slack_clients._wait_deadline.get()
        assert deadline is not None
        assert 15 < deadline - time.monotonic() <= 30 - app.SLACK_WAIT_MARGIN
    finally:
        app._task_finished(task_id="t-bounded", task=task, state="SUCCESS")  # type: ignore[arg-type]
    assert slack_clients._wait_deadline.get() is None


def test_a_takeover_that_cannot_read_history_in_time_defers_rather_than_posting_twice(
    settings: Settings, slack: SlackStandIn
) -> None:
    ctx = WorkerContext(settings)
    channel = "C0DEFER"
    slack.add_channel(channel, "defer")
    with ctx.session() as session:
        seed(session, channel)
    _stale_claim(ctx, channel)
    # Another task just spent the workspace's history minute, and this one has seconds.
    WebClient(token="xoxb-test", base_url=slack.base_url).conversations_history(channel=channel)

    with rate_limit_waits_within(5):
        outcome = digest_worker.post_digest(TEAM, channel, WEEK_START, ctx, now=NOW)

    assert outcome == "deferred"
    assert slack.calls_to("chat.postMessage") == []
    with ctx.session() as session:
        post = digests.get_post(
            session=session, team_id=TEAM, channel_id=channel, week_start=date(2024, 11, 18)
        )
        assert post is not None
        assert post.state is DigestState.CLAIMED, "left for the next tick once it goes stale"
