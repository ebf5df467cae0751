from __future__ import annotations

import pytest

from factdesk.errors import InvalidLink
from factdesk.links import find_links, normalize_url, parse_link, slack_plain_text
from factdesk.models import Claim, ClaimStatus
from factdesk.render import thread
from tests.hostile import HOSTILE, HOSTILE_AS_TYPED, problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<https://news.example/a>", ["https://news.example/a"]),
        ("see <https://news.example/a|the story> now", ["https://news.example/a"]),
        ("raw https://news.example/a.", ["https://news.example/a"]),
        ("(https://news.example/a?x=1&amp;y=2)", ["https://news.example/a?x=1&y=2"]),
        (
            "<https://a.example/1> and <http://b.example/2|b>",
            ["https://a.example/1", "http://b.example/2"],
        ),
        ("<https://a.example/1> <https://a.example/1?utm_source=x>", ["https://a.example/1"]),
        ("<@U0ANA> <#C0NEWSDESK|newsdesk> <!here> <mailto:a@b.example|a>", []),
        ("ftp://files.example/x and http:// nothing", []),
        ("", []),
    ],
)
def test_find_links(text: str, expected: list[str]) -> None:
    assert find_links(text) == expected


def test_normalize_drops_tracking_fragment_and_default_port() -> None:
    assert (
        normalize_url("HTTPS://News.Example:443/a?utm_source=slack&id=7&fbclid=abc#comments")
        == "https://news.example/a?id=7"
    )
    assert normalize_url("http://news.example:8080") == "http://news.example:8080/"


def test_parse_link_unwraps_slack_form() -> None:
    assert parse_link(" <https://news.example/a|news.example/a> ") == "https://news.example/a"


def test_parse_link_refuses_text() -> None:
    with pytest.raises(InvalidLink) as refused:
        parse_link("the mayor's speech")
    assert "doesn't look like a web link" in refused.value.user_message


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        # Tracking parameters go, meaningful ones stay, sorted.
        (
            "https://news.example/a?utm_medium=social&gclid=1&mc_cid=2&igshid=3&ref=tw",
            "https://news.example/a",
        ),
        (
            "https://news.example/a?smid=nytcore&ocid=x&cmpid=y&_ga=2.1&ref_src=twsrc",
            "https://news.example/a",
        ),
        (
            "https://news.example/read?story=9&id=7&p=2",
            "https://news.example/read?id=7&p=2&story=9",
        ),
        (
            "https://news.example/read?p=2&id=7&story=9&utm_source=x",
            "https://news.example/read?id=7&p=2&story=9",
        ),
        # Fragment, case, default ports, trailing slash, www.
        ("HTTPS://WWW.News.Example:443/A/#comments", "https://news.example/A"),
        ("https://news.example/a/", "https://news.example/a"),
        # AMP variants.
        ("https://amp.news.example/a", "https://news.example/a"),
        ("https://news.example/amp/a", "https://news.example/a"),
        ("https://news.example/a/amp", "https://news.example/a"),
        ("https://news.example/a/amp/", "https://news.example/a"),
        ("https://news.example/a.amp", "https://news.example/a"),
        ("https://news.example/story.amp.html", "https://news.example/story.html"),
        ("https://news.example/a?amp=1", "https://news.example/a"),
        ("https://news.example/a?outputType=amp", "https://news.example/a"),
        # Mobile hosts.
        ("https://m.news.example/a", "https://news.example/a"),
        ("https://mobile.news.example/a", "https://news.example/a"),
        ("https://www.m.news.example/a?utm_source=x#top", "https://news.example/a"),
    ],
)
def test_normalize_folds_variants_of_one_story(variant: str, canonical: str) -> None:
    assert normalize_url(variant) == canonical


def test_normalize_keeps_what_identifies_a_page() -> None:
    # A site called m.example is not the mobile version of `example`.
    assert normalize_url("https://m.example/a") == "https://m.example/a"
    assert normalize_url("http://127.0.0.1:8080/articles/x.html") == (
        "http://127.0.0.1:8080/articles/x.html"
    )
    assert normalize_url("https://news.example/") == "https://news.example/"
    assert normalize_url("https://news.example/amplify") == "https://news.example/amplify"
    assert normalize_url("https://news.example/a?outputType=print") == (
        "https://news.example/a?outputType=print"
    )
    assert normalize_url("http://news.example/a") != normalize_url("https://news.example/a")


def test_slack_plain_text_unwraps_formatting() -> None:
    text = (
        "<@U0ANA|ana> says <https://news.example/a|the mayor> said 40% &amp; more in "
        "<#C0NEWSDESK|newsdesk> <!here> on <!date^1729641600^{date}|23 Oct> <https://b.example>"
    )
    assert slack_plain_text(text) == (
        "@ana says the mayor said 40% & more in #newsdesk @here on 23 Oct https://b.example"
    )


def test_slack_plain_text_decodes_only_slacks_entities() -> None:
    # Typed literally, `&lt;` and `&copy=1` reach us with their `&` escaped by Slack.
    assert slack_plain_text("&amp;lt; &amp;copy=1 &lt;b&gt;") == "&lt; &copy=1 <b>"
    # HTML's other entities are not Slack's: `&#60;!here&#62;` stays as it was sent.
    assert slack_plain_text("&#60;!here&#62; &copy") == "&#60;!here&#62; &copy"
    assert find_links("https://news.example/a?x=1&copy=2") == ["https://news.example/a?x=1&copy=2"]


@pytest.mark.parametrize(
    "message",
    [
        HOSTILE_AS_TYPED,  # typed literally: Slack sends it escaped
        HOSTILE,  # live in the person's own message
        f"&lt;{HOSTILE_AS_TYPED}&gt; &amp;amp;lt;!channel&amp;amp;gt;",
    ],
    ids=["typed", "live", "nested"],
)
def test_a_shortcut_message_comes_back_to_slack_with_nothing_live(message: str) -> None:
    plain = slack_plain_text(f"Crime fell 40% in 2023 {message} said the mayor.")
    claim = Claim(id=1, text=plain, score=0.9, reasons=[], status=ClaimStatus.OPEN)

    task = thread.claim_task(claim, number=1, total=1)

    assert problems({"text": task.text, "blocks": task.blocks}) == []
