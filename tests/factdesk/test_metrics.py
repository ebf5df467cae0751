"""Metrics and probes: Slack errors counted by method and code, health and readiness
answered over real HTTP from the probe server."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError

from factdesk.db import migrate
from factdesk.metrics import ProbeServer
from factdesk.settings import Settings
from factdesk.slack import web_client
from standin.slack_api import SlackStandIn


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _errors(method: str, code: str) -> float:
    labels = {"method": method, "code": code}
    return REGISTRY.get_sample_value("factdesk_slack_api_errors_total", labels) or 0.0


def test_slack_api_errors_are_counted_by_method_and_code(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    settings = Settings(slack_bot_token=SecretStr("xoxb-metrics"), slack_api_url=slack.base_url)
    client = web_client(settings, component="worker")
    before = _errors("chat.postMessage", "is_archived")
    slack.fail_next("chat.postMessage", "is_archived")

    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0NEWSDESK", text="hello")
    client.chat_postMessage(channel="C0NEWSDESK", text="hello again")

    assert _errors("chat.postMessage", "is_archived") == before + 1


@pytest.fixture
def ready_settings(tmp_path: Path, broker_url: str) -> Settings:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'probe.db'}", redis_url=broker_url)
    migrate(settings.resolved_database_url)
    return settings


def test_probe_server_answers_health_readiness_and_metrics(ready_settings: Settings) -> None:
    connected = [True]
    server = ProbeServer(ready_settings, host="127.0.0.1", port=0, alive=lambda: connected[0])
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        assert _get(f"{base}/healthz") == (200, "ok")
        status, body = _get(f"{base}/readyz")
        assert (status, body) == (200, "database: ok\nredis: ok")
        status, body = _get(f"{base}/metrics")
        assert status == 200
        assert "# TYPE factdesk_events_received_total counter" in body
        assert "factdesk_ack_seconds_bucket" in body
        assert _get(f"{base}/nope")[0] == 404

        connected[0] = False  # the worker lost its broker connection
        assert _get(f"{base}/healthz")[0] == 503
        status, body = _get(f"{base}/readyz")
        assert status == 503
        assert "consumer: not connected" in body
    finally:
        server.stop()


def test_readiness_names_the_dependency_that_is_down(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'probe.db'}",
        redis_url=f"redis+socket://{tmp_path / 'no-redis.sock'}",
    )
    server = ProbeServer(settings, host="127.0.0.1", port=0).start()
    try:
        status, body = _get(f"http://127.0.0.1:{server.port}/readyz")
    finally:
        server.stop()

    assert status == 503
    assert "database: ok" in body
    assert "redis: ConnectionError" in body
