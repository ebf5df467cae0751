"""The fetcher against the local article server: every limit holds, every failure has words."""

from __future__ import annotations

import re

import pytest

from factdesk.errors import (
    FactdeskError,
    FetchTimeout,
    NotAnArticle,
    PageNotFound,
    PageTooLarge,
    TooManyRedirects,
    Unreachable,
)
from factdesk.settings import Settings
from standin.articles import ArticleServer
from workers.fetch import fetch

SETTINGS = Settings(fetch_timeout_seconds=2, fetch_max_bytes=1024 * 1024, fetch_max_redirects=3)


def _refused(kind: type[FactdeskError], words: str, url: str, settings: Settings) -> None:
    """Fetching `url` fails with `kind`, and the message a person reads says `words`."""
    with pytest.raises(kind) as refused:
        fetch(url, settings)
    assert re.search(words, refused.value.user_message), refused.value.user_message


def test_fetches_html_with_a_real_user_agent(pages: ArticleServer) -> None:
    page = fetch(pages.article_url("north-korean-troops-russia.html"), SETTINGS)

    assert page.content_type == "text/html"
    assert page.encoding == "utf-8"
    assert b"Lloyd Austin" in page.body


def test_plain_text_is_accepted(pages: ArticleServer) -> None:
    assert fetch(pages.article_url("press-release.txt"), SETTINGS).content_type == "text/plain"


def test_follows_a_few_redirects(pages: ArticleServer) -> None:
    page = fetch(f"{pages.url}/redirect?to=/articles/press-release.txt&n=3", SETTINGS)

    assert page.url.endswith("/articles/press-release.txt")


def test_stops_after_the_redirect_limit(pages: ArticleServer) -> None:
    _refused(
        TooManyRedirects,
        "more than 3 times",
        f"{pages.url}/redirect?to=/articles/press-release.txt&n=4",
        SETTINGS,
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [(404, "wasn't found"), (410, "wasn't found"), (403, "refused"), (500, "had an error")],
)
def test_http_errors_are_explained(pages: ArticleServer, status: int, words: str) -> None:
    _refused(PageNotFound, words, f"{pages.url}/status/{status}", SETTINGS)


def test_images_are_not_articles(pages: ArticleServer) -> None:
    _refused(NotAnArticle, r"an image file \(image/png\)", f"{pages.url}/image.png", SETTINGS)


def test_pages_over_the_size_cap_are_refused(pages: ArticleServer) -> None:
    _refused(PageTooLarge, "larger than 1 MB", f"{pages.url}/big?mb=3", SETTINGS)


def test_slow_servers_time_out(pages: ArticleServer) -> None:
    _refused(FetchTimeout, "took too long", f"{pages.url}/slow?seconds=5", SETTINGS)


def test_closed_port_is_unreachable() -> None:
    _refused(Unreachable, r"couldn't connect to 127\.0\.0\.1", "http://127.0.0.1:9/story", SETTINGS)
