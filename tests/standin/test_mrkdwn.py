"""The stand-in reads mrkdwn as Slack does: what is live in a text and in a payload."""

from __future__ import annotations

from standin.mrkdwn import (
    Entity,
    live_entities,
    mrkdwn_fields,
    parse,
    plain_texts,
    stray_ampersands,
)


def _kinds(text: str) -> list[tuple[str, str, str | None]]:
    return [(e.kind, e.target, e.label) for e in parse(text)]


def test_special_mentions_users_channels_and_groups_are_live() -> None:
    text = (
        "<!channel> <!here> <!everyone|everyone> <!subteam^S0TEAM|@desk> "
        "<@U0EVIL> <@W0ORG|ann> <#C0EVIL|general> <!date^1700000000^{date}|Nov 14>"
    )

    assert _kinds(text) == [
        ("broadcast", "channel", None),
        ("broadcast", "here", None),
        ("broadcast", "everyone", "everyone"),
        ("usergroup", "S0TEAM", "@desk"),
        ("user", "U0EVIL", None),
        ("user", "W0ORG", "ann"),
        ("channel", "C0EVIL", "general"),
        ("date", "", "Nov 14"),
    ]


def test_links_with_and_without_labels_decode_their_entities() -> None:
    text = "<http://evil.example|click> <https://a.example/?x=1&amp;y=2> <mailto:a@b.example|mail>"

    assert _kinds(text) == [
        ("link", "http://evil.example", "click"),
        ("link", "https://a.example/?x=1&y=2", None),
        ("link", "mailto:a@b.example", "mail"),
    ]


def test_escaped_text_is_not_live() -> None:
    assert parse("&lt;!channel&gt; A &lt;b&gt; &amp; C &lt;http://evil.example|click&gt;") == []


def test_a_stray_open_bracket_does_not_hide_the_mention_after_it() -> None:
    assert _kinds("a < b <!here>") == [("broadcast", "here", None)]
    assert _kinds("A <b> & C") == [("link", "b", None)]


def test_a_date_can_carry_a_link() -> None:
    [entity] = parse("<!date^1700000000^{date}^http://evil.example/x|Nov 14>")

    assert (entity.kind, entity.target) == ("date", "http://evil.example/x")


def test_stray_ampersands_are_counted() -> None:
    assert stray_ampersands("A & B &amp; C &lt; &gt; &copy; &") == 3
    assert stray_ampersands("no entities") == 0


def test_payload_fields_skip_plain_text_and_find_every_mrkdwn_string() -> None:
    payload = {
        "text": "top <!here>",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "<!channel>"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "<@U0EVIL>"}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "<#C0EVIL>"}]},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "<http://e.example>"}]},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "<!everyone>"},
                        "url": "https://b.example",
                    }
                ],
            },
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "<!channel>"},
                            {"type": "broadcast", "range": "here"},
                            {"type": "user", "user_id": "U0RICH"},
                            {"type": "link", "url": "https://r.example", "text": "r"},
                        ],
                    }
                ],
            },
        ],
        "attachments": [
            {"fallback": "<!everyone>", "title_link": "https://t.example", "fields": []}
        ],
    }

    wheres = [field.where for field in mrkdwn_fields(payload)]
    found = {(e.kind, e.target) for e in live_entities(payload)}

    assert wheres == [
        "text",
        "blocks[1].text.text",
        "blocks[2].fields[0].text",
        "blocks[3].elements[0].text",
        "attachments[0].fallback",
    ]
    assert found == {
        ("broadcast", "here"),
        ("user", "U0EVIL"),
        ("channel", "C0EVIL"),
        ("link", "http://e.example"),
        ("link", "https://b.example"),
        ("user", "U0RICH"),
        ("link", "https://r.example"),
        ("broadcast", "everyone"),
        ("link", "https://t.example"),
    }
    assert ("broadcast", "channel") not in found, "plain_text and rich text words are literal"


def test_views_and_file_comments_are_read_too() -> None:
    view = {
        "view": {
            "type": "home",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "<!here>"}}],
        }
    }
    upload = {"initial_comment": "<@U0EVIL>", "channel_id": "D0"}

    assert [e.where for e in live_entities(view)] == ["view.blocks[0].text.text"]
    assert live_entities(upload) == [
        Entity("user", "U0EVIL", None, "@U0EVIL", where="initial_comment")
    ]


def test_plain_text_objects_are_listed_apart() -> None:
    payload = {
        "view": {
            "title": {"type": "plain_text", "text": "Mark as Disputed"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
        }
    }

    assert [(f.where, f.text) for f in plain_texts(payload)] == [
        ("view.title.text", "Mark as Disputed")
    ]
