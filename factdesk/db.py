"""Engines, sessions and migrations."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)


# Threads of this process that may each hold a session at once, when its entry point
# said (size_pool); None: the settings alone decide.
_process_threads: int | None = None
DEFAULT_POOL_SIZE = 10


def size_pool(threads: int) -> None:
    """Size this process's pools for `threads` threads that may each hold a session.

    The bot calls it with its request threads plus Bolt's listener threads, a worker
    child with its task concurrency. DB_POOL_SIZE, when set, still wins. Engines made
    before the call are closed, so the next session uses the new size.
    """
    global _process_threads
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    with _engines_lock:
        _process_threads = threads
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
    session_factory.cache_clear()


def pool_limits() -> dict[str, Any]:
    """Pool size, overflow and timeout for this process's engines."""
    from factdesk.settings import Settings  # settings import nothing from here

    settings = Settings()
    size = settings.db_pool_size or _process_threads or DEFAULT_POOL_SIZE
    return {
        "pool_size": size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
    }


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the per-dialect settings Factdesk relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = not parsed.database or parsed.database == ":memory:"
        if not in_memory:
            Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
            if kwargs.get("poolclass") is None:
                for key, value in pool_limits().items():
                    kwargs.setdefault(key, value)
        # The bot and several worker processes share one file: wait for locks instead of
        # failing with "database is locked".
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if kwargs.get("poolclass") is None:
        for key, value in pool_limits().items():
            kwargs.setdefault(key, value)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    """One engine (and so one pool) per URL per process."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


@cache
def session_factory(url: str) -> sessionmaker[Session]:
    """The session factory for a database URL, shared by the whole process."""
    return sessionmaker(engine_for(url), expire_on_commit=False)


# The sessions `session_scope` has open in this context, innermost last.
_open_sessions: contextvars.ContextVar[tuple[Session, ...]] = contextvars.ContextVar(
    "factdesk_open_sessions", default=()
)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = session_factory(url)()
    opened = _open_sessions.set((*_open_sessions.get(), session))
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _open_sessions.reset(opened)
        session.close()


def open_session() -> Session | None:
    """The innermost `session_scope` session open in this context, if any."""
    sessions = _open_sessions.get()
    return sessions[-1] if sessions else None


_AFTER_COMMIT = "factdesk_after_commit"


def after_commit(session: Session, call: Callable[[], None]) -> None:
    """Run `call` once `session`'s outermost transaction commits; never, if it rolls back
    or the session closes without committing. Savepoints inside make no difference."""
    session.info.setdefault(_AFTER_COMMIT, []).append(call)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction may still roll back
    calls = session.info.pop(_AFTER_COMMIT, [])
    for done, call in enumerate(calls):
        try:
            call()
        except BaseException:
            # The rest would most likely fail the same way; the caller hears of the first.
            if len(calls) - done > 1:
                log.warning("%s calls after the commit not made", len(calls) - done - 1)
            raise


@event.listens_for(Session, "after_transaction_end")
def _forget_after_commit(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # Committed (already run) or rolled back (never to run).
        session.info.pop(_AFTER_COMMIT, None)


def insert_skipping_duplicates(session: Session) -> Callable[[Any], Any] | None:
    """The session's dialect's `insert`, which takes ON CONFLICT DO NOTHING; None where the
    database has none (the caller then writes row by row in savepoints)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(
        session.get_bind().dialect.name
    )


def alembic_config(url: str) -> Config:
    """Alembic configured in code, so migrations run from an installed package too."""
    # Imported here: with mako and its templates it is ~9 MB that only migrating needs,
    # in every bot and worker process otherwise.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
