"""The system for the benchmark: like `launcher.stack`, with K worker processes and a
choice of storage (PostgreSQL and Redis on loopback, or the embedded SQLite and Redis).

Everything it creates (a database of its own, a Redis database it found empty, the
processes, the servers) is removed or stopped on exit, even after a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, urlsplit

from sqlalchemy import text
from sqlalchemy.engine import make_url

from factdesk.db import make_engine, migrate
from launcher.procs import Processes, wait_for_http
from launcher.stack import SIGNING_SECRET
from standin.slack_api import SlackStandIn

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379"
LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"
# Posting pace for "pacing off": far above anything the stand-in can serve, so the
# per-channel pacer never makes a post wait.
NO_PACING_POSTS_PER_SECOND = 1_000_000.0
AUTO, EMBEDDED = "auto", "embedded"


def on_loopback(url: str) -> bool:
    """Whether a server URL names this machine (the benchmark talks to nothing else)."""
    host = urlsplit(url.replace("+psycopg", "")).hostname or ""
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def reachable(url: str, timeout: float = 0.5) -> bool:
    """Whether something listens at the URL's host and port."""
    parts = urlsplit(url.replace("+psycopg", ""))
    port = parts.port or (5432 if parts.scheme.startswith("postgres") else 6379)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def postgres_server(choice: str) -> str | None:
    """The PostgreSQL server to use (an URL to any database on it), or None for SQLite."""
    if choice == EMBEDDED:
        return None
    url = LOCAL_POSTGRES if choice == AUTO else choice
    if not on_loopback(url):
        raise ValueError(f"the benchmark only talks to loopback, not {url}")
    if not reachable(url):
        if choice == AUTO:
            return None
        raise ConnectionError(f"PostgreSQL does not answer at {url}")
    return url


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the server, dropped on exit; yields its URL."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        try:
            yield url
        finally:
            from factdesk.db import engine_for

            engine_for(url).dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def redis_choice(choice: str) -> str | None:
    """A Redis URL naming a database that is empty now, or None for the embedded server.

    "auto" looks on 127.0.0.1:6379 for an empty database, from 15 down, so the benchmark
    never flushes a database someone else is using.
    """
    if choice == EMBEDDED:
        return None
    import redis

    if choice == AUTO:
        if not reachable(LOCAL_REDIS):
            return None
        for number in range(15, 0, -1):
            url = f"{LOCAL_REDIS}/{number}"
            client = redis.Redis.from_url(url)
            try:
                if client.dbsize() == 0:
                    return url
            finally:
                client.close()
        return None
    if not on_loopback(choice):
        raise ValueError(f"the benchmark only talks to loopback, not {choice}")
    client = redis.Redis.from_url(choice)
    try:
        if client.dbsize() != 0:
            raise ValueError(f"{choice} is not empty; the benchmark flushes it, give an empty one")
    finally:
        client.close()
    return choice


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass(frozen=True)
class ArticlePages:
    """The article server (`standin.articles`, in a process of its own) and its address."""

    url: str
    pid: int

    def article_url(self, name: str) -> str:
        return f"{self.url}/articles/{quote(name)}"


@contextmanager
def article_server_process(site: Path, output: IO[bytes] | None) -> Iterator[ArticlePages]:
    """`python -m standin.articles` serving `site`. A process of its own, as news sites are
    to Slack: in the bench's process it shared an interpreter lock with the Slack
    stand-in, and each slowed the other as the workers' traffic grew."""
    port = _free_port()
    with Processes(output=output) as processes:
        server = processes.start(
            "articles",
            "--quiet",
            "--port",
            str(port),
            "--seeds",
            str(site),
            module="standin.articles",
        )
        wait_for_http(f"http://127.0.0.1:{port}/status/200", timeout=30, processes=processes)
        yield ArticlePages(f"http://127.0.0.1:{port}", server.pid)


