"""The thread's summary: drawn from the tally as it stands, and redrawn after each change."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from factdesk.errors import SlackPostFailed
from factdesk.models import Article, ArticleState
from factdesk.render import thread as render_thread
from factdesk.render.blocks import Message
from factdesk.services import claims
from workers.context import WorkerContext

log = logging.getLogger(__name__)


def summary_message(session: Session, article: Article) -> Message:
    """The summary as it stands: tally, and any lower-scored claims still on offer."""
    return render_thread.summary(
        article,
        claims.tally(session=session, article_id=article.id),
        held_back=claims.count_held_back(session=session, article_id=article.id),
        unposted=unposted_count(session, article) if posting_failed(article) else 0,
    )


def posting_failed(article: Article) -> bool:
    """Whether the last run stopped because Slack would not take the posts."""
    return article.state is ArticleState.FAILED and article.error_code == SlackPostFailed.code


def unposted_count(session: Session, article: Article) -> int:
    """Claims stored for the thread (not held back) that have no message yet."""
    return sum(
        1
        for claim in claims.list_for_article(session=session, article_id=article.id)
        if claim.slack_ts is None
    )


def update_summary(session: Session, article: Article, ctx: WorkerContext) -> None:
    """Redraw the summary in place; a failure is logged, never raised."""
    if article.slack_summary_ts is None:
        return
    message = summary_message(session, article)
    try:
        ctx.slack.chat_update(
            channel=article.slack_channel_id,
            ts=article.slack_summary_ts,
            text=message.text,
            blocks=message.blocks,
        )
    except SlackApiError as exc:
        log.warning(
            "summary not updated article_id=%s error=%s", article.id, exc.response.get("error")
        )
