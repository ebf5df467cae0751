"""Engines, sessions and migrations."""

from __future__ import annotations

import contextvars
import itertools
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


# The sessions `session_scope` has open in this context, innermost last. A thread pool
# that runs its tasks in a copy of the submitter's context (bot/app.py) copies this too, so
# each session also records the thread that opened it (_OWNER) and other threads skip it.
_open_sessions: contextvars.ContextVar[tuple[Session, ...]] = contextvars.ContextVar(
    "factdesk_open_sessions", default=()
)

# Keys in `Session.info`: the thread whose `session_scope` has the session open; the calls
# waiting for a commit, each with the transaction (or savepoint) it was made in; the calls
# whose commit has happened, to make once the scope is over.
_OWNER = "factdesk_owner_thread"
_HELD = "factdesk_held"
_READY = "factdesk_ready"

# Orders the calls a scope makes: a nested scope's calls join the outer one's, and all go
# in the order they were asked for.
_sequence = itertools.count()

Call = Callable[[], None]


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error, then makes the calls
    `after_commit` held for it."""
    session = session_factory(url)()
    session.info[_OWNER] = threading.get_ident()
    opened = _open_sessions.set((*_open_sessions.get(), session))
    try:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        else:
            session.commit()
        finally:
            _open_sessions.reset(opened)
            del session.info[_OWNER]
            session.close()
    except BaseException:
        # Calls whose commit happened anyway (a nested scope's, say) still go; the caller
        # hears of its own error, not of theirs.
        _make(session.info.pop(_READY, []), quietly=True)
        raise
    # Made here, after `commit()` has returned and `close()` has given the connection back,
    # not in SQLAlchemy's `after_commit` hook, which runs inside `commit()`: a call raising
    # there (the broker gone) made a commit that had happened look failed (and a rollback
    # on the committed session then hid the real error), and the queue's patient wait for
    # a restarting broker (up to 20 s) held a pooled connection meanwhile. A call held
    # before an explicit `session.commit()` in the block goes here too, once it ends.
    _make(session.info.pop(_READY, []), quietly=False)


def open_session() -> Session | None:
    """The innermost `session_scope` session this thread has open, if any."""
    me = threading.get_ident()
    for session in reversed(_open_sessions.get()):
        if session.info.get(_OWNER) == me:
            return session
    return None


def after_commit(session: Session, call: Call) -> None:
    """Have `session_scope` make `call` once `session` (a session it opened) has committed
    and closed; never, if the transaction rolls back, or the savepoint open now rolls back.

    In a scope nested in another of the same thread, the call waits for the outermost
    scope to end: it may be about rows the outer scope wrote. It still goes if the outer
    scope rolls back, as the rows its own scope committed are there to work on.
    """
    if _OWNER not in session.info:
        raise ValueError("after_commit needs a session that session_scope has open")
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_HELD, []).append((transaction, next(_sequence), call))


def _make(ready: list[tuple[int, Call]], *, quietly: bool) -> None:
    """Make the calls of a scope that has ended, or pass them to the scope around it."""
    if not ready:
        return
    outer = open_session()
    if outer is not None:
        outer.info.setdefault(_READY, []).extend(ready)
        return
    calls = [call for _, call in sorted(ready, key=lambda item: item[0])]
    for done, call in enumerate(calls):
        try:
            call()
        except BaseException:
            # The rest would most likely fail the same way; the caller hears of the first.
            if len(calls) - done > 1:
                log.warning("%s calls after the commit not made", len(calls) - done - 1)
            if not quietly:
                raise
            log.exception("call after the commit failed while another error propagated")
            return


@event.listens_for(Session, "after_commit")
def _commit_held(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    held = session.info.pop(_HELD, None)
    if held:
        session.info.setdefault(_READY, []).extend((order, call) for _, order, call in held)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    # Fires for the transaction or savepoint that rolled back: drop what was held in it or
    # in a savepoint inside it. A call held before the session began (None) belongs to
    # the root transaction, dropped when that ends uncommitted.
    held = session.info.get(_HELD)
    if held:
        session.info[_HELD] = [
            entry for entry in held if not _within(entry[0], previous_transaction)
        ]


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        # The root ended: its commit moved its calls to _READY; any left never will go.
        session.info.pop(_HELD, None)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


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
