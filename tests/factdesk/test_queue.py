"""The task queue: a send made inside a session goes to the broker when the session commits,
never when it rolls back; outside a session it goes at once."""

from __future__ import annotations

import contextvars
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from factdesk import logs
from factdesk.db import engine_for, migrate, session_scope
from factdesk.embedded_redis import EmbeddedRedis
from factdesk.models import Article
from factdesk.queue import (
    EVENT_ID_HEADER,
    POST_NEW_CLAIMS,
    PRUNE_RECEIPTS,
    SYNC_CLAIM,
    QueueUnavailable,
    TaskQueue,
    create_celery,
    create_patient_celery,
)
from factdesk.settings import Settings
from tests import factories
from tests.conftest import System


class Broker:
    """A Redis of its own with no worker on it, so a sent task stays there to be read."""

    def __init__(self, settings: Settings, redis: EmbeddedRedis) -> None:
        self.settings = settings
        self.url = settings.resolved_database_url
        self.celery = create_celery(settings)
        self.redis = redis

    def stop(self) -> None:
        """Take the broker away, as a Redis restart or outage would."""
        self.redis.stop()

    def waiting(self) -> list[dict[str, Any]]:
        """The messages on the queue, oldest first: their headers and their args."""
        with self.celery.connection_for_read() as connection:
            channel: Any = connection.default_channel  # kombu's Redis channel
            raw = channel.client.lrange("celery", 0, -1)
        messages = [json.loads(item) for item in reversed(raw)]
        return [
            {"task": m["headers"]["task"], "headers": m["headers"], "args": _args(m)}
            for m in messages
        ]


def _args(message: dict[str, Any]) -> list[Any]:
    import base64

    body = json.loads(base64.b64decode(message["body"]))
    return list(body[0])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    with EmbeddedRedis(tmp_path / "redis.sock") as redis:
        settings = Settings(
            redis_url=redis.url,
            database_url=f"sqlite:///{tmp_path / 'factdesk.db'}",
            var_dir=tmp_path,
        )
        migrate(settings.resolved_database_url)
        yield Broker(settings, redis)


def test_a_send_outside_a_session_goes_at_once(broker: Broker) -> None:
    TaskQueue(broker.celery).sync_claim(7, None)

    assert [(m["task"], m["args"]) for m in broker.waiting()] == [(SYNC_CLAIM, [7, None])]


def test_a_send_inside_a_session_waits_for_its_commit(broker: Broker) -> None:
    queue = TaskQueue(broker.celery)

    with session_scope(broker.settings.resolved_database_url) as session:
        factories.bind(session)
        article = factories.article()
        queue.post_new_claims(article.id)
        assert broker.waiting() == []  # the row is not committed yet

    assert [(m["task"], m["args"]) for m in broker.waiting()] == [(POST_NEW_CLAIMS, [article.id])]
    with session_scope(broker.settings.resolved_database_url) as session:
        assert session.get(Article, article.id) is not None


def test_a_send_inside_a_session_that_rolls_back_is_dropped(broker: Broker) -> None:
    queue = TaskQueue(broker.celery)

    def store_send_and_fail() -> None:
        with session_scope(broker.settings.resolved_database_url) as session:
            factories.bind(session)
            queue.post_new_claims(factories.article().id)
            raise RuntimeError("the listener failed after the send")

    with pytest.raises(RuntimeError):
        store_send_and_fail()

    assert broker.waiting() == []
    with session_scope(broker.settings.resolved_database_url) as session:
        assert session.scalars(select(Article)).all() == []


def sent(broker: Broker) -> list[int]:
    """The claim ids of the `sync_claim` tasks on the queue, oldest first."""
    return [m["args"][0] for m in broker.waiting()]


