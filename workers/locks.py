"""Locks shared by every worker process, on the broker's Redis."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache

import redis
from redis.exceptions import LockError

from factdesk.settings import Settings

# Long enough for a summary redraw under Slack's rate limits; short enough that a worker
# killed while holding the lock only stalls that article briefly.
LOCK_TIMEOUT = 60.0
WAIT_TIMEOUT = 90.0


def redis_url(broker_url: str) -> str:
    """The broker URL as redis-py spells it (Celery's `redis+socket://` is `unix://`)."""
    if broker_url.startswith("redis+socket://"):
        return "unix://" + broker_url.removeprefix("redis+socket://")
    return broker_url


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url(url))


@contextmanager
def article_lock(settings: Settings, article_id: int) -> Iterator[bool]:
    """Hold the article's lock while its thread is redrawn; yields False if it timed out.

    Waiting too long is logged by the caller and the work done anyway: a tally that may be
    briefly off is better than a task message that never updates.
    """
    lock = _client(settings.resolved_redis_url).lock(
        f"factdesk:article:{article_id}",
        timeout=LOCK_TIMEOUT,
        blocking_timeout=WAIT_TIMEOUT,
        thread_local=False,
    )
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            # It may have expired while held, and someone else may own it now.
            with suppress(LockError):
                lock.release()
