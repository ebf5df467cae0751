"""Extraction on the realistic pages in seeds/."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import workers.extract as extract_module
from factdesk.errors import NoArticleText
from workers.extract import (
    canonical_url,
    clean_text,
    extract,
    with_missing_prose,
    word_count,
)
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


# -- language and canonical URL from the page's own declarations --------------------------------

PARAGRAPHS = [
    f"<p>The harbour commission voted on Tuesday to close the old ferry pier after inspectors "
    f"found that {n} of its timber piles had rotted through, according to a city report.</p>"
    for n in ("twelve", "fourteen", "nine", "thirty")
]
ARTICLE = "".join(PARAGRAPHS)


def _html(html: str, url: str = "https://news.example/2024/05/pier.html") -> Page:
    return Page(url=url, content_type="text/html", body=html.encode(), encoding="utf-8")


def _article(head: str = "", html_attrs: str = "", body: str = ARTICLE) -> Page:
    return _html(
        f"<html {html_attrs}><head><title>Pier closes</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>Pier closes</h1>{body}</article>"
        "<footer>Contact us</footer></body></html>"
    )


def test_seed_language_and_canonical_url() -> None:
    english = _page("north-korean-troops-russia.html")
    assert extract(english).language == "en"  # <html lang="en-US">
    assert canonical_url(english) == (
        "https://www.meridianpost.example/international/2024/10/23/"
        "north-korean-troops-russia-ukraine/"
    )
    spanish = _page("non-english.html")
    assert extract(spanish).language == "es"  # <html lang="es">, which trafilatura leaves out


@pytest.mark.parametrize(
    ("head", "html_attrs", "language"),
    [
        ("", 'lang="es"', "es"),
        ("", 'lang="en-GB"', "en"),
        ("", 'lang="pt_BR"', "pt"),
        ('<meta property="og:locale" content="fr_FR">', "", "fr"),
        ('<meta http-equiv="Content-Language" content="de-AT, en">', "", "de"),
        ('<meta property="og:locale" content="it_IT">', 'lang="und"', "it"),
        ("", 'lang="not a language"', None),
        ("", "", None),
    ],
)
def test_language_from_the_page_declarations(
    head: str, html_attrs: str, language: str | None
) -> None:
    assert extract(_article(head, html_attrs)).language == language


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            '<link rel="canonical" href="https://news.example/pier?utm=x">',
            "https://news.example/pier?utm=x",
        ),
        ('<link rel="Canonical" href="/2024/05/pier/">', "https://news.example/2024/05/pier/"),
        ('<link href="amp.html" rel="amphtml"><link rel="canonical" href="../p">', None),
        ('<meta property="og:url" content="https://news.example/og">', "https://news.example/og"),
        ('<link rel="canonical" href="javascript:void(0)">', None),
        ('<link rel="canonical" href="">', None),
        ("", None),
    ],
)
def test_canonical_url(head: str, expected: str | None) -> None:
    if expected is None and "../p" in head:
        expected = "https://news.example/2024/p"  # relative to the page's own URL
    assert canonical_url(_article(head)) == expected


def test_canonical_url_of_plain_text_and_junk_is_none() -> None:
    assert canonical_url(_page("press-release.txt", "text/plain")) is None
    assert canonical_url(_html("")) is None
    binary = Page(
        url="http://127.0.0.1:9/x",
        content_type="text/html",
        body=b"\x89PNG\x00" * 99,
        encoding=None,
    )
    assert canonical_url(binary) is None


# -- choosing and cleaning the text ----------------------------------------------------------


def test_falls_back_when_trafilatura_finds_almost_nothing() -> None:
    # trafilatura's default reading skips an <aside>; the fallbacks find the four paragraphs.
    page = _html(f'<html lang="es"><body><aside>{ARTICLE}</aside></body></html>')
    extracted = extract(page)
    assert extracted.text.count("The harbour commission voted") == 4
    assert extracted.language == "es"


def test_readability_is_the_last_resort(monkeypatch: pytest.MonkeyPatch) -> None:
    def nothing(*args: object, **kwargs: object) -> dict[str, object]:
        return {}

    monkeypatch.setattr(extract_module, "_trafilatura", nothing)
    extracted = extract(_article())
    assert extracted.text.count("The harbour commission voted") == 4
    assert "Contact us" not in extracted.text


def test_a_login_wall_is_not_taken_as_the_fallback() -> None:
    wall = "".join(
        f"<p>{line}</p>"
        for line in (
            "This story is for subscribers",
            "You've reached the end of your free articles this month.",
            "Unlimited access to every story, every investigation and the archive",
            "The daily e-edition and the crossword, on any device you own",
            "Cancel anytime, no questions asked and no hidden fees at all",
            "Subscribe for $1 a week for your first year, then $4 a week",
            "Already a subscriber? Log in with your email and password",
        )
    )
    page = _html(
        "<html><body><article><h1>Port plan shelved</h1><p>Memos show the plan was dropped."
        f"</p></article><aside role='dialog'>{wall}</aside></body></html>"
    )
    with pytest.raises(NoArticleText):
        extract(page)


def test_output_of_only_boilerplate_is_refused() -> None:
    # About 100 words that trafilatura returns as the article: notices, no article.
    page = _article(
        body="<p>This story was originally published by Example Wire and is republished here "
        "with permission under a content-sharing agreement between the two newsrooms, which "
        "allows either of them to reprint the other's reporting in full.</p>"
        "<p>Copyright 2024 Example Media Group. All rights reserved. This material may not be "
        "published, broadcast, rewritten or redistributed in any form without the prior "
        "written permission of the publisher, and quotations must credit the source.</p>"
        "<p>Sign up for our free morning newsletter to get the day's most important stories, "
        "hand-picked by our editors and delivered to your inbox before breakfast.</p>"
    )
    with pytest.raises(NoArticleText):
        extract(page)


def test_notices_around_the_article_are_stripped() -> None:
    middle = (
        "<p>Read more: Council approves new ferry timetable</p>"
        "<p>Ferry users can sign up for text alerts, and the council said its newsletter "
        "would carry the dates of the works to every household in the town from June.</p>"
    )
    page = _article(
        body=f"<p>May 14, 2024</p>{''.join(PARAGRAPHS[:2])}{middle}{''.join(PARAGRAPHS[2:])}"
        "<p>This article originally appeared on The Example Gazette.</p>"
        "<p>\u00a9 2024 Example Media. All rights reserved.</p>"
        "<p>Subscribe to our newsletter for the latest local news.</p>"
    )
    text = extract(page).text
    assert text.count("The harbour commission voted") == 4
    assert "would carry the dates of the works" in text  # prose that mentions a newsletter stays
    for notice in (
        "Read more",
        "originally appeared",
        "All rights reserved",
        "Subscribe",
        "May 14",
    ):
        assert notice not in text, notice


def test_paragraphs_only_the_second_reading_has_are_added_in_place() -> None:
    first_words = "The harbour commission voted on Tuesday to extend the ferry pier"
    lead = f"{first_words} by forty metres."
    missing = (
        "The extension will cost 4.2 million euros, according to the commission's budget, "
        "and the works are due to start in the spring of next year after the tourist season "
        "ends."
    )
    close = "The council will vote on the budget in June."
    second = "\n".join(
        [
            "Menu",
            lead,
            missing,
            "Share this story with your friends on any network you use",  # short: not prose
            close,
            missing,  # readability's own repeat is added once
        ]
    )

    merged = with_missing_prose(f"{lead}\n{close}", second)

    assert merged.splitlines() == [lead, missing, close]


def test_paragraphs_before_any_shared_one_go_first() -> None:
    shared = "The council will vote on the harbour budget in June, a spokesman said on Monday."
    standfirst = " ".join(["The ferry pier is to grow by forty metres at a cost of millions."] * 3)

    assert with_missing_prose(shared, f"{standfirst}\n{shared}").splitlines() == [
        standfirst,
        shared,
    ]
    assert with_missing_prose(shared, shared) == shared
    assert with_missing_prose("", standfirst) == ""


def test_clean_text_lines() -> None:
    paragraph = "A paragraph long enough to count as prose when it comes back a second time."
    text = "\n".join(
        [
            "Posted 12.03.2024",
            "By Ana Sorensen",
            paragraph,
            "Photo: Reuters",
            "____________",
            "| --- | --- |",
            paragraph,
            "Share this:",
            "Advertisement",
            "The  last   line.",
            "Follow us on Twitter and Facebook",
        ]
    )
    assert clean_text(text) == f"{paragraph}\nThe last line."


def test_word_count_counts_cjk_characters_as_half_words() -> None:
    assert word_count("one two three") == 3
    assert word_count("\u6c34" * 120) == 60
    assert word_count("") == 0


# -- junk never raises anything but NoArticleText ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "encoding"),
    [
        (b"", "text/html", None),
        (b"   \n\t ", "text/html", "utf-8"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "text/html", None),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "text/html", "iso-8859-1"),
        (bytes(range(256)) * 8, "text/plain", "iso-8859-1"),
        (b"<html><body>" + b"<div>" * 100_000 + b"deep", "text/html", None),
        (b'{"json": [1, 2, 3]}', "text/html", "utf-8"),
        (b"<html><body><p>caf\xe9</p></body></html>", "text/html", "no-such-charset"),
        (b"", "text/plain", None),
    ],
)
def test_junk_is_no_article(body: bytes, content_type: str, encoding: str | None) -> None:
    page = Page(url="http://127.0.0.1:9/x", content_type=content_type, body=body, encoding=encoding)
    with pytest.raises(NoArticleText):
        extract(page)
