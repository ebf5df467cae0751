"""Digests through the running system: a real worker, signed commands, the stand-in."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from celery import Celery
from sqlalchemy import select

from bot.subcommands import Word, parse
from factdesk.errors import BadArgument
from factdesk.models import ChannelSettings, DigestPost, DigestState
from factdesk.queue import DIGEST_TICK, POST_DIGEST, create_celery
from factdesk.render import digest as render_digest
from factdesk.services import digests
from standin.signing import post_command, slash_command
from standin.slack_api import SlackStandIn
from tests.bot.desk_rows import TEAM, seed_thread
from tests.conftest import SIGNING_SECRET, System
from workers.locks import redis_url

pytestmark = pytest.mark.scenario

CHANNEL = "C0DIGESTCMD"


def _zone_at_noon(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now, far from a day boundary."""
    offset = 12 - now.hour
    offset = max(-12, min(12, offset if offset <= 12 else offset - 24))
    # POSIX-style names: Etc/GMT-3 is three hours *ahead* of UTC.
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture(scope="module")
def celery(system: System) -> Celery:
    return create_celery(system.settings)


@pytest.fixture(scope="module")
def schedule(system: System) -> Iterator[str]:
    """CHANNEL's digest is due now (today, 00:00 local); every other channel's is off."""
    system.slack.add_channel(CHANNEL, "digestcmd")
    seed_thread(system, channel=CHANNEL, url="https://news.example/digest-cmd", claims=3)
    now = datetime.now(UTC)
    zone = _zone_at_noon(now)
    local = now.astimezone(digests.Week(now.date(), zone).zone)
    added: list[int] = []
    changed: dict[int, bool | None] = {}
    with system.session() as session:
        for team, channel in digests.channels_with_articles(session=session):
            row = session.scalar(
                select(ChannelSettings).where(
                    ChannelSettings.slack_team_id == team,
                    ChannelSettings.slack_channel_id == channel,
                )
            )
            if row is None:
                row = ChannelSettings(slack_team_id=team, slack_channel_id=channel)
                session.add(row)
                session.flush()
                added.append(row.id)
            else:
                changed[row.id] = row.digest_enabled
            if channel == CHANNEL and team == TEAM:
                row.digest_enabled = True
                row.digest_weekday = local.weekday()
                row.digest_hour = 0
                row.digest_timezone = zone
            else:
                row.digest_enabled = False
    week_start = (local.date() - timedelta(days=7)).isoformat()
    yield week_start
    with system.session() as session:
        for row_id in added:
            row = session.get(ChannelSettings, row_id)
            if row is not None:
                session.delete(row)
        for row_id, enabled in changed.items():
            row = session.get(ChannelSettings, row_id)
            if row is not None:
                row.digest_enabled = enabled


def drain(celery: Celery, broker_url: str, timeout: float = 60) -> None:
    """Wait until the worker has nothing running, reserved or waiting on the queue."""
    deadline = time.monotonic() + timeout
    inspect = celery.control.inspect(timeout=1)
    queue = redis.Redis.from_url(redis_url(broker_url))
    while time.monotonic() < deadline:
        busy = [*(inspect.active() or {}).values(), *(inspect.reserved() or {}).values()]
        if not any(busy) and not queue.llen("celery"):
            return
        time.sleep(0.2)
    pytest.fail("the worker did not go idle")


def _digests(slack: SlackStandIn, week_start: str) -> list[dict[str, object]]:
    return [
        m
        for m in slack.messages(CHANNEL)
        if render_digest.is_digest_message(m, channel_id=CHANNEL, week_start=week_start)
    ]


