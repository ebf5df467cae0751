"""The Celery application the workers and beat run: `celery -A workers.app worker`."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Task
from celery.schedules import crontab
from celery.signals import (
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)

from factdesk import logs
from factdesk.logs import configure
from factdesk.queue import (
    DIGEST_TICK,
    EVENT_ID_HEADER,
    FILL_ARCHIVE_VECTORS,
    POST_DIGEST,
    PRUNE_RECEIPTS,
    SEND_REMINDERS,
    create_celery,
)
from factdesk.settings import Settings

settings = Settings()
celery_app = create_celery(settings)
celery_app.conf.include = ["workers.task_registry"]
# Several beats enqueueing the same tick is harmless: digests and reminders hold unique
# keys in the database, and the tick itself only looks and enqueues.
celery_app.conf.beat_schedule = {
    "digest-tick": {"task": DIGEST_TICK, "schedule": settings.digest_tick_seconds},
    "send-reminders": {"task": SEND_REMINDERS, "schedule": settings.reminder_interval_seconds},
    "prune-receipts": {"task": PRUNE_RECEIPTS, "schedule": crontab(hour=3, minute=17)},
    "fill-archive-vectors": {
        "task": FILL_ARCHIVE_VECTORS,
        "schedule": settings.archive_vector_fill_seconds,
    },
}

log = logging.getLogger(__name__)

# Of a task's soft time limit, what waiting out Slack's 429s may not use: time to record
# what was done and hand the rest to a retry after Retry-After (workers/task_bodies.py).
SLACK_WAIT_MARGIN = 10.0


@worker_process_init.connect
def _warm_pipeline(**_: Any) -> None:
    # Only the pool children, which find claims, give way (WORKER_NICE). The parent hands
    # them their next task and acks the last: at the same low priority it waited behind
    # the bot, the database and the other worker for its turn, and its children idled.
    if settings.worker_nice:
        os.nice(settings.worker_nice)
    configure(settings.log_level, fmt=settings.log_format)
    # A pool child runs one task at a time, and a task's sessions follow one another,
    # but for the matcher's lookups, which run beside the task's own session.
    from factdesk.db import size_pool
    from workers.matcher import LOOKUP_THREADS

    size_pool(1 + LOOKUP_THREADS)
    # Loading spaCy once per child process here keeps the first task of each child fast.
    from workers.context import pipeline

    pipeline(settings.spacy_model)
    log.info("spaCy pipeline %s loaded", settings.spacy_model)
    # The task bodies (workers/task_registry.py leaves them to the pool children): loaded
    # now, so the first task does not pay for them.
    import workers.task_bodies  # noqa: F401


# -- observability: log context, metrics, probes -------------------------------------

_log_context: dict[str, Any] = {}
_slack_waits: dict[str, Any] = {}


@task_prerun.connect
def _task_started(task_id: str, task: Task[Any, Any], **_: Any) -> None:
    from factdesk.metrics import TASKS
    from factdesk.slack import limit_rate_limit_waits

    _log_context[task_id] = logs.bind(
        task_id=task_id,
        task_name=task.name,
        event_id=getattr(task.request, EVENT_ID_HEADER, None),
    )
    # A wait for Slack's rate limit (a Tier 1 minute) must not get the task killed.
    soft_limit = task.soft_time_limit or celery_app.conf.task_soft_time_limit
    if soft_limit:
        _slack_waits[task_id] = limit_rate_limit_waits(float(soft_limit) - SLACK_WAIT_MARGIN)
    TASKS.labels(task=task.name, state="STARTED").inc()


@task_postrun.connect
def _task_finished(task_id: str, task: Task[Any, Any], state: str | None = None, **_: Any) -> None:
    from factdesk.metrics import DIGEST_RUNS, TASKS

    TASKS.labels(task=task.name, state=state or "UNKNOWN").inc()
    if task.name == POST_DIGEST and state != "SUCCESS":
        # A digest task that returned counted its own outcome (workers/digest.py).
        DIGEST_RUNS.labels(outcome=(state or "unknown").lower()).inc()
    token = _log_context.pop(task_id, None)
    if token is not None:
        logs.unbind(token)
    waits = _slack_waits.pop(task_id, None)
    if waits is not None:
        from factdesk.slack import unlimit_rate_limit_waits

        unlimit_rate_limit_waits(waits)


@worker_process_shutdown.connect
def _child_exited(pid: int | None = None, **_: Any) -> None:
    from factdesk.metrics import child_exited

    child_exited(pid or os.getpid())


_probes: Any = None


@worker_ready.connect
def _serve_probes(sender: Any = None, **_: Any) -> None:
    """Serve /metrics, /healthz and /readyz from the worker's main process."""
    global _probes
    if not settings.worker_metrics_port or _probes is not None:
        return
    from factdesk.metrics import ProbeServer

    consumer = sender

    def connected() -> bool:
        connection = getattr(consumer, "connection", None)
        return bool(connection is not None and connection.connected)

    _probes = ProbeServer(
        settings, host=settings.host, port=settings.worker_metrics_port, alive=connected
    ).start()


@worker_shutdown.connect
def _stop_probes(**_: Any) -> None:
    if _probes is not None:
        _probes.stop()