def test_a_send_in_a_savepoint_goes_with_the_commit_if_released_and_drops_if_rolled_back(
    broker: Broker,
) -> None:
    # Services write row by row in savepoints to skip duplicates; a send about a row whose
    # savepoint rolled back names a row that never existed.
    queue = TaskQueue(broker.celery)

    with session_scope(broker.url) as session:
        queue.sync_claim(1, None)
        with session.begin_nested():
            queue.sync_claim(2, None)
        assert sent(broker) == []  # a savepoint's release is not the commit

        def skip_a_duplicate() -> None:
            with session.begin_nested():
                queue.sync_claim(3, None)
                raise RuntimeError("a duplicate row")

        with pytest.raises(RuntimeError):
            skip_a_duplicate()
        savepoint = session.begin_nested()
        queue.sync_claim(4, None)
        savepoint.rollback()
        with session.begin_nested():
            queue.sync_claim(5, None)
            inner = session.begin_nested()
            queue.sync_claim(6, None)
            inner.rollback()
        queue.sync_claim(7, None)

    assert sent(broker) == [1, 2, 5, 7]


def test_a_released_savepoint_s_sends_drop_when_the_session_rolls_back(broker: Broker) -> None:
    queue = TaskQueue(broker.celery)

    def release_then_fail() -> None:
        with session_scope(broker.url) as session:
            with session.begin_nested():
                queue.sync_claim(1, None)
            raise RuntimeError("the listener failed after the savepoint")

    with pytest.raises(RuntimeError):
        release_then_fail()

    assert sent(broker) == []


def test_a_send_before_a_commit_in_the_block_goes_even_if_the_block_then_fails(
    broker: Broker,
) -> None:
    queue = TaskQueue(broker.celery)

    def commit_then_fail() -> None:
        with session_scope(broker.url) as session:
            queue.sync_claim(1, None)
            session.commit()
            queue.sync_claim(2, None)
            raise RuntimeError("the block failed after its first commit")

    with pytest.raises(RuntimeError):
        commit_then_fail()

    assert sent(broker) == [1]


def test_a_nested_session_s_sends_wait_for_the_outermost_session(broker: Broker) -> None:
    # A send in the inner block may name rows only the outer one wrote: it must not reach a
    # worker before the outer block commits them.
    queue = TaskQueue(broker.celery)

    with session_scope(broker.url):
        queue.sync_claim(1, None)
        with session_scope(broker.url):
            queue.sync_claim(2, None)
        assert sent(broker) == []
        queue.sync_claim(3, None)

    assert sent(broker) == [1, 2, 3]


def test_a_nested_session_that_committed_still_sends_when_the_outer_one_rolls_back(
    broker: Broker,
) -> None:
    # The inner block's rows are committed; dropping its sends would leave them unworked.
    queue = TaskQueue(broker.celery)

    def commit_inner_then_fail() -> None:
        with session_scope(broker.url):
            queue.sync_claim(1, None)
            with session_scope(broker.url):
                queue.sync_claim(2, None)
            raise RuntimeError("the outer block failed")

    with pytest.raises(RuntimeError):
        commit_inner_then_fail()

    assert sent(broker) == [2]


def test_a_nested_session_that_rolls_back_drops_only_its_own_sends(broker: Broker) -> None:
    queue = TaskQueue(broker.celery)

    def send_and_fail() -> None:
        with session_scope(broker.url):
            queue.sync_claim(2, None)
            raise RuntimeError("the inner block failed")

    with session_scope(broker.url):
        queue.sync_claim(1, None)
        with pytest.raises(RuntimeError):
            send_and_fail()

    assert sent(broker) == [1]


def test_a_session_open_in_another_thread_holds_none_of_this_thread_s_sends(
    broker: Broker,
) -> None:
    # A thread pool that runs its tasks in a copy of the submitter's context (bot/app.py's
    # ContextThreadPoolExecutor) sees the submitter's open sessions in that copy.
    queue = TaskQueue(broker.celery)

    def send_alone() -> None:
        queue.sync_claim(1, None)

    def send_in_own_session() -> None:
        with session_scope(broker.url):
            queue.sync_claim(2, None)
            assert sent(broker) == [1]
        queue.sync_claim(3, None)

    with session_scope(broker.url):
        queue.sync_claim(4, None)
        for work in (send_alone, send_in_own_session):
            thread = threading.Thread(target=contextvars.copy_context().run, args=(work,))
            thread.start()
            thread.join()
        assert sent(broker) == [1, 2, 3]

    assert sent(broker) == [1, 2, 3, 4]


