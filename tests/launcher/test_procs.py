"""Stopping the children that `factdesk run` and `factdesk demo` start."""

from __future__ import annotations

import time
from pathlib import Path

from launcher.procs import Processes


def test_stopping_lets_a_child_finish_its_running_job(tmp_path: Path) -> None:
    # Celery's main process finishes its running tasks on SIGTERM (a warm shutdown); its
    # pool processes, in the same group, die mid-task if they get the signal themselves.
    done, ready = tmp_path / "done", tmp_path / "ready"
    with Processes() as processes:
        processes.start("worker", str(done), str(ready), module="tests.launcher.slow_stopper")
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists()

    assert done.read_text() == "finished"
