"""The article run lease: one run at a time, renewed while held, lapsing when abandoned."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import redis

from factdesk.settings import Settings
from workers import locks
from workers.locks import article_lease, redis_url


@pytest.fixture
def settings(broker_url: str, tmp_path: Path) -> Settings:
    return Settings(redis_url=broker_url, var_dir=tmp_path)


def test_a_second_run_waits_for_the_first_then_gets_the_lease(settings: Settings) -> None:
    order: list[str] = []
    first_holds = threading.Event()

    def first() -> None:
        with article_lease(settings, 9001, wait=0) as held:
            assert held
            first_holds.set()
            time.sleep(0.6)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    first_holds.wait(5)
    with article_lease(settings, 9001, wait=5) as held:
        order.append("second runs")
        assert held
    thread.join()
    assert order == ["first done", "second runs"]


def test_a_run_still_going_after_the_wait_is_reported(settings: Settings) -> None:
    with article_lease(settings, 9002, wait=0) as held:
        assert held
        with article_lease(settings, 9002, wait=0.3) as second:
            assert not second
    with article_lease(settings, 9002, wait=0) as held:
        assert held, "released on exit"


def test_the_lease_is_renewed_while_its_run_lasts(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "LEASE_SECONDS", 0.6)
    with article_lease(settings, 9003, wait=0) as held:
        assert held
        time.sleep(1.5)  # more than twice the lease: only renewal keeps it
        with article_lease(settings, 9003, wait=0) as second:
            assert not second


def test_an_abandoned_lease_lapses(settings: Settings) -> None:
    # What a run killed with kill -9 leaves: the key, and nobody renewing it.
    client = redis.Redis.from_url(redis_url(settings.resolved_redis_url))
    client.set("factdesk:article-run:9004", "dead-run", px=500)
    with article_lease(settings, 9004, wait=0) as held:
        assert not held
    with article_lease(settings, 9004, wait=3) as held:
        assert held
