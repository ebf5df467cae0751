"""The Celery application the workers and beat run: `celery -A workers.app worker`."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_process_init

from factdesk.logs import configure
from factdesk.queue import create_celery
from factdesk.settings import Settings

settings = Settings()
celery_app = create_celery(settings)
celery_app.conf.include = ["workers.tasks"]

log = logging.getLogger(__name__)


@worker_process_init.connect
def _warm_pipeline(**_: Any) -> None:
    # Loading spaCy once per child process here keeps the first task of each child fast.
    configure(settings.log_level)
    from workers.context import pipeline

    pipeline(settings.spacy_model)
    log.info("spaCy pipeline %s loaded", settings.spacy_model)