def test_duplicate_beat_ticks_post_one_digest_with_a_chart(
    system: System, celery: Celery, schedule: str
) -> None:
    for _ in range(3):  # beat firing twice, and a second beat process
        celery.send_task(DIGEST_TICK)

    system.slack.wait_for(lambda s: len(_digests(s, schedule)) >= 1, timeout=60)
    drain(celery, system.settings.resolved_redis_url)
    celery.send_task(DIGEST_TICK)  # a later tick finds the week done
    drain(celery, system.settings.resolved_redis_url)

    [digest] = _digests(system.slack, schedule)
    with system.session() as session:
        [post] = session.scalars(
            select(DigestPost).where(DigestPost.slack_channel_id == CHANNEL)
        ).all()
        assert (post.state, post.ts) == (DigestState.POSTED, digest["ts"])
    charts = [f for f in system.slack.files() if f["thread_ts"] == digest["ts"]]
    assert len(charts) == 1
    assert charts[0]["id"] == post.chart_file_id


def test_a_worker_that_died_mid_post_is_recovered_once(
    system: System, celery: Celery, schedule: str
) -> None:
    earlier = (datetime.fromisoformat(schedule) - timedelta(days=7)).date()
    with system.session() as session:
        # Claimed a week ago and never finished: the worker died between claim and post.
        session.add(
            DigestPost(
                slack_team_id=TEAM,
                slack_channel_id=CHANNEL,
                week_start=earlier,
                state=DigestState.CLAIMED,
                claim_token="killed",
                claimed_at=datetime.now(UTC) - timedelta(hours=2),
            )
        )
    # What the next tick enqueues for a stale claim, and a redelivery of the same task.
    for _ in range(2):
        celery.send_task(POST_DIGEST, args=[TEAM, CHANNEL, earlier.isoformat()])

    system.slack.wait_for(lambda s: len(_digests(s, earlier.isoformat())) >= 1, timeout=60)
    drain(celery, system.settings.resolved_redis_url)

    assert len(_digests(system.slack, earlier.isoformat())) == 1


def _command(system: System, text: str, user: str = "U0ANA") -> str:
    form = slash_command(
        command="/factcheck",
        text=text,
        user=user,
        channel=CHANNEL,
        response_url=system.slack.response_url(f"dig-{uuid.uuid4().hex[:8]}"),
    )
    started = time.monotonic()
    status, body = post_command(system.events_url, form, SIGNING_SECRET)
    assert time.monotonic() - started < 3  # Slack's limit for an ack
    assert status == 200, body
    return str(json.loads(body)["text"])


def test_digest_command_sends_an_ephemeral_preview(system: System, schedule: str) -> None:
    before = len(system.slack.ephemeral_messages(CHANNEL))

    answer = _command(system, "digest last-week")

    assert "digest for last week" in answer
    system.slack.wait_for(
        lambda s: (
            len(s.ephemeral_messages(CHANNEL)) > before
            and "preview" in str(s.ephemeral_messages(CHANNEL)[-1]["blocks"])
        ),
        timeout=30,
    )
    preview = system.slack.ephemeral_messages(CHANNEL)[-1]
    assert preview["user"] == "U0ANA"
    assert "Fact-check digest preview" in str(preview["blocks"])


def test_digest_arguments_are_checked() -> None:
    assert parse("digest").week == "this-week"
    assert parse("digest LAST-WEEK").week == "last-week"
    assert parse("digest").word is Word.DIGEST
    with pytest.raises(BadArgument) as refused:
        parse("digest yesterday")
    assert refused.value.user_message.startswith("Say which week")


def test_a_preview_in_a_channel_the_bot_is_not_in_comes_back_through_the_response_url(
    system: System, schedule: str
) -> None:
    outside = "C0DIGESTOUT"
    system.slack.add_channel(outside, "digest-outside", is_member=False)
    key = f"dig-outside-{uuid.uuid4().hex[:8]}"
    form = slash_command(
        command="/factcheck",
        text="digest last-week",
        user="U0ANA",
        channel=outside,
        response_url=system.slack.response_url(key),
    )

    status, body = post_command(system.events_url, form, SIGNING_SECRET)
    assert status == 200, body
    system.slack.wait_for(
        lambda s: any(c.path.endswith(key) for c in s.calls_to("response_url")), timeout=30
    )

    [told] = [c for c in system.slack.calls_to("response_url") if c.path.endswith(key)]
    assert told.args["response_type"] == "ephemeral"
    assert "Fact-check digest preview" in str(told.args["blocks"])
