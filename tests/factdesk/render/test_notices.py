"""Short answers to one person: errors, a channel the bot is not in, a bare mention."""

from __future__ import annotations

from factdesk.errors import InvalidLink
from factdesk.render import notices


def test_errors_are_told_with_a_warning() -> None:
    assert notices.refused(InvalidLink()) == f":warning: {InvalidLink().user_message}"
    assert notices.went_wrong() == (
        ":warning: Sorry, something went wrong on my side. Please try again in a minute."
    )


def test_skipped_links_are_counted() -> None:
    assert notices.some_links_skipped(5) == (
        "I'm checking the first 5 links in your message. "
        "Share the others in separate messages to check them too."
    )


def test_not_in_channel_says_how_to_invite_the_bot() -> None:
    text = notices.not_in_channel("C0NEWS", url="https://news.example/a?b=<c>")

    assert "Invite me with `/invite @factdesk`" in text
    assert "run `/factcheck https://news.example/a?b=&lt;c&gt;` again" in text
