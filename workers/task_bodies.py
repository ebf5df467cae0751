"""What each Celery task does, with its retry and failure policy.

`workers/task_registry.py` declares the tasks and imports this module inside each task
body, so the Celery parent process, which only routes messages, never loads spaCy,
trafilatura, SQLAlchemy or matplotlib; each pool child loads it once at start-up
(`workers/app.py`).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError as DBInterfaceError
from sqlalchemy.exc import OperationalError as DBOperationalError

from factdesk.errors import FactdeskError, InternalError, SlackPostFailed, TookTooLong
from factdesk.services import receipts
from workers import claim_matches, claim_sync, digest, exports, home, ingest, reminders
from workers.app import celery_app, settings
from workers.context import WorkerContext
from workers.locks import LEASE_SECONDS, article_lease, held_unless_taken

log = logging.getLogger(__name__)

AnyTask = Task[..., None]
# Celery's own default (factdesk/queue.py), for a task that sets no soft limit.
DEFAULT_SOFT_LIMIT = 120
# Errors worth another try later: the database or the broker blinked.
TRANSIENT_INFRA = (
    DBOperationalError,
    DBInterfaceError,
    RedisError,
    TimeoutError,
    ConnectionError,
)


@cache
def context() -> WorkerContext:
    """The process's context, built on first use (after the fork, never before)."""
    return WorkerContext(settings, celery=celery_app)


def _final(task: AnyTask) -> bool:
    return int(task.request.retries or 0) >= settings.task_max_retries


def _retry(task: AnyTask, exc: Exception) -> Exception:
    """The exception that schedules the next attempt, with exponential backoff and jitter,
    and never sooner than Slack's Retry-After when a 429 could not be waited out."""
    retries = int(task.request.retries or 0)
    countdown = settings.task_retry_backoff_seconds * 2**retries * random.uniform(0.8, 1.2)
    # ingest.RetryLater carries the Slack failure as its cause.
    failed = exc if isinstance(exc, SlackPostFailed) else exc.__cause__
    if isinstance(failed, SlackPostFailed) and failed.retry_after:
        countdown = max(countdown, failed.retry_after + random.uniform(0, 1))
    log.info("retrying %s in %.1fs (attempt %s): %r", task.name, countdown, retries + 2, exc)
    return task.retry(exc=exc, countdown=countdown, max_retries=settings.task_max_retries)


@contextmanager
def _alone(task: AnyTask, article_id: int) -> Iterator[bool]:
    """Yield True once no other run for the article is going on.

    The other run is usually a redelivery's twin that finishes soon, or a dead run whose
    lease lapses within seconds. If it is still going after half this task's time budget,
    this task is sent again for later rather than dropped, and False is yielded.
    """
    budget = float(task.soft_time_limit or DEFAULT_SOFT_LIMIT)
    asked = time.monotonic()
    with article_lease(settings, article_id, wait=budget / 2) as held:
        waited = time.monotonic() - asked
        if held and waited > 1:
            log.info("%s article_id=%s waited %.1fs for another run", task.name, article_id, waited)
        if not held:
            log.info("%s article_id=%s: another run holds the article", task.name, article_id)
            context().queue.send(task.name, *(task.request.args or ()), countdown=LEASE_SECONDS)
        yield held


# -- reading a link ---------------------------------------------------------------------


def ingest_article(task: AnyTask, article_id: int, *, fresh: bool) -> None:
    """Fetch, extract, find claims and post them; every failure ends in a thread reply."""
    final = _final(task)
    try:
        with _alone(task, article_id) as alone:
            if alone:
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


# -- posting claims ---------------------------------------------------------------------


def _posting(task: AnyTask, article_id: int, body: Callable[[], None]) -> None:
    """Run a posting task body: transient failures retry, a final Slack refusal marks the
    article "posting stopped" so the summary offers "Post remaining claims"."""
    final = _final(task)
    try:
        with _alone(task, article_id) as alone:
            if alone:
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


def post_held_back(task: AnyTask, article_id: int) -> None:
    """Post the claims held back by the channel's cap."""
    _posting(task, article_id, lambda: ingest.post_held_back(article_id, context()))


def post_new_claims(task: AnyTask, article_id: int) -> None:
    """Post claims stored but not yet posted (added by hand, or found on a re-read)."""
    _posting(task, article_id, lambda: ingest.post_new_claims(article_id, context()))


def post_remaining_claims(task: AnyTask, article_id: int) -> None:
    """Post what a stopped run left, when someone clicks "Post remaining claims"."""
    _posting(
        task,
        article_id,
        lambda: ingest.post_remaining(article_id, context(), final_attempt=_final(task)),
    )


# -- the desk: task messages and App Home -----------------------------------------------


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


def sync_claim(task: AnyTask, claim_id: int, event_id: int | None) -> None:
    """Redraw a task message and the summary tally after a change."""
    _quick(task, lambda: claim_sync.sync_claim(claim_id, event_id, context()))


def publish_home(task: AnyTask, team_id: str, user_id: str) -> None:
    """Redraw one person's App Home."""
    _quick(task, lambda: home.publish_home(team_id, user_id, context()))


# -- weekly digests, reminders, exports, housekeeping (beat) ----------------------------


def digest_tick() -> None:
    """Enqueue the digests that are due."""
    digest.digest_tick(context())


def post_digest(team_id: str, channel_id: str, week_start: str) -> None:
    """Post one channel's weekly digest, once."""
    digest.post_digest(team_id, channel_id, week_start, context())


def preview_digest(
    team_id: str, channel_id: str, user_id: str, which: str, response_url: str
) -> None:
    """Show a digest to one person, ephemerally."""
    digest.preview_digest(
        team_id, channel_id, user_id, which, context(), response_url=response_url or None
    )


def send_reminders() -> None:
    """Nudge assignees of stale tasks and ping unclaimed ones."""
    reminders.send_reminders(context())


def export_claims(
    team_id: str, channel_id: str, user_id: str, scope: str, fmt: str, response_url: str
) -> None:
    """Upload a CSV or ClaimReview export to the requester's DM; tell them if it can't."""
    exports.export_claims(
        team_id, channel_id, user_id, scope, fmt, context(), response_url=response_url or None
    )


def prune_receipts() -> None:
    """Forget Slack event receipts old enough that Slack no longer redelivers them."""
    with context().session() as session:
        gone = receipts.prune(session=session)
    log.info("pruned %s event receipts", gone)


def fill_archive_vectors() -> None:
    """Embed a batch of archive rows that lack the running embedder's vector."""
    ctx = context()
    # Outlasts the task's hard time limit, so a killed worker's lock lapses by the next tick.
    with held_unless_taken(settings, "archive-vector-fill", seconds=300.0) as mine:
        if not mine:
            log.info("archive vector fill skipped: another worker is at it")
            return
        with ctx.session() as session:
            filled = claim_matches.fill_archive_vectors(
                session=session, most=settings.archive_vector_fill_rows
            )
    if filled:
        log.info("archive vectors filled rows=%s", filled)
