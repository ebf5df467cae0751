"""Locks shared by every worker process, on the broker's Redis."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache

import redis
from redis.exceptions import LockError, RedisError

from factdesk.settings import Settings

# Long enough for a summary redraw under Slack's rate limits; short enough that a worker
# killed while holding the lock only stalls that article briefly.
LOCK_TIMEOUT = 60.0
WAIT_TIMEOUT = 90.0
# A run's lease on its article lapses this long after the run stops renewing it, so a run
# killed mid-way (kill -9, a lost machine) holds up the next one only briefly.
LEASE_SECONDS = 15.0

log = logging.getLogger(__name__)


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


@contextmanager
def article_lease(settings: Settings, article_id: int, *, wait: float) -> Iterator[bool]:
    """Hold the article's run lease, renewed while held; yields False if another run still
    had it after `wait` seconds.

    Redis redelivers a task whose run outlasts the broker's visibility timeout while that
    run is still going; the lease keeps the second delivery from posting beside the first.
    """
    lease = _client(settings.resolved_redis_url).lock(
        f"factdesk:article-run:{article_id}",
        timeout=LEASE_SECONDS,
        sleep=0.25,
        blocking_timeout=wait,
        thread_local=False,
    )
    if not lease.acquire():
        yield False
        return
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(LEASE_SECONDS / 3):
            try:
                lease.reacquire()
            except (LockError, RedisError) as exc:
                log.warning("article lease lost article_id=%s: %r", article_id, exc)
                return

    renewer = threading.Thread(target=renew, name=f"lease-{article_id}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        stop.set()
        renewer.join()
        with suppress(LockError, RedisError):
            lease.release()


@contextmanager
def held_unless_taken(settings: Settings, name: str, *, seconds: float) -> Iterator[bool]:
    """Hold a lock named `name` for up to `seconds`; yields False at once if another
    worker holds it, for periodic work that one worker at a time is enough for."""
    lock = _client(settings.resolved_redis_url).lock(
        f"factdesk:{name}", timeout=seconds, thread_local=False
    )
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            with suppress(LockError, RedisError):
                lock.release()
