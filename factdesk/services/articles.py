"""Articles: the links shared in Slack and what was extracted from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factdesk.errors import FactdeskError
from factdesk.links import normalize_url
from factdesk.models import Article, ArticleState


@dataclass(frozen=True)
class Extracted:
    """What the extractor read from a page."""

    text: str
    title: str | None = None
    site: str | None = None
    author: str | None = None
    published_date: date | None = None
    language: str | None = None


def get(*, session: Session, article_id: int) -> Article | None:
    """The article with this id, if any."""
    return session.get(Article, article_id)


def create(
    *,
    session: Session,
    url: str,
    team_id: str,
    channel_id: str,
    thread_ts: str | None,
    message_ts: str | None = None,
    requested_by: str | None = None,
) -> tuple[Article, bool]:
    """The article for this link in this thread, and whether it was created just now."""
    normalized = normalize_url(url)
    if thread_ts is not None:
        existing = session.scalar(
            select(Article).where(
                Article.slack_channel_id == channel_id,
                Article.slack_thread_ts == thread_ts,
                Article.normalized_url == normalized,
            )
        )
        if existing is not None:
            return existing, False
    article = Article(
        url=url,
        normalized_url=normalized,
        slack_team_id=team_id,
        slack_channel_id=channel_id,
        slack_thread_ts=thread_ts,
        slack_message_ts=message_ts,
        requested_by=requested_by,
    )
    try:
        # A savepoint, so losing the race to a redelivered event rolls back only this insert.
        with session.begin_nested():
            session.add(article)
    except IntegrityError:
        return create(
            session=session,
            url=url,
            team_id=team_id,
            channel_id=channel_id,
            thread_ts=thread_ts,
            message_ts=message_ts,
            requested_by=requested_by,
        )
    return article, True


def start(*, session: Session, article: Article) -> None:
    """Mark the article as being processed, clearing any earlier error."""
    article.state = ArticleState.PROCESSING
    article.error_code = None
    article.error_message = None
    session.flush()


def store_extraction(
    *, session: Session, article: Article, extracted: Extracted, canonical_url: str | None = None
) -> None:
    """Record the page's text and metadata."""
    article.text = extracted.text
    article.text_hash = hashlib.sha256(extracted.text.encode()).hexdigest()
    article.title = extracted.title
    article.site = extracted.site
    article.author = extracted.author
    article.published_date = extracted.published_date
    article.language = extracted.language
    article.canonical_url = canonical_url
    session.flush()


def fail(*, session: Session, article: Article, error: FactdeskError) -> None:
    """Record why the article could not be processed."""
    article.state = ArticleState.FAILED
    article.error_code = error.code
    article.error_message = error.user_message
    session.flush()


def finish(*, session: Session, article: Article) -> None:
    """Mark the article done: every claim is stored and posted."""
    article.state = ArticleState.DONE
    session.flush()
