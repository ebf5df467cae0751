"""Extraction on the realistic pages in seeds/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from factdesk.errors import NoArticleText
from workers.extract import extract
from workers.fetch import Page

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _page(name: str, content_type: str = "text/html") -> Page:
    return Page(
        url=f"http://127.0.0.1:9/articles/{name}",
        content_type=content_type,
        body=(SEEDS / name).read_bytes(),
        encoding="utf-8",
    )


def test_seed_article_text_and_metadata() -> None:
    extracted = extract(_page("north-korean-troops-russia.html"))

    source = (SEEDS / "000_e55cb495c0a959b5.txt").read_text()
    first = "United States Defense Secretary Lloyd Austin confirmed on Wednesday"
    assert first in extracted.text
    assert "consider providing weapons to South Korea" in extracted.text
    for chrome in ("Subscribe", "cookies", "Source link", "[ad_1]", "Credit: Shutterstock"):
        assert chrome not in extracted.text, chrome
    assert extracted.title is not None
    assert extracted.title.startswith("USA: North Korean troops are in Russia")
    assert extracted.author == "Clara Whitfield"
    assert extracted.published_date == date(2024, 10, 23)
    assert extracted.site == "The Meridian Post"
    body_paragraphs = [line for line in source.splitlines() if len(line) > 200]
    assert all(p in extracted.text for p in body_paragraphs)


def test_long_article_keeps_its_length() -> None:
    assert len(extract(_page("long-article.html")).text.split()) > 5000


def test_non_english_article() -> None:
    extracted = extract(_page("non-english.html"))
    assert len(extracted.text.split()) > 300


def test_plain_text_press_release() -> None:
    extracted = extract(_page("press-release.txt", "text/plain"))
    assert "###" in extracted.text


@pytest.mark.parametrize("name", ["paywall.html", "video-gallery.html"])
def test_pages_without_an_article_say_so(name: str) -> None:
    with pytest.raises(NoArticleText) as refused:
        extract(_page(name))
    assert "paywall" in refused.value.user_message


def test_binary_served_as_html_is_no_article() -> None:
    page = Page(
        url="http://127.0.0.1:9/x",
        content_type="text/html",
        body=bytes(range(256)) * 40,
        encoding=None,
    )
    with pytest.raises(NoArticleText):
        extract(page)
