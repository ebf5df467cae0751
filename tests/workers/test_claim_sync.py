"""sync_claim against the Slack stand-in: task redrawn, one thread line, right tally."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from factdesk.db import migrate, session_scope
from factdesk.models import ClaimStatus, SlackPost
from factdesk.render import thread as render_thread
from factdesk.services import claims
from factdesk.settings import Settings
from standin.slack_api import SlackStandIn
from tests import factories
from workers.claim_sync import sync_claim
from workers.context import WorkerContext
from workers.locks import redis_url
from workers.summary import summary_message

CHANNEL = "C0SYNC"
ANA = claims.Actor("U0ANA")


@dataclass
class Thread:
    ctx: WorkerContext
    slack: SlackStandIn
    article_id: int
    summary_ts: str
    thread_ts: str
    claim_ids: list[int]
    task_ts: list[str]

    def lines(self) -> list[str]:
        """The thread's replies other than the summary and the tasks."""
        skip = {self.summary_ts, *self.task_ts}
        return [
            m["text"] for m in self.slack.thread(CHANNEL, self.thread_ts) if m["ts"] not in skip
        ]

    def text(self, ts: str) -> str:
        return str(self.slack.message(CHANNEL, ts)["blocks"])


@pytest.fixture(scope="module")
def ctx(
    slack: SlackStandIn, broker_url: str, tmp_path_factory: pytest.TempPathFactory
) -> WorkerContext:
    var: Path = tmp_path_factory.mktemp("sync")
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{var / 'factdesk.db'}",
        redis_url=broker_url,
        var_dir=var,
    )
    migrate(settings.resolved_database_url)
    slack.add_channel(CHANNEL, "sync")
    return WorkerContext(settings)


@pytest.fixture
def thread(ctx: WorkerContext, slack: SlackStandIn) -> Thread:
    """An article with two posted claim tasks and a summary, as ingest leaves them."""
    root = slack.add_message(CHANNEL, "<https://news.example/story>", user="U0ANA")
    with session_scope(ctx.settings.resolved_database_url) as session:
        factories.bind(session)
        article = factories.article(slack_channel_id=CHANNEL, slack_thread_ts=root)
        found = factories.claims(2, article=article)
        posted = ctx.slack.chat_postMessage(
            channel=CHANNEL, thread_ts=root, text=summary_message(session, article).text
        )
        article.slack_summary_ts = posted["ts"]
        for number, claim in enumerate(found, start=1):
            task = render_thread.claim_task(claim, number=number, total=2)
            claim.slack_ts = ctx.slack.chat_postMessage(
                channel=CHANNEL, thread_ts=root, text=task.text, blocks=task.blocks
            )["ts"]
        return Thread(
            ctx=ctx,
            slack=slack,
            article_id=article.id,
            summary_ts=posted["ts"],
            thread_ts=root,
            claim_ids=[c.id for c in found],
            task_ts=[str(c.slack_ts) for c in found],
        )


def _change(ctx: WorkerContext, claim_id: int, status: ClaimStatus) -> int:
    with session_scope(ctx.settings.resolved_database_url) as session:
        change = claims.set_verdict(
            session=session,
            claim_id=claim_id,
            actor=ANA,
            status=status,
            note="The ministry's figure is 1,500, not 15,000.",
            evidence_urls=["https://gov.example/figures", "https://archive.example/x"],
            evidence_required_for=set(),
        )
        assert change.event is not None
        return change.event.id


def test_a_verdict_redraws_the_task_announces_once_and_updates_the_tally(thread: Thread) -> None:
    claim_id, task_ts = thread.claim_ids[0], thread.task_ts[0]
    event_id = _change(thread.ctx, claim_id, ClaimStatus.DISPUTED)

    sync_claim(claim_id, event_id, thread.ctx)
    sync_claim(claim_id, event_id, thread.ctx)  # Celery may deliver a task twice

    task = thread.text(task_ts)
    assert ":x: Disputed by <@U0ANA>" in task
    assert "The ministry's figure is 1,500" in task
    assert "<https://gov.example/figures|gov.example>" in task
    assert thread.lines() == [
        ":x: <@U0ANA> marked claim 1 *Disputed*: The ministry's figure is 1,500, not 15,000. "
        "(2 evidence links)"
    ]
    assert "1 of 2 checked" in thread.slack.message(CHANNEL, thread.summary_ts)["text"]
    with session_scope(thread.ctx.settings.resolved_database_url) as session:
        post = session.scalars(select(SlackPost).where(SlackPost.key == f"event:{event_id}")).one()
        assert post.channel_id == CHANNEL


def test_a_plain_claim_shows_on_the_task_without_a_thread_line(thread: Thread) -> None:
    claim_id = thread.claim_ids[1]
    with session_scope(thread.ctx.settings.resolved_database_url) as session:
        change = claims.claim_task(session=session, claim_id=claim_id, user_id="U0BEN")
        assert change.event is not None
        event_id = change.event.id

    sync_claim(claim_id, event_id, thread.ctx)

    assert "Claimed by <@U0BEN>" in thread.text(thread.task_ts[1])
    assert thread.lines() == []
    assert "1 claimed" in str(thread.slack.message(CHANNEL, thread.summary_ts)["blocks"])


def test_two_changes_landing_together_both_reach_the_summary(thread: Thread) -> None:
    events = [
        _change(thread.ctx, thread.claim_ids[0], ClaimStatus.CONFIRMED),
        _change(thread.ctx, thread.claim_ids[1], ClaimStatus.UNVERIFIED),
    ]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(claim_id: int, event_id: int) -> None:
        barrier.wait()
        try:
            sync_claim(claim_id, event_id, thread.ctx)
        except BaseException as exc:  # surfaced by the assertion below
            failures.append(exc)

    workers = [
        threading.Thread(target=run, args=pair)
        for pair in zip(thread.claim_ids, events, strict=True)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert failures == []
    summary = str(thread.slack.message(CHANNEL, thread.summary_ts)["blocks"])
    assert "2 of 2 checked" in summary
    assert "1 confirmed" in summary
    assert "1 unverified" in summary
    assert len(thread.lines()) == 2


def test_slack_refusing_the_update_is_logged_not_raised(
    thread: Thread, caplog: pytest.LogCaptureFixture
) -> None:
    claim_id = thread.claim_ids[0]
    event_id = _change(thread.ctx, claim_id, ClaimStatus.DISPUTED)
    thread.slack.fail_next("chat.update", "message_not_found")

    sync_claim(claim_id, event_id, thread.ctx)

    assert "task not updated" in caplog.text
    assert len(thread.lines()) == 1, "the rest of the sync still happens"


def test_redis_py_spells_the_embedded_socket_url() -> None:
    assert redis_url("redis+socket:///var/redis.sock") == "unix:///var/redis.sock"
    assert redis_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
