"""Health, readiness and metrics of the bot (HTTP and Socket Mode) and of a worker, and
the log context that follows an event into the bot's lines and a task into the worker's."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from factdesk import logs
from factdesk.queue import PRUNE_RECEIPTS, create_celery
from factdesk.settings import Settings
from standin.signing import message_event, post_command, post_event, slash_command
from tests.conftest import SCENARIO_WORKER, SIGNING_SECRET, System, _stop, _wait_for_worker

pytestmark = pytest.mark.scenario


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def test_bot_health_readiness_and_metrics(system: System) -> None:
    assert _get(f"{system.bot_url}/healthz") == (200, "ok")
    assert _get(f"{system.bot_url}/readyz") == (200, "database: ok\nredis: ok")
    before = _samples(_get(f"{system.bot_url}/metrics")[1], "factdesk_ack_seconds_count")

    ts = system.slack.add_message("C0NEWSDESK", "no links here", user="U0ANA")
    event = message_event(text="no links here", channel="C0NEWSDESK", user="U0ANA", ts=ts)
    assert post_event(system.events_url, event, SIGNING_SECRET)[0] == 200

    status, text = _get(f"{system.bot_url}/metrics")
    assert status == 200
    assert _samples(text, "factdesk_events_received_total")[(("type", "message"),)] >= 1
    after = _samples(text, "factdesk_ack_seconds_count")
    assert after[()] >= before.get((), 0) + 1


def test_the_bots_slack_calls_are_counted_and_named_as_the_bots(system: System) -> None:
    # Bolt hands each request a client of its own: a listener's failed call counts like a
    # worker's, and every call, not only the first request's, says it is the bot's.
    labels = {"method": "views.open", "code": "expired_trigger_id"}
    before = REGISTRY.get_sample_value("factdesk_slack_api_errors_total", labels) or 0.0
    opened = len(system.slack.calls_to("views.open"))
    system.slack.fail_next("views.open", "expired_trigger_id")
    form = slash_command(
        command="/factcheck",
        text="settings",
        user="U0ANA",
        channel="C0NEWSDESK",
        response_url=system.slack.response_url("metered"),
    )
    assert post_command(system.events_url, form, SIGNING_SECRET)[0] == 200
    system.slack.wait_for(lambda s: len(s.calls_to("views.open")) > opened, timeout=10)

    [call] = system.slack.calls_to("views.open")[opened:]
    assert call.response["error"] == "expired_trigger_id"
    assert call.user_agent.startswith("factdesk-bot ")
    deadline = time.monotonic() + 5
    counted = before
    while counted < before + 1 and time.monotonic() < deadline:
        counted = REGISTRY.get_sample_value("factdesk_slack_api_errors_total", labels) or 0.0
        time.sleep(0.02)
    assert counted == before + 1


def test_bot_log_lines_carry_the_event_and_team(
    system: System, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # Bolt gives each middleware a logger with the root's level when the app was made
    # (WARNING under pytest; the processes configure logging first).
    for name in list(logging.root.manager.loggerDict):
        if name.endswith(":skip_redelivered_events"):
            caplog.set_level(logging.INFO, logger=name)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logging.getLogger().addHandler(handler)
    ts = system.slack.add_message("C0NEWSDESK", "again", user="U0ANA")
    event = message_event(text="again", channel="C0NEWSDESK", user="U0ANA", ts=ts, team_id="T0LOGS")
    try:
        for _ in range(2):  # the redelivery is logged, and skipped
            assert post_event(system.events_url, event, SIGNING_SECRET)[0] == 200
        # The receipt is checked after the ack, so the line comes a moment after the 200.
        deadline = time.monotonic() + 5
        while "event skipped" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        logging.getLogger().removeHandler(handler)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [skipped] = [line for line in lines if line["message"].startswith("event skipped")]
    assert skipped["event_id"] == event["event_id"]
    assert skipped["team_id"] == "T0LOGS"


def test_socket_mode_probes_answer_on_the_port(system: System) -> None:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from bot.server import probe_wsgi_app

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

    server = make_server("127.0.0.1", 0, probe_wsgi_app(system.settings), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert _get(f"{base}/healthz") == (200, "ok")
        assert _get(f"{base}/readyz")[0] == 200
        assert "factdesk_ack_seconds" in _get(f"{base}/metrics")[1]
        assert _get(f"{base}/slack/events")[0] == 404
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def metered_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A worker (two pool processes) on a broker of its own, with JSON logs and probes."""
    from factdesk.db import migrate
    from factdesk.embedded_redis import EmbeddedRedis

    var = tmp_path_factory.mktemp("metered")
    port = _free_port()
    with EmbeddedRedis(var / "redis.sock") as redis:
        settings = Settings(database_url=f"sqlite:///{var / 'w.db'}", redis_url=redis.url)
        migrate(settings.resolved_database_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PROMETHEUS"))}
        env.update(
            SLACK_BOT_TOKEN="xoxb-metered",
            DATABASE_URL=settings.resolved_database_url,
            REDIS_URL=redis.url,
            VAR_DIR=str(var),
            HOST="127.0.0.1",
            WORKER_METRICS_PORT=str(port),
            LOG_FORMAT="json",
        )
        log_path = var / "worker.log"
        with open(log_path, "wb") as log_file:
            worker = subprocess.Popen(
                [sys.executable, "-m", "launcher.cli", "worker", "--concurrency", "2"],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        celery = create_celery(settings)
        try:
            _wait_for_worker(celery, worker, log_path)
            for _ in range(3):
                celery.send_task(PRUNE_RECEIPTS, headers={"factdesk_event_id": "EvFROMBOT"})
            yield f"http://127.0.0.1:{port}", log_path
        finally:
            _stop(worker)


def test_worker_health_readiness_and_summed_metrics(metered_worker: tuple[str, Path]) -> None:
    base, _ = metered_worker
    assert _get(f"{base}/healthz") == (200, "ok")
    assert _get(f"{base}/readyz") == (200, "database: ok\nredis: ok")

    deadline = time.monotonic() + 30
    done = 0.0
    while time.monotonic() < deadline and done < 3:
        status, text = _get(f"{base}/metrics")
        assert status == 200
        labels = (("state", "SUCCESS"), ("task", PRUNE_RECEIPTS))
        done = _samples(text, "factdesk_tasks_total").get(labels, 0.0)
        time.sleep(0.2)
    # Whichever pool process ran each task, the main process serves the sum.
    assert done == 3


def test_worker_logs_are_json_with_the_task_and_event(metered_worker: tuple[str, Path]) -> None:
    _, log_path = metered_worker
    deadline = time.monotonic() + 30
    records: list[dict[str, str]] = []
    while time.monotonic() < deadline and len(records) < 3:
        records = [
            record
            for line in log_path.read_text(errors="replace").splitlines()
            if line.startswith("{")
            and (record := json.loads(line))["message"].startswith("pruned ")
        ]
        time.sleep(0.2)

    assert len(records) == 3
    for record in records:
        assert record["task_name"] == PRUNE_RECEIPTS
        assert record["event_id"] == "EvFROMBOT"
        assert record["task_id"]
    assert len({record["task_id"] for record in records}) == 3


def test_the_worker_answers_under_the_node_name_it_was_given(system: System) -> None:
    # `factdesk worker --hostname`: several workers on one machine are told apart.
    replies = create_celery(system.settings).control.ping(timeout=2) or []
    names = {name for reply in replies for name in reply}
    assert f"{SCENARIO_WORKER}@{socket.gethostname()}" in names


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads niceness from /proc")
def test_the_worker_gives_way_to_the_bot_on_a_shared_machine(system: System) -> None:
    # WORKER_NICE (10 by default) is taken by the pool processes, which find claims; the
    # Celery parent, which hands them tasks, keeps its priority and is never the wait.
    nice: dict[int, tuple[int, int]] = {}  # pid -> (parent pid, niceness)
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if b"worker" in command and any(SCENARIO_WORKER.encode() in arg for arg in command):
            fields = stat.rsplit(")", 1)[1].split()
            nice[int(entry.name)] = (int(fields[1]), int(fields[16]))
    parents = [pid for pid, (ppid, _) in nice.items() if ppid not in nice]
    pool = [niceness for pid, (ppid, niceness) in nice.items() if ppid in parents]
    assert len(parents) == 1
    assert len(pool) >= 2, "the Celery parent and its two pool processes"
    assert nice[parents[0]][1] == os.nice(0)
    assert set(pool) == {min(19, os.nice(0) + 10)}
