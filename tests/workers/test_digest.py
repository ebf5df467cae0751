"""The digest task against the Slack stand-in and a database of its own, with frozen time."""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import delete

from factdesk.db import migrate
from factdesk.models import ChannelSettings, DigestPost, DigestState
from factdesk.queue import POST_DIGEST
from factdesk.render import charts as render_charts
from factdesk.render import digest as render_digest
from factdesk.services import digests
from factdesk.settings import Settings
from standin.slack_api import SlackStandIn
from tests.factdesk.services.digest_week import NOW, TEAM, WEEK_START, seed
from tests.recording_queue import RecordingQueue
from workers import digest as digest_worker
from workers.context import WorkerContext

CHANNEL = "C0DIGWORK"


@pytest.fixture(scope="module")
def ctx(slack: SlackStandIn, tmp_path_factory: pytest.TempPathFactory) -> WorkerContext:
    var: Path = tmp_path_factory.mktemp("digest")
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{var / 'digest.db'}",
        var_dir=var,
        workspace_timezone="UTC",
    )
    migrate(settings.resolved_database_url)
    slack.add_channel(CHANNEL, "digwork")
    slack.add_user("U0CAT", "cat")
    with WorkerContext(settings).session() as session:
        seed(session, CHANNEL)
    ctx = WorkerContext(settings)
    ctx.queue = RecordingQueue()  # no worker here: the tests run the digests themselves
    return ctx


_seen = {"messages": 0}


@pytest.fixture(autouse=True)
def _fresh_week(ctx: WorkerContext, slack: SlackStandIn) -> None:
    """Each test starts with the week unclaimed; earlier tests' posts are ignored."""
    with ctx.session() as session:
        session.execute(delete(DigestPost))
    _seen["messages"] = len(slack.messages(CHANNEL))


def _digests_in(slack: SlackStandIn, week_start: str = WEEK_START) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.messages(CHANNEL)[_seen["messages"] :]
        if render_digest.is_digest_message(m, channel_id=CHANNEL, week_start=week_start)
    ]


def _post(ctx: WorkerContext) -> str:
    return digest_worker.post_digest(TEAM, CHANNEL, WEEK_START, ctx, now=NOW)


def _digest_runs(outcome: str) -> float:
    return REGISTRY.get_sample_value("factdesk_digest_runs_total", {"outcome": outcome}) or 0.0


def _sent(ctx: WorkerContext) -> list[tuple[str, tuple[Any, ...]]]:
    assert isinstance(ctx.queue, RecordingQueue)
    return ctx.queue.sent


def _marker(ctx: WorkerContext, week_start: date = date(2024, 11, 18)) -> DigestPost:
    with ctx.session() as session:
        post = digests.get_post(
            session=session, team_id=TEAM, channel_id=CHANNEL, week_start=week_start
        )
        assert post is not None
        return post


def test_the_digest_is_posted_once_with_its_chart_in_the_thread(
    ctx: WorkerContext, slack: SlackStandIn
) -> None:
    before = len(slack.files())
    counted = {outcome: _digest_runs(outcome) for outcome in ("posted", "already")}

    assert _post(ctx) == "posted"
    assert _post(ctx) == "already"
    assert {outcome: _digest_runs(outcome) - n for outcome, n in counted.items()} == {
        "posted": 1,
        "already": 1,
    }

    [posted] = _digests_in(slack)
    assert "2 articles, 7 claims found, 4 verdicts" in str(posted["text"])
    marker = _marker(ctx)
    assert (marker.state, marker.ts) == (DigestState.POSTED, posted["ts"])
    [chart] = slack.files()[before:]
    assert chart["id"] == marker.chart_file_id
    assert chart["thread_ts"] == posted["ts"]
    assert chart["channels"] == [CHANNEL]
    assert chart["name"] == f"factdesk-digest-{CHANNEL}-{WEEK_START}.png"
    assert chart["content"].startswith(render_charts.PNG_SIGNATURE)
    assert chart["alt_txt"].startswith("Bar chart of claims found per day")
    upload = slack.calls_to("files.getUploadURLExternal")[-1]
    assert int(upload.args["length"]) == len(chart["content"])


def test_simultaneous_tasks_post_one_digest(ctx: WorkerContext, slack: SlackStandIn) -> None:
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        outcomes.append(_post(ctx))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["already", "already", "already", "posted"]
    assert len(_digests_in(slack)) == 1


def _stale_claim(
    ctx: WorkerContext, week_start: date = date(2024, 11, 18), now: datetime = NOW
) -> None:
    """What a worker killed between claiming the week and recording the post leaves behind."""
    with ctx.session() as session:
        session.add(
            DigestPost(
                slack_team_id=TEAM,
                slack_channel_id=CHANNEL,
                week_start=week_start,
                state=DigestState.CLAIMED,
                claim_token="dead-worker",
                claimed_at=now - timedelta(hours=1),
            )
        )


