"""The Celery tasks' declarations: names and time limits. Tasks take ids, never objects,
and are safe to run twice.

Each body imports `workers.task_bodies` (what the task does) when it runs. The Celery
parent process imports this module only to learn the task names and options; it never
runs a body, so it never loads the pipeline's libraries, which keeps one worker's memory
to the parent's ~60 MB plus the pool child's (docs/performance.md).
"""

from __future__ import annotations

from celery import Task

from factdesk.queue import (
    DIGEST_TICK,
    EXPORT_CLAIMS,
    FILL_ARCHIVE_VECTORS,
    INGEST_ARTICLE,
    INGEST_ARTICLE_FRESH,
    POST_DIGEST,
    POST_HELD_BACK,
    POST_NEW_CLAIMS,
    POST_REMAINING_CLAIMS,
    PREVIEW_DIGEST,
    PRUNE_RECEIPTS,
    PUBLISH_HOME,
    SEARCH_ARCHIVE,
    SEND_REMINDERS,
    SYNC_CLAIM,
)
from workers.app import celery_app

# Soft limit, then hard limit, in seconds. Posting tasks wait on Slack's pacing (a
# 40-claim thread takes about a minute at one post a second), so they get more.
INGEST_LIMITS = (120, 150)
POSTING_LIMITS = (300, 330)
QUICK_LIMITS = (30, 45)
AnyTask = Task[..., None]


@celery_app.task(
    name=INGEST_ARTICLE, bind=True, soft_time_limit=INGEST_LIMITS[0], time_limit=INGEST_LIMITS[1]
)
def ingest_article(self: AnyTask, article_id: int) -> None:
    from workers import task_bodies

    task_bodies.ingest_article(self, article_id, fresh=False)


@celery_app.task(
    name=INGEST_ARTICLE_FRESH,
    bind=True,
    soft_time_limit=INGEST_LIMITS[0],
    time_limit=INGEST_LIMITS[1],
)
def ingest_article_fresh(self: AnyTask, article_id: int) -> None:
    from workers import task_bodies

    task_bodies.ingest_article(self, article_id, fresh=True)


@celery_app.task(
    name=POST_HELD_BACK,
    bind=True,
    soft_time_limit=POSTING_LIMITS[0],
    time_limit=POSTING_LIMITS[1],
)
def post_held_back(self: AnyTask, article_id: int) -> None:
    from workers import task_bodies

    task_bodies.post_held_back(self, article_id)


@celery_app.task(
    name=POST_NEW_CLAIMS,
    bind=True,
    soft_time_limit=POSTING_LIMITS[0],
    time_limit=POSTING_LIMITS[1],
)
def post_new_claims(self: AnyTask, article_id: int) -> None:
    from workers import task_bodies

    task_bodies.post_new_claims(self, article_id)


@celery_app.task(
    name=POST_REMAINING_CLAIMS,
    bind=True,
    soft_time_limit=POSTING_LIMITS[0],
    time_limit=POSTING_LIMITS[1],
)
def post_remaining_claims(self: AnyTask, article_id: int) -> None:
    from workers import task_bodies

    task_bodies.post_remaining_claims(self, article_id)


@celery_app.task(
    name=SYNC_CLAIM, bind=True, soft_time_limit=QUICK_LIMITS[0], time_limit=QUICK_LIMITS[1]
)
def sync_claim(self: AnyTask, claim_id: int, event_id: int | None) -> None:
    from workers import task_bodies

    task_bodies.sync_claim(self, claim_id, event_id)


@celery_app.task(
    name=PUBLISH_HOME, bind=True, soft_time_limit=QUICK_LIMITS[0], time_limit=QUICK_LIMITS[1]
)
def publish_home(self: AnyTask, team_id: str, user_id: str) -> None:
    from workers import task_bodies

    task_bodies.publish_home(self, team_id, user_id)


@celery_app.task(name=DIGEST_TICK)
def digest_tick() -> None:
    from workers import task_bodies

    task_bodies.digest_tick()


@celery_app.task(name=POST_DIGEST)
def post_digest(team_id: str, channel_id: str, week_start: str) -> None:
    from workers import task_bodies

    task_bodies.post_digest(team_id, channel_id, week_start)


@celery_app.task(name=PREVIEW_DIGEST)
def preview_digest(
    team_id: str, channel_id: str, user_id: str, which: str, response_url: str = ""
) -> None:
    from workers import task_bodies

    task_bodies.preview_digest(team_id, channel_id, user_id, which, response_url)


@celery_app.task(name=SEND_REMINDERS)
def send_reminders() -> None:
    from workers import task_bodies

    task_bodies.send_reminders()


@celery_app.task(name=EXPORT_CLAIMS)
def export_claims(
    team_id: str, channel_id: str, user_id: str, scope: str, fmt: str, response_url: str = ""
) -> None:
    from workers import task_bodies

    task_bodies.export_claims(team_id, channel_id, user_id, scope, fmt, response_url)


@celery_app.task(name=SEARCH_ARCHIVE, soft_time_limit=QUICK_LIMITS[0], time_limit=QUICK_LIMITS[1])
def search_archive(team_id: str, channel_id: str, user_id: str, words: str) -> None:
    from workers import claim_matches, task_bodies

    claim_matches.search_archive(team_id, channel_id, user_id, words, task_bodies.context())


@celery_app.task(name=PRUNE_RECEIPTS)
def prune_receipts() -> None:
    from workers import task_bodies

    task_bodies.prune_receipts()


# A tick's batch takes seconds (docs/matching.md); the limit stops a stuck one, its
# committed batches kept.
FILL_LIMITS = (240, 270)


@celery_app.task(
    name=FILL_ARCHIVE_VECTORS, soft_time_limit=FILL_LIMITS[0], time_limit=FILL_LIMITS[1]
)
def fill_archive_vectors() -> None:
    from workers import task_bodies

    task_bodies.fill_archive_vectors()
