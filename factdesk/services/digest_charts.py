"""The weekly digest's chart in Slack: marked as begun, uploaded, its file id recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from factdesk.models import DigestPost


def start_chart(*, session: Session, post: DigestPost, now: datetime) -> datetime | None:
    """Mark the chart's upload as begun; when an earlier run began it, when that was.

    Commit before uploading: only a run after a crash mid-upload then reads the thread.
    """
    begun = post.chart_started_at
    if begun is None:
        post.chart_started_at = now
    return begun


def set_chart(*, session: Session, post_id: int, file_id: str) -> None:
    """Note the chart uploaded under the digest, so a re-run doesn't upload it again."""
    session.execute(
        update(DigestPost)
        .where(DigestPost.id == post_id)
        .values(chart_file_id=file_id)
        .execution_options(synchronize_session=False)
    )
