from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from factdesk.errors import PageNotFound
from factdesk.models import ArticleSource, ArticleState
from factdesk.services import articles
from tests import factories


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


def _shared(session: Session, url: str, *, team: str = "T0AGAIN", channel: str = "C0AGAIN1"):  # type: ignore[no-untyped-def]
    article, _ = articles.create(
        session=session,
        url=url,
        team_id=team,
        channel_id=channel,
        thread_ts=f"17000000{abs(hash((url, channel))) % 100:02d}.000100",
        requested_by="U0ANA",
    )
    return article


def test_find_checking_matches_variants_across_channels_of_one_workspace(
    session: Session,
) -> None:
    original = _shared(session, "https://www.news.example/a?utm_source=x")

    for variant in ("https://news.example/a/", "https://m.news.example/a#top"):
        found = articles.find_checking(session=session, team_id="T0AGAIN", url=variant)
        assert found is not None
        assert found.id == original.id
    assert articles.find_checking(session=session, team_id="T0OTHER", url=original.url) is None
    assert (
        articles.find_checking(session=session, team_id="T0AGAIN", url="https://b.example") is None
    )


def test_find_checking_matches_the_canonical_link(session: Session) -> None:
    original = _shared(session, "https://news.example/a?share=1")
    articles.store_extraction(
        session=session,
        article=original,
        extracted=articles.Extracted(text="Body."),
        canonical_url="https://www.news.example/stories/a/",
    )

    assert original.canonical_key == "https://news.example/stories/a"
    found = articles.find_checking(
        session=session, team_id="T0AGAIN", url="https://amp.news.example/stories/a"
    )
    assert found is not None
    assert found.id == original.id


def test_failed_and_duplicate_articles_are_not_pointed_at(session: Session) -> None:
    failed = _shared(session, "https://news.example/gone")
    articles.fail(session=session, article=failed, error=PageNotFound())
    assert articles.find_checking(session=session, team_id="T0AGAIN", url=failed.url) is None

    original = _shared(session, "https://news.example/a")
    copy = _shared(session, "https://news.example/a", channel="C0AGAIN2")
    articles.mark_duplicate(session=session, article=copy, original=original)

    assert copy.state is ArticleState.DUPLICATE
    assert copy.duplicate_of_id == original.id
    found = articles.find_checking(session=session, team_id="T0AGAIN", url=original.url)
    assert found is not None
    assert found.id == original.id


def test_find_original_is_an_earlier_article_with_the_same_canonical_link(
    session: Session,
) -> None:
    first = _shared(session, "https://news.example/a")
    articles.store_extraction(
        session=session, article=first, extracted=articles.Extracted(text="Body.")
    )
    second = _shared(session, "https://news.example/a?variant=2", channel="C0AGAIN2")
    articles.store_extraction(
        session=session,
        article=second,
        extracted=articles.Extracted(text="Body."),
        canonical_url="https://news.example/a",
    )

    found = articles.find_original(session=session, article=second)
    assert found is not None
    assert found.id == first.id
    assert articles.find_original(session=session, article=first) is None


def test_message_articles_keep_their_text_and_have_no_canonical_key(session: Session) -> None:
    article, created = articles.create(
        session=session,
        url="https://factdesk-demo.slack.com/archives/C0MSG/p1700000000000100",
        team_id="T0MSG",
        channel_id="C0MSG",
        thread_ts="1700000000.000100",
        source=ArticleSource.MESSAGE,
        text="The mayor said crime fell 40% last year.",
        title="this message",
    )
    articles.store_extraction(
        session=session,
        article=article,
        extracted=articles.Extracted(text=article.text or "", title=article.title),
    )

    assert created
    assert article.source is ArticleSource.MESSAGE
    assert article.canonical_key is None
    assert article.text == "The mayor said crime fell 40% last year."


RESPONSE_URL = "https://hooks.slack.com/commands/T0FACTDESK/1/abc"


def test_a_requests_response_url_is_taken_once_for_all_its_articles(session: Session) -> None:
    # The shortcut stores a message and its link with the same response_url; whichever
    # fails first tells the person, and the other finds nothing left to use.
    text, link = (
        factories.article(response_url=RESPONSE_URL),
        factories.article(response_url=RESPONSE_URL),
    )
    other = factories.article(response_url=RESPONSE_URL + "x")

    assert articles.take_response_url(session=session, article=link) == RESPONSE_URL
    assert articles.take_response_url(session=session, article=text) is None
    session.expire_all()
    assert (text.response_url, link.response_url) == (None, None)
    assert other.response_url == RESPONSE_URL + "x"


def test_requeue_clears_the_failure_and_keeps_the_new_response_url(session: Session) -> None:
    article, _ = _create(session, "https://news.example/requeue")
    articles.fail(session=session, article=article, error=PageNotFound(detail="404"))

    articles.requeue(session=session, article=article, response_url=RESPONSE_URL)

    assert article.state is ArticleState.QUEUED
    assert (article.error_code, article.error_message) == (None, None)
    assert article.response_url == RESPONSE_URL
