from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from factdesk.errors import PageNotFound
from factdesk.models import ArticleState
from factdesk.services import articles


def _create(session: Session, url: str, thread_ts: str | None = "1700000000.000100"):  # type: ignore[no-untyped-def]
    return articles.create(
        session=session,
        url=url,
        team_id="T0FACTDESK",
        channel_id="C0NEWSDESK",
        thread_ts=thread_ts,
        message_ts=thread_ts,
        requested_by="U0ANA",
    )


def test_same_link_in_same_thread_is_one_article(session: Session) -> None:
    first, created = _create(session, "https://news.example/a?utm_source=slack#top")
    again, created_again = _create(session, "https://NEWS.example/a")

    assert created
    assert not created_again
    assert again.id == first.id
    assert first.normalized_url == "https://news.example/a"
    assert first.state is ArticleState.QUEUED


def test_same_link_in_another_thread_is_another_article(session: Session) -> None:
    first, _ = _create(session, "https://news.example/a", "1700000000.000100")
    other, created = _create(session, "https://news.example/a", "1700000000.000200")

    assert created
    assert other.id != first.id


def test_lifecycle(session: Session) -> None:
    article, _ = _create(session, "https://news.example/b")
    articles.start(session=session, article=article)
    articles.store_extraction(
        session=session,
        article=article,
        extracted=articles.Extracted(
            text="Body text.", title="Title", author="Jo Doe", published_date=date(2024, 10, 23)
        ),
    )
    articles.finish(session=session, article=article)
    session.expire_all()

    stored = articles.get(session=session, article_id=article.id)
    assert stored is not None
    assert stored.state is ArticleState.DONE
    assert stored.published_date == date(2024, 10, 23)
    assert stored.text_hash is not None
    assert len(stored.text_hash) == 64


def test_failure_keeps_code_and_message(session: Session) -> None:
    article, _ = _create(session, "https://news.example/c")

    articles.fail(session=session, article=article, error=PageNotFound("Gone (HTTP 404)."))

    assert article.state is ArticleState.FAILED
    assert (article.error_code, article.error_message) == ("http_error", "Gone (HTTP 404).")
