"""The Celery application and the names of its tasks.

The bot sends tasks by name, so it never imports the workers (or spaCy).
"""

from __future__ import annotations

from celery import Celery

from factdesk.settings import Settings

INGEST_ARTICLE = "workers.ingest_article"
POST_HELD_BACK = "workers.post_held_back"
SYNC_CLAIM = "workers.sync_claim"
PUBLISH_HOME = "workers.publish_home"
POST_NEW_CLAIMS = "workers.post_new_claims"
INGEST_ARTICLE_FRESH = "workers.ingest_article_fresh"


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
        broker_transport_options={"visibility_timeout": 600},
        worker_hijack_root_logger=False,
        timezone="UTC",
    )
    return app


class TaskQueue:
    """Enqueues work for the workers. Call only after the rows it names are committed."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery

    def ingest_article(self, article_id: int) -> None:
        self.celery.send_task(INGEST_ARTICLE, args=[article_id])

    def post_held_back(self, article_id: int) -> None:
        self.celery.send_task(POST_HELD_BACK, args=[article_id])

    def sync_claim(self, claim_id: int, event_id: int | None) -> None:
        """Redraw a claim's task and the summary after a change; announce the change."""
        self.celery.send_task(SYNC_CLAIM, args=[claim_id, event_id])

    def publish_home(self, team_id: str, user_id: str) -> None:
        self.celery.send_task(PUBLISH_HOME, args=[team_id, user_id])

    def post_new_claims(self, article_id: int) -> None:
        """Post an article's claims that have no message yet (e.g. one a person added)."""
        self.celery.send_task(POST_NEW_CLAIMS, args=[article_id])

    def ingest_article_fresh(self, article_id: int) -> None:
        """Ingest even when the story is already checked elsewhere (`/factcheck <url> again`)."""
        self.celery.send_task(INGEST_ARTICLE_FRESH, args=[article_id])
