"""Celery tasks. They take ids, never objects, and are safe to run twice."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from functools import cache

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import InterfaceError as DBInterfaceError
from sqlalchemy.exc import OperationalError as DBOperationalError

from factdesk.errors import FactdeskError
from factdesk.queue import (
    DIGEST_TICK,
    EXPORT_CLAIMS,
    INGEST_ARTICLE,
    INGEST_ARTICLE_FRESH,
    POST_DIGEST,
    POST_HELD_BACK,
    POST_NEW_CLAIMS,
    POST_REMAINING_CLAIMS,
    PREVIEW_DIGEST,
    PRUNE_RECEIPTS,
    PUBLISH_HOME,
    SEND_REMINDERS,
    SYNC_CLAIM,
    TaskQueue,
)
from factdesk.services import receipts
from workers import claim_sync, digest, exports, home, ingest, reminders
from workers.app import celery_app, settings
from workers.context import WorkerContext
from workers.posting import SlackPostFailed

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


# Soft limit, then hard limit, in seconds. Posting tasks wait on Slack's pacing (a
# 40-claim thread takes about a minute at one post a second), so they get more.
INGEST_LIMITS = (120, 150)
POSTING_LIMITS = (300, 330)
QUICK_LIMITS = (30, 45)
AnyTask = Task[..., None]
# Errors worth another try later: the database or the broker blinked.
TRANSIENT_INFRA = (DBOperationalError, DBInterfaceError, TimeoutError, ConnectionError)


class TookTooLong(FactdeskError):
    code = "took_too_long"
    user_message = (
        "Reading this link took longer than I allow, so I stopped. "
        "A shorter page, or the same story from another site, may work."
    )


def _final(task: AnyTask) -> bool:
    return int(task.request.retries or 0) >= settings.task_max_retries


def _retry(task: AnyTask, exc: Exception) -> Exception:
    """The exception that schedules the next attempt, with exponential backoff and jitter."""
    retries = int(task.request.retries or 0)
    countdown = settings.task_retry_backoff_seconds * 2**retries * random.uniform(0.8, 1.2)
    log.info("retrying %s in %.1fs (attempt %s): %r", task.name, countdown, retries + 2, exc)
    return task.retry(exc=exc, countdown=countdown, max_retries=settings.task_max_retries)


def _ingest(task: AnyTask, article_id: int, *, fresh: bool) -> None:
    final = _final(task)
    try:
        ingest.ingest_article(article_id, context(), fresh=fresh, final_attempt=final)
    except ingest.RetryLater as exc:
        raise _retry(task, exc) from exc
    except TRANSIENT_INFRA as exc:
        if not final:
            raise _retry(task, exc) from exc
        _crashed(article_id, exc)
    except SoftTimeLimitExceeded:
        log.warning("ingest took too long article_id=%s", article_id)
        _fail_quietly(article_id, TookTooLong())
    except Exception as exc:  # noqa: BLE001 -- logged in _crashed; the person still gets an answer
        _crashed(article_id, exc)


def _crashed(article_id: int, exc: BaseException) -> None:
    log.exception("ingest crashed article_id=%s", article_id)
    _fail_quietly(article_id, InternalError(detail=repr(exc)))


def _fail_quietly(article_id: int, error: FactdeskError) -> None:
    try:
        ingest.fail(article_id, error, context())
    except Exception:  # the database itself may be what failed; the log has it
        log.exception("failure not recorded article_id=%s", article_id)


def _posting(task: AnyTask, article_id: int, body: Callable[[], None]) -> None:
    """Run a posting task body: transient failures retry, a final Slack refusal marks the
    article "posting stopped" so the summary offers "Post remaining claims"."""
    final = _final(task)
    try:
        body()
    except ingest.RetryLater as exc:
        raise _retry(task, exc) from exc
    except SlackPostFailed as exc:
        if exc.transient and not final:
            raise _retry(task, exc) from exc
        ingest.fail(article_id, exc, context())
    except TRANSIENT_INFRA as exc:
        if final:
            raise
        raise _retry(task, exc) from exc


def _quick(task: AnyTask, body: Callable[[], None]) -> None:
    try:
        body()
    except SlackPostFailed as exc:
        if _final(task):
            log.warning("%s gave up: %s", task.name, exc.detail)
            return
        raise _retry(task, exc) from exc
    except TRANSIENT_INFRA as exc:
        if _final(task):
            raise
        raise _retry(task, exc) from exc


@celery_app.task(
    name=INGEST_ARTICLE, bind=True, soft_time_limit=INGEST_LIMITS[0], time_limit=INGEST_LIMITS[1]
)
def ingest_article(self: AnyTask, article_id: int) -> None:
    _ingest(self, article_id, fresh=False)


@celery_app.task(
    name=POST_HELD_BACK,
    bind=True,
    soft_time_limit=POSTING_LIMITS[0],
    time_limit=POSTING_LIMITS[1],
)
def post_held_back(self: AnyTask, article_id: int) -> None:
    _posting(self, article_id, lambda: ingest.post_held_back(article_id, context()))


@celery_app.task(
    name=SYNC_CLAIM, bind=True, soft_time_limit=QUICK_LIMITS[0], time_limit=QUICK_LIMITS[1]
)
def sync_claim(self: AnyTask, claim_id: int, event_id: int | None) -> None:
    _quick(self, lambda: claim_sync.sync_claim(claim_id, event_id, context()))


@celery_app.task(
    name=PUBLISH_HOME, bind=True, soft_time_limit=QUICK_LIMITS[0], time_limit=QUICK_LIMITS[1]
)
def publish_home(self: AnyTask, team_id: str, user_id: str) -> None:
    _quick(self, lambda: home.publish_home(team_id, user_id, context()))


@celery_app.task(
    name=POST_NEW_CLAIMS,
    bind=True,
    soft_time_limit=POSTING_LIMITS[0],
    time_limit=POSTING_LIMITS[1],
)
def post_new_claims(self: AnyTask, article_id: int) -> None:
    _posting(self, article_id, lambda: ingest.post_new_claims(article_id, context()))


@celery_app.task(
    name=INGEST_ARTICLE_FRESH,
    bind=True,
    soft_time_limit=INGEST_LIMITS[0],
    time_limit=INGEST_LIMITS[1],
)
def ingest_article_fresh(self: AnyTask, article_id: int) -> None:
    _ingest(self, article_id, fresh=True)


@celery_app.task(
    name=POST_REMAINING_CLAIMS,
    bind=True,
    soft_time_limit=POSTING_LIMITS[0],
    time_limit=POSTING_LIMITS[1],
)
def post_remaining_claims(self: AnyTask, article_id: int) -> None:
    _posting(
        self,
        article_id,
        lambda: ingest.post_remaining(article_id, context(), final_attempt=_final(self)),
    )


# -- weekly digests, reminders, exports, housekeeping (beat) ----------------------------


@cache
def _queue() -> TaskQueue:
    return TaskQueue(celery_app)


@celery_app.task(name=DIGEST_TICK)
def digest_tick() -> None:
    digest.digest_tick(context(), _queue().post_digest)


@celery_app.task(name=POST_DIGEST)
def post_digest(team_id: str, channel_id: str, week_start: str) -> None:
    digest.post_digest(team_id, channel_id, week_start, context())


@celery_app.task(name=PREVIEW_DIGEST)
def preview_digest(team_id: str, channel_id: str, user_id: str, which: str) -> None:
    digest.preview_digest(team_id, channel_id, user_id, which, context())


@celery_app.task(name=SEND_REMINDERS)
def send_reminders() -> None:
    reminders.send_reminders(context())


@celery_app.task(name=EXPORT_CLAIMS)
def export_claims(team_id: str, channel_id: str, user_id: str, scope: str, fmt: str) -> None:
    exports.export_claims(team_id, channel_id, user_id, scope, fmt, context())


@celery_app.task(name=PRUNE_RECEIPTS)
def prune_receipts() -> None:
    with context().session() as session:
        gone = receipts.prune(session=session)
    log.info("pruned %s event receipts", gone)
