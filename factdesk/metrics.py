"""Prometheus metrics, and the health and readiness checks the probes ask.

The bot is one process: it serves the default registry on its own /metrics. A worker is
a parent and prefork children: `factdesk worker` with WORKER_METRICS_PORT set points
prometheus_client's multiprocess mode at a fresh directory before anything imports it
(PROMETHEUS_MULTIPROC_DIR), every child writes its samples there, and the parent serves
their sum on /metrics (with /healthz and /readyz) from a small HTTP server.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from factdesk.settings import Settings

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

EVENTS_RECEIVED = Counter(
    "factdesk_events_received",
    "Requests from Slack the bot accepted, by type (event type, block_actions, command, …).",
    ["type"],
)
ACK_SECONDS = Histogram(
    "factdesk_ack_seconds",
    "Time from a Slack request's arrival to the bot's answer (Slack gives up after 3 s).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
TASKS = Counter(
    "factdesk_tasks",
    "Celery tasks by name and state (started, success, failure, retry, …).",
    ["task", "state"],
)
FETCH_FAILURES = Counter(
    "factdesk_fetch_failures",
    "Article links that could not be read, by kind (the error code the thread is told).",
    ["kind"],
)
EVENTS_RATE_LIMITED = Counter(
    "factdesk_events_rate_limited",
    "Slack's app_rate_limited notices: it stopped sending a workspace's events to the bot "
    "for a while (over 30,000 an hour, or too many unanswered).",
)
CLAIMS_FOUND = Counter("factdesk_claims_found", "Claims the finder stored for articles.")
SLACK_API_ERRORS = Counter(
    "factdesk_slack_api_errors",
    "Slack Web API calls answered with an error, by method and error code.",
    ["method", "code"],
)
DIGEST_RUNS = Counter(
    "factdesk_digest_runs",
    "Weekly digest tasks, by outcome: posted, adopted (found already posted), quiet (a week "
    "with nothing to say), already (another task had it), lost, not installed, deferred "
    "(a takeover could not read the channel yet); failure or retry when the task raised.",
    ["outcome"],
)


def multiprocess_registry() -> CollectorRegistry | None:
    """A registry summing every process's samples, in multiprocess mode; else None."""
    if not os.environ.get(MULTIPROC_ENV):
        return None
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def exposition(registry: CollectorRegistry | None = None) -> bytes:
    """The metrics in Prometheus' text format."""
    return generate_latest(registry or multiprocess_registry() or REGISTRY)


def child_exited(pid: int) -> None:
    """Forget a dead worker child's live gauges (its counters keep counting in the sum)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


# -- health and readiness -------------------------------------------------------------


def dependencies(settings: Settings, *, timeout: float = 2.0) -> dict[str, str]:
    """Each dependency ("database", "redis") and "ok" or why it is not reachable."""
    return {
        "database": _check(lambda: _ping_database(settings)),
        "redis": _check(lambda: _ping_redis(settings, timeout)),
    }


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 -- any failure means "not ready", and says why
        return f"{type(exc).__name__}: {exc}"[:200]
    return "ok"


def _ping_database(settings: Settings) -> None:
    from sqlalchemy import text

    from factdesk.db import engine_for

    with engine_for(settings.resolved_database_url).connect() as connection:
        connection.execute(text("SELECT 1"))


def _ping_redis(settings: Settings, timeout: float) -> None:
    import redis

    url = settings.resolved_redis_url
    if url.startswith("redis+socket://"):
        url = "unix://" + url.removeprefix("redis+socket://")
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


Probe = tuple[int, str, bytes]


def probe(
    path: str,
    settings: Settings,
    *,
    alive: Callable[[], bool] = lambda: True,
    registry: CollectorRegistry | None = None,
) -> Probe | None:
    """Answer /healthz, /readyz or /metrics as (status, content type, body); None otherwise.

    /healthz: the process is up (and `alive()`, e.g. a worker's consumer is connected).
    /readyz: the database and Redis answer too, so it can take work.
    """
    if path == "/healthz":
        if alive():
            return 200, "text/plain; charset=utf-8", b"ok"
        return 503, "text/plain; charset=utf-8", b"not connected"
    if path == "/readyz":
        checks = dependencies(settings)
        if not alive():
            checks["consumer"] = "not connected"
        ready = all(value == "ok" for value in checks.values())
        body = "\n".join(f"{name}: {value}" for name, value in checks.items()).encode()
        return (200 if ready else 503), "text/plain; charset=utf-8", body
    if path == "/metrics":
        return 200, CONTENT_TYPE_LATEST, exposition(registry)
    return None


class ProbeServer:
    """A small HTTP server for /healthz, /readyz and /metrics, in a daemon thread."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str,
        port: int,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        self.settings = settings
        self.alive = alive
        self._server = _ProbeHTTPServer((host, port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="factdesk-probes", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> ProbeServer:
        self._thread.start()
        log.info("probes and metrics on port %s", self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str) -> Probe:
        found = probe(path, self.settings, alive=self.alive)
        return found or (404, "text/plain; charset=utf-8", b"not found")


class _ProbeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: ProbeServer) -> None:
        self.owner = owner
        super().__init__(address, _ProbeHandler)


class _ProbeHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        owner = cast(_ProbeHTTPServer, self.server).owner
        status, content_type, body = owner.answer(self.path.split("?", 1)[0])
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return  # probes every few seconds would drown the log


def elapsed(started: float) -> float:
    """Seconds since `started` (a time.perf_counter() reading)."""
    return time.perf_counter() - started
