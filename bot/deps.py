"""Typed access to what `create_app` puts in each request's context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt import BoltContext
from sqlalchemy.orm import Session

from factdesk.db import session_scope
from factdesk.queue import TaskQueue
from factdesk.settings import Settings


def settings(context: BoltContext) -> Settings:
    value = context["settings"]
    assert isinstance(value, Settings)
    return value


def queue(context: BoltContext) -> TaskQueue:
    value = context["queue"]
    assert isinstance(value, TaskQueue)
    return value


@contextmanager
def session(context: BoltContext) -> Iterator[Session]:
    """A session that commits when the block ends; a task sent inside it goes after that.

    Listeners store inside it, ack after it, and only then send their tasks, outside it:
    the rows are committed, so the send goes at once, and the queue's patient wait for a
    restarting broker (up to 20 s) comes after the ack, never in the way of Slack's 3 s.
    """
    with session_scope(settings(context).resolved_database_url) as db:
        yield db
