"""Celery tasks. They take ids, never objects, and are safe to run twice."""

from __future__ import annotations

import logging
from functools import cache

from factdesk.errors import FactdeskError
from factdesk.queue import (
    INGEST_ARTICLE,
    INGEST_ARTICLE_FRESH,
    POST_HELD_BACK,
    POST_NEW_CLAIMS,
    PUBLISH_HOME,
    SYNC_CLAIM,
)
from workers import claim_sync, home, ingest
from workers.app import celery_app, settings
from workers.context import WorkerContext

log = logging.getLogger(__name__)


class InternalError(FactdeskError):
    code = "internal_error"
    user_message = (
        "Something went wrong on my side while reading this link. "
        "The people who run Factdesk can find the details in the worker log."
    )


@cache
def context() -> WorkerContext:
    """The process's context, built on first use (after the fork, never before)."""
    return WorkerContext(settings)


@celery_app.task(name=INGEST_ARTICLE)
def ingest_article(article_id: int) -> None:
    try:
        ingest.ingest_article(article_id, context())
    except Exception as exc:  # the person who shared the link still gets an answer
        log.exception("ingest crashed article_id=%s", article_id)
        ingest.fail(article_id, InternalError(detail=repr(exc)), context())


@celery_app.task(name=POST_HELD_BACK)
def post_held_back(article_id: int) -> None:
    ingest.post_held_back(article_id, context())


@celery_app.task(name=SYNC_CLAIM)
def sync_claim(claim_id: int, event_id: int | None) -> None:
    claim_sync.sync_claim(claim_id, event_id, context())


@celery_app.task(name=PUBLISH_HOME)
def publish_home(team_id: str, user_id: str) -> None:
    home.publish_home(team_id, user_id, context())


@celery_app.task(name=POST_NEW_CLAIMS)
def post_new_claims(article_id: int) -> None:
    ingest.post_new_claims(article_id, context())


@celery_app.task(name=INGEST_ARTICLE_FRESH)
def ingest_article_fresh(article_id: int) -> None:
    try:
        ingest.ingest_article(article_id, context(), fresh=True)
    except Exception as exc:  # the person who asked still gets an answer
        log.exception("ingest crashed article_id=%s", article_id)
        ingest.fail(article_id, InternalError(detail=repr(exc)), context())