def test_a_crash_before_posting_is_posted_by_the_next_tick(
    ctx: WorkerContext, slack: SlackStandIn
) -> None:
    # A week of its own: the other tests' digests of 18 Nov stay in the channel.
    a_week_earlier = NOW - timedelta(days=7)
    _stale_claim(ctx, date(2024, 11, 11), a_week_earlier)
    posts = len(slack.calls_to("chat.postMessage"))
    queued = digest_worker.digest_tick(ctx, now=a_week_earlier)
    assert (TEAM, CHANNEL, "2024-11-11") in queued
    assert (POST_DIGEST, (TEAM, CHANNEL, "2024-11-11")) in _sent(ctx)
    outcome = digest_worker.post_digest(TEAM, CHANNEL, "2024-11-11", ctx, now=a_week_earlier)

    assert outcome == "posted"
    assert len(_digests_in(slack, "2024-11-11")) == 1
    assert len(slack.calls_to("chat.postMessage")) == posts + 1
    assert _marker(ctx, date(2024, 11, 11)).state is DigestState.POSTED


def test_a_crash_after_posting_adopts_the_message_instead_of_posting_again(
    ctx: WorkerContext, slack: SlackStandIn
) -> None:
    _stale_claim(ctx)
    # The dead worker did post, tagged with the metadata, before it could record the ts:
    # a few seconds after its claim (an hour before NOW).
    with ctx.session() as session:
        week = digests.Week(date(2024, 11, 18), "UTC")
        built = digests.build(session=session, team_id=TEAM, channel_id=CHANNEL, week=week, now=NOW)
    orphan = slack.add_message(
        CHANNEL,
        "digest",
        user="UFACTBOT",
        ts=f"{(NOW - timedelta(minutes=59, seconds=50)).timestamp():.6f}",
        metadata=render_digest.metadata(built),
    )
    posts = len(slack.calls_to("chat.postMessage"))

    assert _post(ctx) == "adopted"

    assert len(slack.calls_to("chat.postMessage")) == posts
    assert len(_digests_in(slack)) == 1
    marker = _marker(ctx)
    assert (marker.state, marker.ts) == (DigestState.POSTED, orphan)
    assert marker.chart_file_id  # the chart was still missing; it is uploaded
    history = slack.calls_to("conversations.history")[-1]
    assert history.args["include_all_metadata"] in ("1", "true", True)


def test_a_live_claim_is_left_alone(ctx: WorkerContext, slack: SlackStandIn) -> None:
    _stale_claim(ctx)
    soon = NOW - timedelta(minutes=58)  # the claim is two minutes old
    queued = digest_worker.digest_tick(ctx, now=soon)
    outcome = digest_worker.post_digest(TEAM, CHANNEL, WEEK_START, ctx, now=soon)

    assert (TEAM, CHANNEL, WEEK_START) not in queued
    assert outcome == "already"
    assert _digests_in(slack) == []


def test_the_tick_follows_each_channels_schedule(ctx: WorkerContext) -> None:
    def tick(now: datetime) -> list[tuple[str, str, str]]:
        return [q for q in digest_worker.digest_tick(ctx, now=now) if q[1] == CHANNEL]

    assert tick(NOW) == [(TEAM, CHANNEL, WEEK_START)]  # Monday 09:05 UTC
    assert tick(NOW - timedelta(minutes=10)) == []  # 08:55: last week's is a week late
    with ctx.session() as session:
        session.add(
            ChannelSettings(
                slack_team_id=TEAM,
                slack_channel_id=CHANNEL,
                digest_weekday=4,
                digest_hour=17,
                digest_timezone="America/New_York",
            )
        )
    friday = NOW + timedelta(days=4, hours=13)  # Fri 29 Nov 22:05 UTC = 17:05 in New York
    assert tick(friday) == [(TEAM, CHANNEL, "2024-11-22")]
    with ctx.session() as session:
        row = session.query(ChannelSettings).filter_by(slack_channel_id=CHANNEL).one()
        row.digest_enabled = False
    assert tick(friday) == []
    with ctx.session() as session:
        session.execute(delete(ChannelSettings).where(ChannelSettings.slack_channel_id == CHANNEL))


