"""A stack of its own for fault injection: its own redis-server (on a unix socket), Slack
stand-in, bot and worker, so killing processes and throttling Slack touch no other test."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from factdesk.db import migrate
from factdesk.embedded_redis import EmbeddedRedis
from factdesk.queue import create_celery
from factdesk.settings import Settings
from standin.articles import ArticleServer
from standin.slack_api import SlackStandIn
from tests.conftest import (
    LOOPBACK_NETWORKS,
    RETRY_BACKOFF_SECONDS,
    SEEDS,
    SIGNING_SECRET,
    System,
    _stop,
    _wait_for_worker,
)

# Slow, even pacing: a thread of 16 messages takes about 4 s, long enough to strike mid-way.
PACING = {"SLACK_CHANNEL_POSTS_PER_SECOND": "4", "SLACK_CHANNEL_BURST": "1"}


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    with EmbeddedRedis(tmp_path_factory.mktemp("faults-redis") / "redis.sock") as server:
        yield server


@pytest.fixture(scope="module")
def fault_slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def fault_pages() -> Iterator[ArticleServer]:
    with ArticleServer(SEEDS) as server:
        yield server


class FaultSystem(System):
    """`System` plus the worker process, which the tests kill and restart."""

    worker: subprocess.Popen[bytes]
    start_worker: Callable[[], subprocess.Popen[bytes]]


@pytest.fixture(scope="module")
def fault_system(
    redis_server: EmbeddedRedis,
    fault_slack: SlackStandIn,
    fault_pages: ArticleServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FaultSystem]:
    import waitress

    from bot.app import create_app
    from bot.server import wsgi_app

    var = tmp_path_factory.mktemp("faults-var")
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-faults"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=fault_slack.base_url,
        database_url=f"sqlite:///{var / 'factdesk.db'}",
        redis_url=redis_server.url,
        var_dir=var,
        fetch_allowed_networks=LOOPBACK_NETWORKS,
    )
    migrate(settings.resolved_database_url)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-faults",
        "SLACK_API_URL": fault_slack.base_url,
        "DATABASE_URL": settings.resolved_database_url,
        "REDIS_URL": redis_server.url,
        "VAR_DIR": str(var),
        "LOG_LEVEL": "INFO",
        "FETCH_ALLOWED_NETWORKS": LOOPBACK_NETWORKS,
        "TASK_RETRY_BACKOFF_SECONDS": str(RETRY_BACKOFF_SECONDS),
        **PACING,
        # Tasks here take seconds: a task whose worker was killed is redelivered after 5 s.
        "BROKER_VISIBILITY_TIMEOUT_SECONDS": "5",
    }
    server = waitress.create_server(
        wsgi_app(create_app(settings)), host="127.0.0.1", port=0, threads=8
    )
    threading.Thread(target=server.run, daemon=True).start()
    log_path = var / "worker.log"

    def start_worker() -> subprocess.Popen[bytes]:
        with open(log_path, "ab") as log_file:
            worker = subprocess.Popen(
                [sys.executable, "-m", "launcher.cli", "worker", "--concurrency", "2"],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_worker(create_celery(settings), worker, log_path)
        return worker

    system = FaultSystem(
        slack=fault_slack,
        pages=fault_pages,
        bot_url=f"http://127.0.0.1:{server.effective_port}",
        settings=settings,
    )
    system.start_worker = start_worker
    system.worker = start_worker()
    try:
        yield system
    finally:
        server.close()
        _stop(system.worker)


@contextmanager
def no_rate_limit(slack: SlackStandIn) -> Iterator[None]:
    try:
        yield
    finally:
        slack.set_rate_limit(False)


def worker_log(system: System) -> Path:
    return system.settings.var_dir / "worker.log"
