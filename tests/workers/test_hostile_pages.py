"""Hostile pages end in words, in bounded time and memory: never a crash, never a hang."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest

from factdesk.errors import (
    BinaryPage,
    DecompressionBomb,
    FactdeskError,
    FetchTimeout,
    NeedsJavaScript,
    NoArticleText,
    PageTooLarge,
)
from factdesk.services.articles import Extracted
from factdesk.settings import Settings
from standin.articles import ArticleServer
from standin.slack_api import SlackStandIn
from tests.conftest import System, share_in
from workers.extract import extract
from workers.fetch import fetch
from workers.ingest import MAX_FINDER_CHARS, _finder_text
from workers.task_registry import INGEST_LIMITS

SETTINGS = Settings(fetch_timeout_seconds=1.5, fetch_allowed_networks="127.0.0.0/8")
# Functional ceilings, not speed targets (those are `make bench` figures): reading a hostile
# page may take at most a quarter of the ingest task's soft time limit, so the finder and the
# posting keep the rest. A tighter ceiling measured the machine's load, not the code.
SECONDS = INGEST_LIMITS[0] / 4
MEGABYTES = 160


def _read(url: str) -> Extracted:
    return extract(fetch(url, SETTINGS))


def _bounded(call: Callable[[], Extracted]) -> Extracted | FactdeskError:
    """Run `call`, returning its result or its FactdeskError; fail on time or memory."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        outcome: Extracted | FactdeskError = call()
    except FactdeskError as error:
        outcome = error
    finally:
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
        tracemalloc.stop()
    assert elapsed < SECONDS, f"took {elapsed:.1f}s"
    assert peak < MEGABYTES, f"peaked at {peak:.0f} MB"
    return outcome


@pytest.mark.parametrize(
    ("path", "kind", "words"),
    [
        ("/hostile/empty", NoArticleText, "no article text"),
        ("/hostile/binary-as-html", BinaryPage, "sends an image"),
        ("/big?mb=50", PageTooLarge, "larger than 5 MB"),
        ("/hostile/length-lie", PageTooLarge, "larger than 5 MB"),
        ("/hostile/drip?seconds=60", FetchTimeout, "took too long"),
        ("/hostile/drip-headers", FetchTimeout, "took too long"),
        ("/hostile/js-shell", NeedsJavaScript, "JavaScript"),
        ("/hostile/gzip-bomb?mb=500", DecompressionBomb, "decompression bomb"),
    ],
)
def test_hostile_pages_are_refused_in_words(
    pages: ArticleServer, path: str, kind: type[FactdeskError], words: str
) -> None:
    outcome = _bounded(lambda: _read(pages.url + path))

    assert isinstance(outcome, kind), outcome
    assert words in outcome.user_message


def test_an_invalid_charset_is_read_anyway(pages: ArticleServer) -> None:
    outcome = _bounded(lambda: _read(f"{pages.url}/hostile/bad-charset"))

    assert isinstance(outcome, Extracted), outcome
    assert "42 caf" in outcome.text


def test_ten_thousand_deep_nesting_ends_in_words(pages: ArticleServer) -> None:
    outcome = _bounded(lambda: _read(f"{pages.url}/hostile/deep?depth=10000"))

    # lxml stops building the tree at its depth limit; either the text survives or the
    # person is told there was none: what matters is an answer, not a RecursionError.
    assert isinstance(outcome, Extracted | NoArticleText), outcome


def test_a_hundred_thousand_sentences_are_read_and_the_finder_gets_a_bounded_part(
    pages: ArticleServer,
) -> None:
    outcome = _bounded(lambda: _read(f"{pages.url}/hostile/sentences?n=100000"))

    assert isinstance(outcome, Extracted), outcome
    assert outcome.text.count(".") >= 100_000
    finder_text = _finder_text(outcome.text, article_id=0)
    assert 0 < len(finder_text) <= MAX_FINDER_CHARS
    assert outcome.text.startswith(finder_text), "only the end is cut: offsets stay valid"


def test_a_pdf_is_read_as_an_article(pages: ArticleServer) -> None:
    outcome = _bounded(lambda: _read(f"{pages.url}/hostile/pdf"))

    assert isinstance(outcome, Extracted), outcome
    assert "Halvorsen Foods" in outcome.text
    assert "$86 million distribution center" in outcome.text.replace("\n", " ")


def test_a_broken_pdf_is_explained() -> None:
    from factdesk.errors import UnreadablePdf
    from workers.pdf import extract_pdf

    with pytest.raises(UnreadablePdf) as refused:
        extract_pdf(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n%%EOF", "x")
    assert "PDF I couldn't read" in refused.value.user_message


@pytest.mark.scenario
def test_refused_links_get_their_own_reply_in_the_thread(system: System) -> None:
    hostile = [
        ("http://10.0.0.1/internal", "I can't fetch links to private network addresses."),
        ("http://169.254.169.254/latest/meta-data/", "metadata service"),
        (f"{system.pages.url}/hostile/js-shell", "builds its text with JavaScript"),
    ]
    ts = share_in(system, " ".join(f"<{url}>" for url, _ in hostile), team="T0HOSTILE")

    def answered(slack: SlackStandIn) -> bool:
        return len(slack.thread("C0NEWSDESK", ts)) >= len(hostile)

    system.slack.wait_for(answered, timeout=60)
    replies = "\n".join(m["text"] for m in system.slack.thread("C0NEWSDESK", ts))
    for url, words in hostile:
        assert words in replies, replies
        assert f"<{url}>" in replies
