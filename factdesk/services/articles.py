"""Articles: the links shared in Slack and what was extracted from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factdesk.errors import FactdeskError
from factdesk.links import normalize_url
from factdesk.models import Article, ArticleSource, ArticleState

# States in which an article is (or will be) a thread worth pointing a re-share at.
_CHECKING = (ArticleState.QUEUED, ArticleState.PROCESSING, ArticleState.DONE)


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
    source: ArticleSource = ArticleSource.LINK,
    text: str | None = None,
    title: str | None = None,
    duplicate_of: Article | None = None,
    response_url: str | None = None,
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
        source=source,
        text=text,
        title=title,
        response_url=response_url or None,
    )
    if duplicate_of is not None:
        article.state = ArticleState.DUPLICATE
        article.duplicate_of_id = duplicate_of.id
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
            source=source,
            text=text,
            title=title,
            duplicate_of=duplicate_of,
            response_url=response_url,
        )
    return article, True


def requeue(*, session: Session, article: Article, response_url: str | None = None) -> None:
    """Queue a failed article again, answering to the new request's response_url."""
    article.state = ArticleState.QUEUED
    article.error_code = None
    article.error_message = None
    article.response_url = response_url or None
    session.flush()


def take_response_url(*, session: Session, article: Article) -> str | None:
    """The article's response_url, once: it is cleared from every article of the same
    request (a message and its links), so only the first of them to ask gets it."""
    url = article.response_url
    if url is None:
        return None
    # Two workers failing at once: the second's update finds no row left to clear.
    cleared = cast(
        CursorResult[Any],
        session.execute(
            update(Article).where(Article.response_url == url).values(response_url=None)
        ),
    )
    return url if cleared.rowcount else None


def find_checking(
    *, session: Session, team_id: str, url: str, before_id: int | None = None
) -> Article | None:
    """The workspace's latest live article for this link (by address or canonical link)."""
    key = normalize_url(url)
    query = select(Article).where(
        Article.slack_team_id == team_id,
        Article.state.in_(_CHECKING),
        or_(Article.normalized_url == key, Article.canonical_key == key),
    )
    if before_id is not None:
        query = query.where(Article.id < before_id)
    return session.scalars(query.order_by(Article.id.desc()).limit(1)).first()


def find_original(*, session: Session, article: Article) -> Article | None:
    """An earlier live article in the workspace with this one's address or canonical link."""
    for key in dict.fromkeys(k for k in (article.canonical_key, article.normalized_url) if k):
        original = find_checking(
            session=session, team_id=article.slack_team_id, url=key, before_id=article.id
        )
        if original is not None:
            return original
    return None


def mark_duplicate(*, session: Session, article: Article, original: Article) -> None:
    """Point the article at the thread already checking the same story."""
    article.state = ArticleState.DUPLICATE
    article.duplicate_of_id = original.id
    session.flush()


def start(*, session: Session, article: Article) -> None:
    """Mark the article as being processed, clearing any earlier error."""
    article.state = ArticleState.PROCESSING
    article.error_code = None
    article.error_message = None
    session.flush()


def store_extraction(
    *,
    session: Session,
    article: Article,
    extracted: Extracted,
    canonical_url: str | None = None,
    final_url: str | None = None,
) -> None:
    """Record the page's text and metadata, and the key that finds the story re-shared."""
    article.text = extracted.text
    article.text_hash = hashlib.sha256(extracted.text.encode()).hexdigest()
    article.title = extracted.title
    article.site = extracted.site
    article.author = extracted.author
    article.published_date = extracted.published_date
    article.language = extracted.language
    article.canonical_url = canonical_url
    if article.source is ArticleSource.LINK:
        article.canonical_key = normalize_url(canonical_url or final_url or article.url)
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
