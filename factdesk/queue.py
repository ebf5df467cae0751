"""The Celery application, the names of its tasks, and the one way to send them.

The bot and the workers send tasks by name through a `TaskQueue`, so the bot never imports
the workers (or spaCy). A task sent inside a database session goes out only once that
session commits: a worker never looks for a row that is not committed yet, or never will be.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

from celery import Celery
from celery.signals import before_task_publish

from factdesk.errors import FactdeskError
from factdesk.logs import current
from factdesk.settings import Settings

log = logging.getLogger(__name__)

INGEST_ARTICLE = "workers.ingest_article"
POST_HELD_BACK = "workers.post_held_back"
SYNC_CLAIM = "workers.sync_claim"
PUBLISH_HOME = "workers.publish_home"
POST_NEW_CLAIMS = "workers.post_new_claims"
INGEST_ARTICLE_FRESH = "workers.ingest_article_fresh"
POST_REMAINING_CLAIMS = "workers.post_remaining_claims"
DIGEST_TICK = "workers.digest_tick"
POST_DIGEST = "workers.post_digest"
PREVIEW_DIGEST = "workers.preview_digest"
SEND_REMINDERS = "workers.send_reminders"
EXPORT_CLAIMS = "workers.export_claims"
PRUNE_RECEIPTS = "workers.prune_receipts"
SEARCH_ARCHIVE = "workers.search_archive"
FILL_ARCHIVE_VECTORS = "workers.fill_archive_vectors"

# The message header carrying the Slack event behind a task, so the worker's log lines
# about it name the event (workers/app.py reads it back).
EVENT_ID_HEADER = "factdesk_event_id"


@before_task_publish.connect
def _carry_event_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    event_id = current("event_id")
    if event_id and headers is not None:
        headers[EVENT_ID_HEADER] = event_id


def create_celery(settings: Settings) -> Celery:
    """A Celery app on the configured Redis (or the embedded one)."""
    app = Celery("factdesk", broker=settings.resolved_redis_url)
    app.conf.update(
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # A task is acknowledged only when it finishes, so a worker that dies mid-task
        # leaves it on the queue for another worker instead of losing it.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=120,
        task_time_limit=150,
        broker_connection_retry_on_startup=True,
        # A task whose worker died unacked goes back on the queue after the visibility
        # timeout (which must outlast the longest hard time limit plus retry countdowns);
        # workers look for such tasks every 10 s instead of kombu's default 100 s.
        broker_transport_options={
            "visibility_timeout": settings.broker_visibility_timeout_seconds,
            "unacked_restore_throttle": 1,
        },
        # Sending waits out a broker restart of a few seconds instead of failing at once.
        task_publish_retry_policy={
            "max_retries": 10,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 2,
        },
        worker_hijack_root_logger=False,
        timezone="UTC",
    )
    return app


class TaskQueue:
    """Sends work to the workers, the bot's and the workers' one way to do it.

    A send made inside a `session_scope` block is held until that session has committed
    and closed, then goes from `session_scope` (so a broker failure raises its own error
    there, e.g. `QueueUnavailable`, with the commit standing); it is dropped if the session
    rolls back, or if the savepoint (`begin_nested`) it was made in rolls back. In a block
    nested in another of the same thread it waits for the outermost block to end, since it
    may name rows only the outer block wrote; it still goes if the outer block rolls back,
    as its own block's rows are committed. Outside any block of this thread (a block open
    in another thread, seen through a copied context, does not count) it goes at once.
    """

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def send(self, name: str, *args: Any, countdown: float | None = None) -> None:
        """Send task `name` with `args`, after the commit of the session it is sent in."""
        # Imported here: the Celery parent imports this module for the task names only,
        # and never loads SQLAlchemy (tests/workers/test_task_registry.py).
        from factdesk.db import after_commit, open_session

        session = open_session()
        if session is None:
            self.send_now(name, args, countdown=countdown)
        else:
            after_commit(session, partial(self.send_now, name, args, countdown=countdown))

    def send_now(self, name: str, args: Sequence[Any], *, countdown: float | None = None) -> None:
        """Hand the task to the broker now."""
        self.celery.send_task(name, args=list(args), countdown=countdown)

    def ingest_article(self, article_id: int) -> None:
        self.send(INGEST_ARTICLE, article_id)

    def post_held_back(self, article_id: int) -> None:
        self.send(POST_HELD_BACK, article_id)

    def sync_claim(self, claim_id: int, event_id: int | None) -> None:
        """Redraw a claim's task and the summary after a change; announce the change."""
        self.send(SYNC_CLAIM, claim_id, event_id)

    def publish_home(self, team_id: str, user_id: str) -> None:
        self.send(PUBLISH_HOME, team_id, user_id)

    def post_new_claims(self, article_id: int) -> None:
        """Post an article's claims that have no message yet (e.g. one a person added)."""
        self.send(POST_NEW_CLAIMS, article_id)

    def ingest_article_fresh(self, article_id: int) -> None:
        """Ingest even when the story is already checked elsewhere (`/factcheck <url> again`)."""
        self.send(INGEST_ARTICLE_FRESH, article_id)

    def digest_tick(self) -> None:
        """Look for channels whose weekly digest is due, and queue each one."""
        self.send(DIGEST_TICK)

    def post_digest(self, team_id: str, channel_id: str, week_start: str) -> None:
        """Post a channel's digest for the week starting `week_start` (ISO date), once."""
        self.send(POST_DIGEST, team_id, channel_id, week_start)

    def preview_digest(
        self, team_id: str, channel_id: str, user_id: str, which: str, response_url: str = ""
    ) -> None:
        """Show a person the channel's digest (`this-week` or `last-week`), privately; their
        command's `response_url` reaches them where the bot can't post."""
        self.send(PREVIEW_DIGEST, team_id, channel_id, user_id, which, response_url)

    def export_claims(
        self,
        team_id: str,
        channel_id: str,
        user_id: str,
        scope: str,
        fmt: str,
        response_url: str = "",
    ) -> None:
        """Build a channel's claims export and upload it to the person who asked; their
        command's `response_url` is where they hear of a failure."""
        self.send(EXPORT_CLAIMS, team_id, channel_id, user_id, scope, fmt, response_url)

    def search_archive(self, team_id: str, channel_id: str, user_id: str, words: str) -> None:
        """Answer `/factcheck search <words>` privately with the archive's best matches."""
        self.send(SEARCH_ARCHIVE, team_id, channel_id, user_id, words)

    def post_remaining_claims(self, article_id: int) -> None:
        """Post the claims whose posts failed for good earlier ("Post remaining claims")."""
        self.send(POST_REMAINING_CLAIMS, article_id)


class QueueUnavailable(FactdeskError):
    code = "queue_unavailable"
    user_message = (
        "My work queue is unavailable right now, so I couldn't start on that. "
        "Please try again in a minute."
    )


class PatientCelery(Celery):
    """A Celery app whose `send_task` waits out a broker restart for `patience` seconds,
    then raises `QueueUnavailable` so the person is told instead of left waiting."""

    patience = 20.0

    def send_task(self, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + self.patience
        delay = 0.2
        while True:
            try:
                return super().send_task(*args, **kwargs)
            # kombu raises OperationalError, and AttributeError or ConnectionError from a
            # connection that broke mid-publish; all mean "the broker isn't there now".
            except Exception as exc:
                if time.monotonic() + delay > deadline:
                    raise QueueUnavailable(detail=repr(exc)) from exc
                log.warning("broker unavailable, retrying send in %.1fs: %r", delay, exc)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)


def create_patient_celery(settings: Settings) -> Celery:
    """`create_celery`'s app, as a `PatientCelery`: for the bot, which only sends."""
    app = PatientCelery("factdesk", broker=settings.resolved_redis_url)
    app.conf.update(dict(create_celery(settings).conf.changes or {}))
    return app