def test_the_workspace_timezone_is_the_desk_majority(
    ctx: WorkerContext, slack: SlackStandIn
) -> None:
    slack.add_user("U0ANA", "ana", real_name="Ana Lima", tz="Europe/Lisbon")
    slack.add_user("U0BEN", "ben", tz="Europe/Lisbon")
    slack.add_user("U0CAT", "cat", tz="Asia/Tokyo")
    learning = WorkerContext(ctx.settings.model_copy(update={"workspace_timezone": None}))
    digest_worker._timezones.clear()
    try:
        assert digest_worker.workspace_timezone(learning, TEAM) == "Europe/Lisbon"
        assert digest_worker.workspace_timezone(learning, "T0NOBODY") == "UTC"
        assert digest_worker.workspace_timezone(ctx, TEAM) == "UTC"  # the setting wins
    finally:
        digest_worker._timezones.clear()
        for user, name in (("U0ANA", "ana"), ("U0BEN", "ben")):
            slack.add_user(user, name, real_name="Ana Lima" if name == "ana" else "Ben")


def test_a_preview_is_ephemeral_and_posts_nothing(ctx: WorkerContext, slack: SlackStandIn) -> None:
    digest_worker.preview_digest(
        TEAM, CHANNEL, "U0ANA", render_digest.LAST_WEEK, ctx, now=NOW + timedelta(days=1)
    )

    preview = slack.ephemeral_messages(CHANNEL)[-1]
    assert preview["user"] == "U0ANA"
    assert "Fact-check digest preview" in str(preview["blocks"])
    assert "Mon 18 Nov to Sun 24 Nov 2024" in str(preview["blocks"])
    assert _digests_in(slack) == []


def test_beat_runs_the_tick_the_reminders_receipt_pruning_and_the_vector_fill() -> None:
    import workers.task_registry  # noqa: F401  # registers the tasks
    from factdesk.queue import DIGEST_TICK, FILL_ARCHIVE_VECTORS, PRUNE_RECEIPTS, SEND_REMINDERS
    from workers.app import celery_app

    schedule = celery_app.conf.beat_schedule
    names = {entry["task"] for entry in schedule.values()}

    assert names == {DIGEST_TICK, SEND_REMINDERS, PRUNE_RECEIPTS, FILL_ARCHIVE_VECTORS}
    assert names <= set(celery_app.tasks)
    assert schedule["digest-tick"]["schedule"] == 600.0


# -- when Slack refuses --------------------------------------------------------------------

OUTSIDE = "C0DIGOUT"  # a channel the bot is not in


def _without(slack: SlackStandIn, scope: str) -> list[str]:
    return [granted for granted in slack.bot_scopes if granted != scope]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_chart_whose_upload_fails_leaves_the_digest_out_and_says_so_once(
    ctx: WorkerContext, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    # The upload URL itself (files_upload_v2's second step) answers 500.
    slack.fail_next("upload", "upload_unavailable", status=500)

    with caplog.at_level(logging.INFO, logger="workers.digest"):
        outcome = _post(ctx)

    assert outcome == "posted"
    assert len(_digests_in(slack)) == 1
    assert _marker(ctx).chart_file_id is None
    assert _warnings(caplog) == [
        "digest chart not uploaded, the digest went out without it "
        f"channel={CHANNEL}: upload_failed"
    ]


def test_a_preview_where_the_bot_is_not_goes_back_through_the_commands_response_url(
    ctx: WorkerContext, slack: SlackStandIn
) -> None:
    slack.add_channel(OUTSIDE, "digout", is_member=False)
    opened = len(slack.calls_to("conversations.open"))

    with slack.scopes_granted(_without(slack, "im:write")):
        digest_worker.preview_digest(
            TEAM,
            OUTSIDE,
            "U0ANA",
            render_digest.LAST_WEEK,
            ctx,
            response_url=slack.response_url("preview-outside"),
            now=NOW + timedelta(days=1),
        )

    [told] = [c for c in slack.calls_to("response_url") if c.path.endswith("/preview-outside")]
    assert told.args["response_type"] == "ephemeral"
    assert "Fact-check digest preview" in str(told.args["blocks"])
    assert len(slack.calls_to("conversations.open")) == opened  # no DM needed


def test_a_preview_nobody_can_be_shown_is_one_log_line_not_a_crash(
    ctx: WorkerContext, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    slack.add_channel(OUTSIDE, "digout", is_member=False)

    with (
        slack.scopes_granted(_without(slack, "im:write")),
        caplog.at_level(logging.INFO, logger="workers.digest"),
    ):
        digest_worker.preview_digest(
            TEAM, OUTSIDE, "U0ANA", render_digest.LAST_WEEK, ctx, now=NOW + timedelta(days=1)
        )

    assert _warnings(caplog) == [
        f"digest preview not delivered user=U0ANA channel={OUTSIDE}: missing_scope (needs im:write)"
    ]
