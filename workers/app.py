"""The Celery application the workers and beat run: `celery -A workers.app worker`."""

from __future__ import annotations

import logging
from typing import Any

from celery.schedules import crontab
from celery.signals import worker_process_init

from factdesk.logs import configure
from factdesk.queue import DIGEST_TICK, PRUNE_RECEIPTS, SEND_REMINDERS, create_celery
from factdesk.settings import Settings

settings = Settings()
celery_app = create_celery(settings)
celery_app.conf.include = ["workers.tasks"]
# Several beats enqueueing the same tick is harmless: digests and reminders hold unique
# keys in the database, and the tick itself only looks and enqueues.
celery_app.conf.beat_schedule = {
    "digest-tick": {"task": DIGEST_TICK, "schedule": settings.digest_tick_seconds},
    "send-reminders": {"task": SEND_REMINDERS, "schedule": settings.reminder_interval_seconds},
    "prune-receipts": {"task": PRUNE_RECEIPTS, "schedule": crontab(hour=3, minute=17)},
}

log = logging.getLogger(__name__)


@worker_process_init.connect
def _warm_pipeline(**_: Any) -> None:
    # Loading spaCy once per child process here keeps the first task of each child fast.
    configure(settings.log_level)
    from workers.context import pipeline

    pipeline(settings.spacy_model)
    log.info("spaCy pipeline %s loaded", settings.spacy_model)
