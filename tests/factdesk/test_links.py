from __future__ import annotations

import pytest

from factdesk.errors import InvalidLink
from factdesk.links import find_links, normalize_url, parse_link


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
