"""Shared fixtures: databases on both dialects, rolled-back sessions, factories, servers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import redis
from celery import Celery
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from factdesk.db import alembic_config, make_engine, migrate, session_scope
from factdesk.settings import Settings

if TYPE_CHECKING:
    from standin.articles import ArticleServer
    from standin.slack_api import SlackStandIn
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header() -> list[str]:
    return [
        f"storage tests: SQLite{' and PostgreSQL' if POSTGRES_URL else ' only'}",
        f"scenario broker: {os.environ.get('TEST_REDIS_URL') or 'embedded redis-server'}",
    ]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not POSTGRES_URL:
        terminalreporter.write_line(
            "PostgreSQL storage tests skipped: TEST_DATABASE_URL is not set "
            "(.ci/run sets it when 127.0.0.1:5432 answers)."
        )
    if not os.environ.get("TEST_REDIS_URL"):
        terminalreporter.write_line(
            "Scenario tests ran on the embedded redis-server: TEST_REDIS_URL is not set."
        )


BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL not set"),
    ),
]


def _fresh_database(url: str) -> None:
    """Drop everything the migrations made, then migrate from scratch (tests downgrades too)."""
    from alembic import command

    command.downgrade(alembic_config(url), "base")
    migrate(url)


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        assert POSTGRES_URL
        url = POSTGRES_URL
    _fresh_database(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every change, commits included, is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        db = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        factories.bind(db)
        try:
            yield db
        finally:
            db.close()
            transaction.rollback()


@pytest.fixture(scope="session")
def slack() -> Iterator[SlackStandIn]:
    from standin.slack_api import SlackStandIn

    with SlackStandIn() as standin:
        yield standin


@pytest.fixture(scope="session")
def pages() -> Iterator[ArticleServer]:
    from standin.articles import ArticleServer

    with ArticleServer(SEEDS) as server:
        yield server


SIGNING_SECRET = "test-signing-secret"
SCENARIO_WORKER = "scenario"
LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"
# Transient failures retry within a second or two in tests, not after minutes.
RETRY_BACKOFF_SECONDS = 0.2


@pytest.fixture(scope="session", autouse=True)
def _pages_on_loopback_are_allowed() -> Iterator[None]:
    """Tests serve their pages on 127.0.0.1, which the fetcher refuses by default: every
    `Settings()` a test builds allows loopback through FETCH_ALLOWED_NETWORKS, the one
    switch an intranet deployment would use too. Tests of the refusal pass their own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FETCH_ALLOWED_NETWORKS", LOOPBACK_NETWORKS)
        yield


@dataclass
class System:
    """The running system: Slack stand-in, article server, bot over HTTP, a Celery worker."""

    slack: SlackStandIn
    pages: ArticleServer
    bot_url: str
    settings: Settings

    @property
    def events_url(self) -> str:
        return f"{self.bot_url}/slack/events"

    def session(self) -> AbstractContextManager[Session]:
        return session_scope(self.settings.resolved_database_url)

    def share(self, text: str, *, channel: str = "C0NEWSDESK", user: str = "U0ANA") -> str:
        """Post `text` as a person, and deliver the signed event to the bot."""
        from standin.signing import message_event, post_event

        ts = self.slack.add_message(channel, text, user=user)
        status, body = post_event(
            self.events_url,
            message_event(text=text, channel=channel, user=user, ts=ts),
            SIGNING_SECRET,
        )
        assert status == 200, body
        return ts

    def wait_until_done(self, ts: str, *, channel: str = "C0NEWSDESK", timeout: float = 60) -> str:
        """Wait for the outcome reaction on a shared message; return its name."""

        def outcome(slack: SlackStandIn) -> bool:
            names = {r["name"] for r in slack.message(channel, ts).get("reactions", [])}
            return bool(names & {"white_check_mark", "warning"})

        self.slack.wait_for(outcome, timeout=timeout)
        names = {r["name"] for r in self.slack.message(channel, ts)["reactions"]}
        return "warning" if "warning" in names else "white_check_mark"

    def click(
        self, message: dict[str, Any], action_id: str, *, user: str, channel: str = "C0NEWSDESK"
    ) -> None:
        """Click a button on a stored message, as Slack would deliver it."""
        from standin.signing import click

        status, body = click(
            self.events_url,
            SIGNING_SECRET,
            message=message,
            action_id=action_id,
            user=user,
            channel=channel,
            response_url=self.slack.response_url(f"click-{message['ts']}"),
        )
        assert status == 200, body


@pytest.fixture(scope="session")
def broker_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Redis the scenario worker uses: TEST_REDIS_URL, or an embedded redis-server."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        redis.Redis.from_url(url).flushdb()
        yield url
        return
    from factdesk.embedded_redis import EmbeddedRedis

    with EmbeddedRedis(tmp_path_factory.mktemp("redis") / "redis.sock") as embedded:
        yield embedded.url


