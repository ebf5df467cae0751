"""The Celery parent process imports the task names, not the task bodies' libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("trafilatura", "matplotlib", "lxml", "spacy")


def _loaded_after(code: str) -> set[str]:
    # A fresh interpreter: this one has long imported everything.
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(out.stdout.split())


def test_registering_the_tasks_loads_no_heavy_library() -> None:
    loaded = _loaded_after("from workers.app import celery_app\nimport workers.tasks")
    assert "workers.tasks" in loaded
    assert not loaded & set(HEAVY)


def test_a_task_module_loads_on_first_use() -> None:
    loaded = _loaded_after("from workers import tasks\ntasks.ingest.RetryLater")
    assert "trafilatura" in loaded
