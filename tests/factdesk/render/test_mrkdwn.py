"""Escaping and links for Slack's mrkdwn: what goes in is shown, never acted on."""

from __future__ import annotations

import pytest

from factdesk.render import mrkdwn as render_mrkdwn
from standin.mrkdwn import parse, stray_ampersands, unescape
from tests.hostile import HOSTILE


def test_escaped_text_has_nothing_live_and_reads_the_same() -> None:
    escaped = render_mrkdwn.escape(HOSTILE)

    assert parse(escaped) == []
    assert stray_ampersands(escaped) == 0
    assert unescape(escaped) == HOSTILE


def test_a_link_escapes_the_ampersands_in_its_query() -> None:
    url = "https://factdesk-demo.slack.com/archives/C0/p1?thread_ts=1.2&cid=C0"

    written = render_mrkdwn.link(url, "Open the thread")

    assert written == (
        "<https://factdesk-demo.slack.com/archives/C0/p1?thread_ts=1.2&amp;cid=C0|Open the thread>"
    )
    [entity] = parse(written)
    assert (entity.target, entity.label) == (url, "Open the thread")


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example/x?q=1|<!channel>",
        "https://a.example/x?q=>|<@U0EVIL>",
        "https://a.example/x y\n<!here>",
    ],
)
def test_a_link_target_cannot_end_early(url: str) -> None:
    [entity] = parse(render_mrkdwn.link(url, "label"))

    assert entity.kind == "link"
    assert entity.label == "label"
    assert entity.target.startswith("https://a.example/x")


def test_a_label_cannot_break_out_of_its_link() -> None:
    written = render_mrkdwn.link("https://a.example/", "x> <!channel> | <http://evil.example|y>\nz")

    [entity] = parse(written)
    assert entity.target == "https://a.example/"
    assert entity.label == "x> <!channel> ¦ <http://evil.example¦y> z"
    assert render_mrkdwn.link("https://a.example/?a=1&b=2") == "<https://a.example/?a=1&amp;b=2>"


def test_unescape_decodes_slacks_three_entities_once() -> None:
    assert render_mrkdwn.unescape("&lt;!here&gt; &amp;lt; &amp;amp; &copy; &#60;") == (
        "<!here> &lt; &amp; &copy; &#60;"
    )


@pytest.mark.parametrize("limit", range(2, 40))
def test_clipping_mrkdwn_never_leaves_half_an_entity_or_link(limit: int) -> None:
    text = "A &amp; B <https://a.example/?a=1&amp;b=2|label> &lt;C&gt; end"

    clipped = render_mrkdwn.clip_mrkdwn(text, limit)

    assert len(clipped) <= limit
    assert stray_ampersands(clipped) == 0
    assert clipped.count("<") == clipped.count(">"), "a link is cut whole or not at all"
    assert all(e.target == "https://a.example/?a=1&b=2" for e in parse(clipped))
