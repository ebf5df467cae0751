"""`factdesk migrate --check`: behind is not ready, migrated is, and a wait sees the change."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from factdesk.db import alembic_config, make_engine, migrate
from factdesk.schema_check import SchemaStatus, check_schema, wait_for_schema
from tests.conftest import BACKENDS, postgres_schema

ROOT = Path(__file__).resolve().parents[2]


def _head_and_previous() -> tuple[str, str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    (head,) = script.get_heads()
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    return head, previous


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database no migration has touched: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'factdesk.db'}"
        return
    with postgres_schema("check") as url:  # left unmigrated
        yield url


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "launcher.cli", *args]


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    return {**env, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}


def _factdesk(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args),
        cwd=ROOT,
        env=_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_empty_database_is_behind(empty_url: str) -> None:
    head, _ = _head_and_previous()

    status = check_schema(empty_url)

    assert not status.ready
    assert f"this release needs {head}" in status.message
    assert "factdesk migrate" in status.message


def test_the_check_changes_nothing(empty_url: str) -> None:
    check_schema(empty_url)

    if empty_url.startswith("sqlite"):
        # Connecting would have created the file.
        assert not Path(make_url(empty_url).database or "").exists()
        return
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        tables = connection.dialect.get_table_names(connection)
    engine.dispose()
    assert tables == []


def test_one_migration_short_is_behind_and_says_where_it_is(empty_url: str) -> None:
    head, previous = _head_and_previous()
    migrate(empty_url, previous)

    status = check_schema(empty_url)

    assert status == SchemaStatus(
        False,
        f"database is at {previous}; this release needs {head}: run `factdesk migrate`",
    )


def test_after_migrate_it_is_ready(empty_url: str) -> None:
    head, _ = _head_and_previous()
    migrate(empty_url)

    assert check_schema(empty_url) == SchemaStatus(
        True, f"database is at the newest migration ({head})"
    )


def test_a_revision_from_a_newer_release_is_ready(empty_url: str) -> None:
    # The previous release's pods restart mid-rollout, or after a rollback, on a database
    # the new release migrated: they may start (migrations keep them working).
    migrate(empty_url)
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfacecafe'"))
    engine.dispose()

    status = check_schema(empty_url)

    assert status.ready
    assert "f00dfacecafe" in status.message
    assert "newer than this release" in status.message


def test_wait_returns_once_another_thread_migrates(empty_url: str) -> None:
    reports: list[SchemaStatus] = []
    migrator = threading.Timer(1.0, migrate, args=(empty_url,))
    started = time.monotonic()
    migrator.start()
    try:
        status = wait_for_schema(empty_url, 60, interval=0.2, report=reports.append)
    finally:
        migrator.join()

    assert status.ready, status.message
    assert 1.0 <= time.monotonic() - started < 30
    # Told what it waited for, once per change rather than every 0.2 s.
    assert reports
    assert not reports[0].ready
    assert len(reports) == len({r.message for r in reports})


def test_wait_gives_up_at_its_deadline(empty_url: str) -> None:
    started = time.monotonic()

    status = wait_for_schema(empty_url, 1.0, interval=0.2)

    assert not status.ready
    assert 1.0 <= time.monotonic() - started < 10


def test_an_unreachable_database_is_one_readable_line() -> None:
    # Port 1 on loopback: refused at once, nothing leaves the machine.
    status = check_schema("postgresql+psycopg://factdesk@127.0.0.1:1/nowhere")

    assert not status.ready
    assert status.message.startswith("database not reachable: OperationalError: ")
    assert "\n" not in status.message
    assert "sqlalche.me" not in status.message


def test_a_url_it_cannot_parse_is_named_without_its_password() -> None:
    status = check_schema("postgresql+psycopg://factdesk:hunter2@db:notaport/factdesk")

    assert not status.ready
    assert "hunter2" not in status.message


def test_importing_the_check_leaves_alembic_out() -> None:
    # The bot and workers keep alembic (~9 MB with mako) out of memory on purpose.
    code = "import sys, factdesk.schema_check; sys.exit('alembic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0


def test_the_command_exits_non_zero_when_behind_and_zero_after_migrate(empty_url: str) -> None:
    head, _ = _head_and_previous()

    behind = _factdesk("migrate", "--check", database_url=empty_url)
    assert behind.returncode == 1
    (line,) = behind.stderr.splitlines()
    assert line.endswith(f"this release needs {head}: run `factdesk migrate`")
    assert behind.stdout == ""

    migrated = _factdesk("migrate", database_url=empty_url)
    assert migrated.returncode == 0, migrated.stderr

    current = _factdesk("migrate", "--check", "--wait", "5", database_url=empty_url)
    assert current.returncode == 0, current.stderr
    assert current.stdout.strip() == f"database is at the newest migration ({head})"


def test_the_command_waits_for_a_migration_in_another_process(empty_url: str) -> None:
    waiter = subprocess.Popen(
        _command("migrate", "--check", "--wait", "60"),
        cwd=ROOT,
        env=_env(empty_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert waiter.stderr is not None
        # Migrate only once it has said it is waiting: it saw the database behind.
        waiting = waiter.stderr.readline()
        assert waiting.startswith("waiting: "), waiting
        assert "this release needs" in waiting
        migrate(empty_url)
        out, err = waiter.communicate(timeout=60)
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()

    assert waiter.returncode == 0, err
    assert out.startswith("database is at the newest migration")
