"""Connection pools sized per process: by DB_POOL_SIZE, or by what the process asked for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, QueuePool
from sqlalchemy.pool import NullPool

from factdesk import db

POSTGRES = "postgresql+psycopg://factdesk@127.0.0.1:1/nowhere"  # never connected to


@pytest.fixture(autouse=True)
def _process_defaults(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts as a process that has not sized its pool, and leaves it so."""
    for name in ("DB_POOL_SIZE", "DB_MAX_OVERFLOW", "DB_POOL_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(db, "_process_threads", None)
    yield
    db._engines.clear()
    db.session_factory.cache_clear()


def _queue_pool(engine: Engine) -> QueuePool:
    assert isinstance(engine.pool, QueuePool)
    return engine.pool


def test_unsized_processes_get_the_default_pool() -> None:
    pool = _queue_pool(db.make_engine(POSTGRES))

    assert pool.size() == db.DEFAULT_POOL_SIZE
    assert pool._max_overflow == 20
    assert pool._timeout == 10.0


def test_a_process_sizes_its_pool_for_its_threads() -> None:
    db.size_pool(24)

    assert _queue_pool(db.make_engine(POSTGRES)).size() == 24


def test_the_setting_wins_over_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "1")
    monkeypatch.setenv("DB_POOL_TIMEOUT_SECONDS", "2.5")
    db.size_pool(24)

    pool = _queue_pool(db.make_engine(POSTGRES))

    assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 1, 2.5)


def test_sizing_replaces_the_engines_already_made(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    before = db.engine_for(url)
    assert _queue_pool(before).size() == db.DEFAULT_POOL_SIZE

    db.size_pool(2)

    after = db.engine_for(url)
    assert after is not before
    assert _queue_pool(after).size() == 2
    assert db.engine_for(url) is after  # one engine per URL per process


def test_an_explicit_pool_class_is_left_alone() -> None:
    assert isinstance(db.make_engine(POSTGRES, poolclass=NullPool).pool, NullPool)


def test_in_memory_sqlite_keeps_its_own_pool() -> None:
    # One connection is the whole in-memory database; sizing it would make several.
    assert not isinstance(db.make_engine("sqlite://").pool, QueuePool)


def test_threads_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        db.size_pool(0)