@dataclass
class BenchStack:
    slack: SlackStandIn
    pages: ArticlePages
    processes: Processes
    bot_url: str
    database_url: str
    redis_url: str
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def events_url(self) -> str:
        return f"{self.bot_url}/slack/events"

    def cpu_parts(self) -> dict[int, str]:
        """Process group -> the part of the system it is, for `benchmarks.cpu`."""
        parts = {worker.pid: "workers" for worker in self.workers}
        parts[self.processes.children["bot"].pid] = "bot"
        parts[self.pages.pid] = "article server"
        return parts

    def start_worker(self, concurrency: int) -> subprocess.Popen[bytes]:
        """One more `factdesk worker` process, a session (process group) of its own."""
        name = f"worker-{len(self.workers) + 1}"
        child = self.processes.start(
            name, "worker", "--concurrency", str(concurrency), "--hostname", f"{name}@%h"
        )
        self.workers.append(child)
        return child

    def set_consuming(self, worker: int, consuming: bool) -> None:
        """Stop or restart worker `worker` (from 1) taking tasks, keeping it running and warm.

        A worker that stops consuming finishes nothing half-way: the bench calls this
        between runs, with the queue empty.
        """
        node = f"worker-{worker}@{socket.gethostname()}"
        control = _control(self.redis_url)
        queue = "celery"
        if consuming:
            replies = control.add_consumer(queue, destination=[node], reply=True, timeout=10)
        else:
            replies = control.cancel_consumer(queue, destination=[node], reply=True, timeout=10)
        if not any(node in reply for reply in replies or []):
            raise RuntimeError(f"{node} did not answer the request to change its consumers")

    def stop_workers(self) -> None:
        """Stop the worker processes (the bot and servers keep running)."""
        for child in self.workers:
            _signal_group(child, signal.SIGTERM)
        for child in self.workers:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()
            _signal_group(child, signal.SIGKILL)
        names = [name for name, child in self.processes.children.items() if child in self.workers]
        for name in names:
            del self.processes.children[name]
        self.workers.clear()


@contextmanager
def bench_stack(
    var: Path,
    *,
    site: Path,
    database: str = AUTO,
    redis_url: str = AUTO,
    pacing: bool = False,
    log: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[BenchStack]:
    """Bot, Slack stand-in, article server for `site`, storage; workers via start_worker."""
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    server = postgres_server(database)
    redis_found = redis_choice(redis_url)
    with contextlib.ExitStack() as stack:
        if server is not None:
            database_url = stack.enter_context(scratch_database(server, "factdesk_bench_e2e"))
        else:
            database_url = f"sqlite:///{var / 'factdesk.db'}"
        migrate(database_url)
        if redis_found is not None:
            broker = redis_found
            stack.callback(flush_redis, broker)
        else:
            from factdesk.embedded_redis import EmbeddedRedis

            broker = stack.enter_context(EmbeddedRedis(var / "redis.sock")).url
        slack = stack.enter_context(SlackStandIn())
        output: IO[bytes] | None = stack.enter_context(open(log, "ab")) if log else None
        pages = stack.enter_context(article_server_process(site, output))
        port = _free_port()
        env = {
            "SLACK_BOT_TOKEN": "xoxb-local",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.base_url,
            "SLACK_APP_TOKEN": "",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker,
            "VAR_DIR": str(var),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            # The pages are served on loopback, which the fetcher refuses unless allowed.
            "FETCH_ALLOWED_NETWORKS": LOOPBACK_NETWORKS,
            **(
                {}
                if pacing
                else {"SLACK_CHANNEL_POSTS_PER_SECOND": str(NO_PACING_POSTS_PER_SECOND)}
            ),
            **(extra_env or {}),
        }
        processes = stack.enter_context(Processes(env, output=output))
        processes.start("bot", "bot")
        bot_url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{bot_url}/healthz", timeout=30, processes=processes)
        yield BenchStack(slack, pages, processes, bot_url, database_url, broker, env)


def _control(broker: str) -> Any:
    """Celery's remote control over `broker`, without our task modules."""
    from celery import Celery

    return Celery(broker=broker).control


def _signal_group(child: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, sig)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
