"""Ingestion survives a crash at any step: the re-run completes the thread, posting nothing twice.

A context whose N-th database session "crashes" (raises before the body runs, so nothing of
that step is committed) stands in for a worker killed at that point; the sweep moves N over
every step of an ingest, including the gap between a post and the commit of its ts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.errors import SlackPostFailed
from factdesk.models import Article, ArticleSource, ArticleState, Claim, SlackPost
from factdesk.render import thread as render_thread
from factdesk.render.blocks import Message
from factdesk.services import articles
from factdesk.settings import Settings
from standin.articles import ArticleServer
from standin.slack_api import SlackStandIn
from workers import ingest
from workers.context import WorkerContext
from workers.posting import EVENT_TYPE, Outgoing, post_all_once, post_once

CHANNEL = "C0CRASH"
TEXT = (
    "The city council approved a budget of $4.2 billion on Tuesday, up 8 percent from 2023. "
    "Mayor Lena Ortiz said unemployment fell to 3.1 percent last year, the lowest since 1999. "
    "According to the state health department, 1,240 new nurses were hired in 2024. "
    "Police reported that burglaries dropped by 17 percent in the first half of the year. "
    "The new bridge, which opened in March, cost $310 million and carries 45,000 cars a day. "
    "Officials said the airport handled 12 million passengers in 2024, a record."
)


class Crash(BaseException):
    """A worker dying: not an Exception, so no handler in the code under test catches it."""


@dataclass
class CrashingContext(WorkerContext):
    crash_at: int = 0
    sessions: int = 0

    @contextmanager
    def session(self) -> Iterator[Session]:
        self.sessions += 1
        if self.sessions == self.crash_at:
            raise Crash(f"crash at session {self.sessions}")
        with super().session() as session:
            yield session


@pytest.fixture
def settings(tmp_path: Path, slack: SlackStandIn) -> Settings:
    from factdesk.db import migrate

    slack.add_channel(CHANNEL, "crash")
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{tmp_path / 'crash.db'}",
        var_dir=tmp_path,
        # Pacing would make every sweep step wait; it has its own test.
        slack_channel_burst=1000,
    )
    migrate(settings.resolved_database_url)
    return settings


def _article(ctx: WorkerContext, slack: SlackStandIn) -> tuple[int, str]:
    ts = slack.add_message(CHANNEL, "check this message", user="U0ANA")
    with ctx.session() as session:
        article, _ = articles.create(
            session=session,
            url=f"https://example.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}",
            team_id="T0CRASH",
            channel_id=CHANNEL,
            thread_ts=ts,
            message_ts=ts,
            requested_by="U0ANA",
            source=ArticleSource.MESSAGE,
            text=TEXT,
            title=render_thread.MESSAGE_TITLE,
        )
        return article.id, ts


def _keys(slack: SlackStandIn, ts: str) -> Counter[str]:
    keys: Counter[str] = Counter()
    for message in _replies(slack, ts):
        metadata: dict[str, Any] = message.get("metadata") or {}
        assert metadata.get("event_type") == EVENT_TYPE, message["text"]
        keys[str(metadata["event_payload"]["key"])] += 1
    return keys


def _replies(slack: SlackStandIn, ts: str) -> list[dict[str, Any]]:
    return [message for message in slack.thread(CHANNEL, ts) if message["ts"] != ts]


def _assert_complete(ctx: WorkerContext, slack: SlackStandIn, article_id: int, ts: str) -> None:
    keys = _keys(slack, ts)
    assert all(count == 1 for count in keys.values()), f"duplicates: {keys}"
    with ctx.session() as session:
        article = session.get(Article, article_id)
        assert article is not None
        assert article.state is ArticleState.DONE
        posted = {
            claim.id: claim.slack_ts
            for claim in session.scalars(select(Claim).where(Claim.article_id == article_id))
        }
        assert posted
        assert all(posted.values()), "every claim has its message"
        assert set(keys) == {f"summary:{article_id}"} | {f"claim:{i}" for i in posted}
        assert article.slack_summary_ts in {m["ts"] for m in slack.thread(CHANNEL, ts)}
        pending = session.scalars(select(SlackPost.key).where(SlackPost.ts.is_(None))).all()
        assert not pending, f"markers left pending: {pending}"


def test_a_crash_at_any_step_is_completed_by_the_rerun_without_duplicates(
    settings: Settings, slack: SlackStandIn
) -> None:
    clean = WorkerContext(settings)
    crash_at = 1
    while True:
        article_id, ts = _article(clean, slack)
        crashing = CrashingContext(settings, crash_at=crash_at)
        try:
            ingest.ingest_article(article_id, crashing)
        except Crash:
            ingest.ingest_article(article_id, clean)  # the redelivered task
            _assert_complete(clean, slack, article_id, ts)
            crash_at += 1
            continue
        _assert_complete(clean, slack, article_id, ts)
        break
    assert crash_at > 10, "the sweep covered every session of an ingest"


def test_claims_found_are_counted_once_however_often_the_task_runs(
    settings: Settings, slack: SlackStandIn
) -> None:
    ctx = WorkerContext(settings)
    article_id, _ = _article(ctx, slack)
    before = _claims_found()

    ingest.ingest_article(article_id, ctx)
    ingest.ingest_article(article_id, ctx)  # a redelivery

    with ctx.session() as session:
        stored = session.scalars(select(Claim.id).where(Claim.article_id == article_id)).all()
    assert stored
    assert _claims_found() - before == len(stored)


def _claims_found() -> float:
    return REGISTRY.get_sample_value("factdesk_claims_found_total") or 0.0


def test_a_link_that_cannot_be_fetched_is_counted_by_kind(
    settings: Settings, slack: SlackStandIn, pages: ArticleServer
) -> None:
    ctx = WorkerContext(settings)
    ts = slack.add_message(CHANNEL, "gone?", user="U0ANA")
    with ctx.session() as session:
        article, _ = articles.create(
            session=session,
            url=f"{pages.url}/status/404",
            team_id="T0CRASH",
            channel_id=CHANNEL,
            thread_ts=ts,
            message_ts=ts,
            requested_by="U0ANA",
        )
        article_id = article.id
    labels = {"kind": "http_error"}
    before = REGISTRY.get_sample_value("factdesk_fetch_failures_total", labels) or 0.0

    ingest.ingest_article(article_id, ctx)

    assert REGISTRY.get_sample_value("factdesk_fetch_failures_total", labels) == before + 1
    assert "wasn't found (HTTP 404)" in _replies(slack, ts)[-1]["text"]


def test_a_post_made_but_not_recorded_is_found_in_the_thread(
    settings: Settings, slack: SlackStandIn
) -> None:
    ctx = WorkerContext(settings)
    ts = slack.add_message(CHANNEL, "root", user="U0ANA")
    message = Message(text="one line")

    def die(session: Session, posted_ts: str) -> None:
        raise Crash("killed between the post and the commit of its ts")

    with pytest.raises(Crash):
        post_once(ctx, "line:1", CHANNEL, ts, message, on_posted=die)
    with ctx.session() as session:
        marker = session.scalar(select(SlackPost).where(SlackPost.key == "line:1"))
        assert marker is not None
        assert marker.ts is None, "the marker is left pending"
    posts_before = len(slack.calls_to("chat.postMessage"))

    found = post_once(ctx, "line:1", CHANNEL, ts, message)

    assert len(slack.calls_to("chat.postMessage")) == posts_before, "not posted again"
    assert [m["ts"] for m in _replies(slack, ts)] == [found]
    replies = slack.calls_to("conversations.replies")
    assert replies
    assert str(replies[-1].args.get("include_all_metadata")).lower() in {"1", "true"}


def test_a_pending_marker_without_a_post_is_posted_once(
    settings: Settings, slack: SlackStandIn
) -> None:
    ctx = WorkerContext(settings)
    ts = slack.add_message(CHANNEL, "root", user="U0ANA")
    with ctx.session() as session:
        session.add(SlackPost(key="line:2", channel_id=CHANNEL, thread_ts=ts, ts=None))

    first = post_once(ctx, "line:2", CHANNEL, ts, Message(text="two"))
    second = post_once(ctx, "line:2", CHANNEL, ts, Message(text="two"))

    assert first == second
    assert len(_replies(slack, ts)) == 1


def test_permanent_slack_errors_are_not_transient(settings: Settings, slack: SlackStandIn) -> None:
    ctx = WorkerContext(settings)
    ts = slack.add_message(CHANNEL, "root", user="U0ANA")
    slack.fail_next("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackPostFailed) as permanent:
        post_once(ctx, "line:3", CHANNEL, ts, Message(text="three"))
    assert not permanent.value.transient
    assert not ingest.transient(permanent.value)


def test_a_batch_marks_every_message_pending_in_one_transaction(
    settings: Settings, slack: SlackStandIn
) -> None:
    ctx = CrashingContext(settings)
    ts = slack.add_message(CHANNEL, "root", user="U0ANA")
    batch = [Outgoing(f"line:b{i}", Message(text=f"line {i}")) for i in range(12)]

    posted = post_all_once(ctx, CHANNEL, ts, batch)

    assert [m["ts"] for m in _replies(slack, ts)] == posted
    # One look for markers, one commit of all twelve, then one record per post: the
    # single-message path took four sessions per message.
    assert ctx.sessions == 2 + len(batch)


def test_a_batch_cut_short_reads_the_thread_once_and_posts_the_rest(
    settings: Settings, slack: SlackStandIn
) -> None:
    ts = slack.add_message(CHANNEL, "root", user="U0ANA")
    batch = [Outgoing(f"line:c{i}", Message(text=f"line {i}")) for i in range(5)]
    # Sessions 1 and 2 look and mark; 3 to 5 record the first three posts; 6 dies between
    # the fourth post and its record.
    with pytest.raises(Crash):
        post_all_once(CrashingContext(settings, crash_at=6), CHANNEL, ts, batch)
    assert len(_replies(slack, ts)) == 4
    reads_before = len(slack.calls_to("conversations.replies"))

    posted = post_all_once(WorkerContext(settings), CHANNEL, ts, batch)

    assert [m["ts"] for m in _replies(slack, ts)] == posted, "each line once, in order"
    assert len(slack.calls_to("conversations.replies")) == reads_before + 1
    with WorkerContext(settings).session() as session:
        pending = session.scalars(select(SlackPost.key).where(SlackPost.ts.is_(None))).all()
    assert pending == []
