"""The Celery parent learns the tasks without loading what their bodies need; each pool
process loads them, and sizes its database pool, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from factdesk import queue
from workers.matcher import LOOKUP_THREADS

HEAVY = ("spacy", "trafilatura", "lxml", "matplotlib", "sqlalchemy", "slack_sdk")


def _in_fresh_interpreter(code: str) -> dict[str, list[str]]:
    # A fresh interpreter: this one has long imported everything.
    script = (
        "import json, sys\n"
        "from workers.app import celery_app\n"
        "import workers.task_registry\n"
        f"{code}\n"
        "print(json.dumps({'modules': sorted(sys.modules), "
        "'tasks': sorted(n for n in celery_app.tasks if n.startswith('workers.'))}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return dict(json.loads(out.stdout.splitlines()[-1]))


def test_registering_the_tasks_loads_none_of_the_pipeline() -> None:
    loaded = _in_fresh_interpreter("")
    assert not set(loaded["modules"]) & set(HEAVY)
    names = {value for key, value in vars(queue).items() if key.isupper() and "." in str(value)}
    assert names <= set(loaded["tasks"])


def test_a_task_body_loads_what_it_needs() -> None:
    loaded = _in_fresh_interpreter("import workers.task_bodies")
    assert {"trafilatura", "sqlalchemy", "slack_sdk"} <= set(loaded["modules"])
    assert "alembic" not in loaded["modules"], "only migrating needs it"
    assert "matplotlib" not in loaded["modules"], "only a weekly digest's chart needs it"


def test_a_pool_process_keeps_database_connections_for_its_task_and_its_lookups() -> None:
    # One task at a time, and the matcher's lookup threads beside it (workers/matcher.py).
    script = (
        "from workers import app\n"
        "app._warm_pipeline()\n"
        "from factdesk import db\n"
        "print(db.pool_limits()['pool_size'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DB_")}
    out = subprocess.run(
        [sys.executable, "-c", script],
        env={**env, "WORKER_NICE": "0"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.splitlines()[-1] == str(1 + LOOKUP_THREADS)
