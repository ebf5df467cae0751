"""Whether a database is at this release's newest migration, without changing it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from factdesk.db import alembic_config

# Long enough for a database that is starting; short enough that a blackholed host fails
# one check instead of hanging the wait past its deadline.
CONNECT_TIMEOUT_SECONDS = 5
MESSAGE_CHARS = 300


@dataclass(frozen=True)
class SchemaStatus:
    """The outcome of one check: whether the code may start, and one line saying why."""

    ready: bool
    message: str


def check_schema(url: str) -> SchemaStatus:
    """Compare the database's Alembic revision with this release's head; change nothing."""
    # Imported here, as in factdesk.db: only migrating and this check need alembic.
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(url))
    heads = set(script.get_heads())
    known = {revision.revision for revision in script.walk_revisions()}
    needed = _names(heads)

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that isn't a number
        # Not the error's text: it can quote the whole URL, password included.
        return SchemaStatus(False, "DATABASE_URL is not a database URL SQLAlchemy can read")
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        # Connecting would create an empty file; a missing one is simply not migrated.
        if path and path != ":memory:" and not Path(path).exists():
            return SchemaStatus(
                False, f"no database at {path}; this release needs {needed}: run `factdesk migrate`"
            )
    elif parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS

    # Not make_engine: its SQLite pragmas switch the file to WAL, and a pool would outlive
    # a check that runs once.
    try:
        engine = create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    except SQLAlchemyError as error:  # an unknown dialect or driver
        return SchemaStatus(False, f"can't use DATABASE_URL: {type(error).__name__}: {error}")
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except OperationalError as error:
        return SchemaStatus(False, f"database not reachable: {_reason(error)}")
    except SQLAlchemyError as error:
        return SchemaStatus(False, f"can't read the database's revision: {_reason(error)}")
    finally:
        engine.dispose()

    if current == heads:
        return SchemaStatus(True, f"database is at the newest migration ({needed})")
    if current - known:
        # A newer release has migrated it. Its migrations keep the previous release
        # working (deploy/README.md), so old pods restarting mid-rollout, or a rollback,
        # may start.
        return SchemaStatus(
            True,
            f"database is at {_names(current)}, newer than this release's {needed}",
        )
    at = _names(current) if current else "no migration"
    return SchemaStatus(
        False, f"database is at {at}; this release needs {needed}: run `factdesk migrate`"
    )


def wait_for_schema(
    url: str,
    timeout: float,
    *,
    interval: float = 2.0,
    report: Callable[[SchemaStatus], None] = lambda status: None,
) -> SchemaStatus:
    """Check until the database is ready or `timeout` seconds have passed; the last status."""
    deadline = time.monotonic() + timeout
    last_message = None
    while True:
        status = check_schema(url)
        remaining = deadline - time.monotonic()
        if status.ready or remaining <= 0:
            return status
        # Once per change, not every few seconds: a wait can last minutes.
        if status.message != last_message:
            report(status)
            last_message = status.message
        time.sleep(min(interval, remaining))


def _names(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions))


def _reason(error: SQLAlchemyError) -> str:
    # The driver's own words, on one line: SQLAlchemy's text adds the statement and a link.
    cause: BaseException = error
    if isinstance(error, DBAPIError) and error.orig is not None:
        cause = error.orig
    text = " ".join(f"{type(cause).__name__}: {cause}".split())
    return text[:MESSAGE_CHARS]
