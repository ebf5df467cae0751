"""Structured logs: one JSON object a line, with the bound context, secrets scrubbed."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from factdesk import logs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("factdesk.test_json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logs.redact(["a-configured-secret"])
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def _records(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_the_bound_context(
    json_lines: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = json_lines

    with logs.bound(event_id="Ev123", team_id="T0NEWS"):
        with logs.bound(task_id="abc-1", task_name="workers.ingest_article", team_id=None):
            logger.info("ingest done article_id=%s", 7)
        logger.warning("after the task")
    logger.info("outside")

    inner, after, outside = _records(stream)
    assert inner["message"] == "ingest done article_id=7"
    assert inner["level"] == "INFO"
    assert inner["logger"] == "factdesk.test_json"
    assert inner["time"].endswith("+00:00")
    assert {k: inner[k] for k in logs.CONTEXT_FIELDS} == {
        "event_id": "Ev123",
        "task_id": "abc-1",
        "task_name": "workers.ingest_article",
        "team_id": "T0NEWS",
    }
    assert after["event_id"] == "Ev123"
    assert "task_id" not in after
    assert set(outside) == {"time", "level", "logger", "message"}


def test_json_records_keep_secrets_out_of_messages_and_tracebacks(
    json_lines: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = json_lines

    try:
        raise RuntimeError("token xoxb-1234-abcdef and a-configured-secret")
    except RuntimeError:
        logger.exception("failed with xoxb-1234-abcdef")

    [record] = _records(stream)
    text = json.dumps(record)
    assert "xoxb-1234" not in text
    assert "a-configured-secret" not in text
    assert record["message"] == f"failed with {logs.REDACTED}"
    assert "RuntimeError" in record["exc_info"]


def test_log_format_json_makes_the_command_log_json(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        LOG_FORMAT="json",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
        SLACK_BOT_TOKEN="xoxb-9999-secret",
    )

    result = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(records[-1])
    assert records[-1]["message"] == "database migrated"