@pytest.fixture(scope="session")
def system(
    slack: SlackStandIn,
    pages: ArticleServer,
    broker_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[System]:
    import waitress

    from bot.app import create_app
    from bot.server import wsgi_app
    from factdesk.queue import create_celery

    var = tmp_path_factory.mktemp("var")
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{var / 'factdesk.db'}",
        redis_url=broker_url,
        var_dir=var,
        log_level="INFO",
        fetch_allowed_networks=LOOPBACK_NETWORKS,
        task_retry_backoff_seconds=RETRY_BACKOFF_SECONDS,
    )
    migrate(settings.resolved_database_url)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": settings.resolved_database_url,
        "REDIS_URL": broker_url,
        "VAR_DIR": str(var),
        "LOG_LEVEL": "INFO",
        # The article server is on loopback: allowed through the setting, as an intranet
        # deployment would allow its ranges, never by skipping the check.
        "FETCH_ALLOWED_NETWORKS": LOOPBACK_NETWORKS,
        "TASK_RETRY_BACKOFF_SECONDS": str(RETRY_BACKOFF_SECONDS),
    }
    server = waitress.create_server(
        wsgi_app(create_app(settings)), host="127.0.0.1", port=0, threads=8
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    log_path = var / "worker.log"
    worker: subprocess.Popen[bytes] | None = None
    try:
        with open(log_path, "wb") as log_file:
            worker = subprocess.Popen(
                [
                    *(sys.executable, "-m", "launcher.cli", "worker", "--concurrency", "2"),
                    *("--hostname", f"{SCENARIO_WORKER}@%h"),
                ],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_worker(create_celery(settings), worker, log_path)
        yield System(
            slack=slack,
            pages=pages,
            bot_url=f"http://127.0.0.1:{server.effective_port}",
            settings=settings,
        )
    finally:
        server.close()
        if worker is not None:
            _stop(worker)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.wait(15)
    # The pool's children can outlive their parent; sweep the whole process group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def _wait_for_worker(celery: Celery, worker: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"the worker exited:\n{log_path.read_text()[-4000:]}")
        if celery.control.ping(timeout=0.5):
            return
    pytest.fail(f"the worker did not answer a ping:\n{log_path.read_text()[-4000:]}")


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A migrated PostgreSQL schema of its own, for tests whose sessions must commit.

    Concurrency tests need several connections that see each other's commits, which the
    rolled-back `session` fixture cannot give; the schema is dropped afterwards.
    """
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL not set: the PostgreSQL concurrency tests need it")
    with postgres_schema("race") as url:
        migrate(url)
        yield url


@contextlib.contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """The URL of a new, empty schema in TEST_DATABASE_URL's database, dropped after."""
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from factdesk.db import engine_for

    assert POSTGRES_URL
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = make_url(POSTGRES_URL)
    options = " ".join(
        filter(None, [str(base.query.get("options") or ""), f"-csearch_path={schema}"])
    )
    url = base.update_query_dict({"options": options}).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def database_at(backend: str, revision: str, directory: Path) -> Iterator[str]:
    """The URL of a new database migrated to `revision` only: SQLite in `directory`, or a
    PostgreSQL schema of its own (dropped after), for tests of an upgrade."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'old.db'}"
        migrate(url, revision)
        yield url
        return
    with postgres_schema("upgrade") as url:
        migrate(url, revision)
        yield url


RETIRED_TEAM = "T0EARLIERMODULE"


@pytest.fixture(scope="module", autouse=True)
def _scenario_module_starts_a_fresh_workspace(request: pytest.FixtureRequest) -> None:
    """Scenario modules share one bot, one database and the same seed articles.

    The bot answers a link already checked in the workspace with a pointer to that
    thread instead of a new one, so articles from earlier modules move to a workspace of
    their own: each module shares its links as if for the first time.
    """
    if request.node.get_closest_marker("scenario") is None:
        return
    from sqlalchemy import update

    from factdesk.archive_models import ArchiveEntry
    from factdesk.models import Article

    system: System = request.getfixturevalue("system")
    with system.session() as session:
        session.execute(
            update(Article)
            .where(Article.slack_team_id != RETIRED_TEAM)
            .values(slack_team_id=RETIRED_TEAM)
        )
        # Their verdicts too: an earlier module's claims are no match for this one's.
        session.execute(
            update(ArchiveEntry)
            .where(ArchiveEntry.slack_team_id != RETIRED_TEAM)
            .values(slack_team_id=RETIRED_TEAM)
        )


def share_in(
    system: System, text: str, *, team: str, channel: str = "C0NEWSDESK", user: str = "U0ANA"
) -> str:
    """Like `System.share`, from another workspace: its links are new to that workspace."""
    from standin.signing import message_event, post_event

    ts = system.slack.add_message(channel, text, user=user)
    status, body = post_event(
        system.events_url,
        message_event(text=text, channel=channel, user=user, ts=ts, team_id=team),
        SIGNING_SECRET,
    )
    assert status == 200, body
    return ts
