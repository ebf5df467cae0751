"""A task queue that keeps what it would hand the broker, for tests with no worker."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from celery import Celery

from factdesk.queue import TaskQueue


class RecordingQueue(TaskQueue):
    """Holds sends made in a session until it commits, as every `TaskQueue` does, then
    records them in `sent` as (task name, args) instead of sending them."""

    def __init__(self) -> None:
        super().__init__(Celery("recording"))
        self.sent: list[tuple[str, tuple[Any, ...]]] = []
        self._lock = threading.Lock()

    def send_now(self, name: str, args: Sequence[Any], *, countdown: float | None = None) -> None:
        with self._lock:
            self.sent.append((name, tuple(args)))
