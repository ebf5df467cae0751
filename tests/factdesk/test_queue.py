"""The task queue: a send made inside a session goes to the broker when the session commits,
never when it rolls back; outside a session it goes at once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from factdesk import logs
from factdesk.db import migrate, session_scope
from factdesk.embedded_redis import EmbeddedRedis
from factdesk.models import Article
from factdesk.queue import (
    EVENT_ID_HEADER,
    POST_NEW_CLAIMS,
    PRUNE_RECEIPTS,
    SYNC_CLAIM,
    TaskQueue,
    create_celery,
)
from factdesk.settings import Settings
from tests import factories
from tests.conftest import System


class Broker:
    """A Redis of its own with no worker on it, so a sent task stays there to be read."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.celery = create_celery(settings)

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
        yield Broker(settings)


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


def test_a_savepoint_inside_the_session_neither_sends_nor_drops(broker: Broker) -> None:
    queue = TaskQueue(broker.celery)

    with session_scope(broker.settings.resolved_database_url) as session:
        queue.sync_claim(1, None)
        with session.begin_nested():
            queue.sync_claim(2, None)
        assert broker.waiting() == []  # a savepoint's release is not the commit
        savepoint = session.begin_nested()
        savepoint.rollback()

    assert [m["args"] for m in broker.waiting()] == [[1, None], [2, None]]


def test_each_session_holds_its_own_sends(broker: Broker) -> None:
    queue = TaskQueue(broker.celery)
    url = broker.settings.resolved_database_url

    with session_scope(url):
        queue.sync_claim(1, None)
        with session_scope(url):
            queue.sync_claim(2, None)
        assert [m["args"] for m in broker.waiting()] == [[2, None]]

    assert [m["args"] for m in broker.waiting()] == [[2, None], [1, None]]


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