def test_a_send_that_fails_after_the_commit_raises_its_own_error(broker: Broker) -> None:
    # It used to fail inside SQLAlchemy's commit, and the rollback that followed turned it
    # into "InvalidRequestError: This session is in 'committed' state".
    celery = create_patient_celery(broker.settings)
    celery.patience = 0.5  # type: ignore[attr-defined]
    # Kombu's own retries (publishing, then connecting) would take seconds more.
    celery.conf.task_publish_retry = False
    options = celery.conf.broker_transport_options
    celery.conf.broker_transport_options = {**options, "max_retries": 0}
    queue = TaskQueue(celery)

    stored: list[int] = []

    def store_send_and_lose_the_broker() -> None:
        with session_scope(broker.url) as session:
            factories.bind(session)
            stored.append(factories.article().id)
            queue.post_new_claims(stored[0])
            broker.stop()

    with pytest.raises(QueueUnavailable):
        store_send_and_lose_the_broker()

    with session_scope(broker.url) as session:
        assert session.get(Article, stored[0]) is not None  # the commit stands


class _NotingConnections(TaskQueue):
    """Notes how many database connections are checked out when each send goes."""

    def __init__(self, celery: Any, url: str) -> None:
        super().__init__(celery)
        self.engine = engine_for(url)
        self.checked_out: list[int] = []

    def send_now(self, name: str, args: Any, *, countdown: float | None = None) -> None:
        pool: Any = self.engine.pool  # a QueuePool: the file database has one
        self.checked_out.append(pool.checkedout())
        super().send_now(name, args, countdown=countdown)


def test_held_sends_go_once_the_session_has_given_its_connection_back(broker: Broker) -> None:
    # The bot's queue waits out a broker restart for up to 20 s; a connection held that long
    # is one the other request threads cannot have.
    queue = _NotingConnections(broker.celery, broker.url)

    with session_scope(broker.url) as session:
        factories.bind(session)
        queue.post_new_claims(factories.article().id)

    assert queue.checked_out == [0]
    assert [m["task"] for m in broker.waiting()] == [POST_NEW_CLAIMS]


def test_a_task_sent_for_an_event_carries_the_event_id(broker: Broker) -> None:
    # The worker's log lines name the event behind a task (workers/app.py reads it back).
    with logs.bound(event_id="Ev0CARRIED"):
        TaskQueue(broker.celery).send(PRUNE_RECEIPTS)

    [message] = broker.waiting()
    assert message["headers"][EVENT_ID_HEADER] == "Ev0CARRIED"


CHANNEL = "C0QUEUE"
HELD_CLAIM = "The ministry said 4,100 homes were connected to the grid in 2024."
MARKER_USER = "U0QUEUEMARK"


def _sent_at_once(send: Callable[[], None]) -> None:
    """`send` from a thread of its own, where no session is open, so it goes at once."""
    thread = threading.Thread(target=send)
    thread.start()
    thread.join()


@pytest.mark.scenario
def test_the_worker_finds_the_rows_a_send_names_because_it_waits_for_the_commit(
    system: System,
) -> None:
    system.slack.add_channel(CHANNEL, "queue")
    system.slack.add_user(MARKER_USER, "queuemark")
    root = system.slack.add_message(CHANNEL, "Grid figures for the year", user="U0ANA")
    queue = TaskQueue(create_celery(system.settings))

    with system.session() as session:
        factories.bind(session)
        article = factories.article(slack_channel_id=CHANNEL, slack_thread_ts=root)
        factories.claim(article=article, text=HELD_CLAIM, rank=1)
        queue.post_new_claims(article.id)
        # Had that gone at once, the worker would have taken it before this marker sent
        # after it, found no article (it is not committed) and posted nothing.
        _sent_at_once(lambda: queue.publish_home(article.slack_team_id, MARKER_USER))
        system.slack.wait_for(lambda s: bool(s.home_view(MARKER_USER)), timeout=60)
        time.sleep(1)

    def posted(slack: Any) -> bool:
        return any(HELD_CLAIM in m["text"] for m in slack.thread(CHANNEL, root))

    system.slack.wait_for(posted, timeout=60)
