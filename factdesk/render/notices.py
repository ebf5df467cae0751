"""Short answers to one person: an error, where the bot cannot post, how to ask by mention."""

from __future__ import annotations

from factdesk.errors import FactdeskError
from factdesk.render.mrkdwn import escape

# The bot's name in the app manifests (features.bot_user.display_name).
BOT_NAME = "@factdesk"
SHORTCUT_NAME = "Fact-check this message"
GENERIC = "Sorry, something went wrong on my side. Please try again in a minute."


def refused(error: FactdeskError) -> str:
    """A domain error's sentence, where the person who ran into it is."""
    return f":warning: {error.user_message}"


def went_wrong() -> str:
    """What the person sees when a listener failed on our side (the log has the rest)."""
    return f":warning: {GENERIC}"


def not_in_channel(channel_id: str, *, url: str | None) -> str:
    """Why a requested check has no thread, and what to do: `url` for `/factcheck <url>`,
    None for the message shortcut."""
    again = (
        f"run `/factcheck {escape(url)}` again"
        if url is not None
        else f"use *{SHORTCUT_NAME}* on the message again"
    )
    return (
        f":wave: I can't post the fact-check in <#{channel_id}>: I'm not a member of that "
        f"channel yet. Invite me with `/invite {BOT_NAME}` in the channel, then {again}."
    )


def mention_help() -> str:
    """The thread reply to a mention of the bot with no link in it."""
    return (
        f":wave: Mention me with a link to an article, like `{BOT_NAME} https://example.com/"
        "story`, and I'll post its check-worthy claims as tasks in a thread. "
        "`/factcheck help` lists everything else I can do."
    )


def some_links_skipped(taken: int) -> str:
    """The private note when a message holds more links than one message may ask for."""
    return (
        f"I'm checking the first {taken} links in your message. "
        "Share the others in separate messages to check them too."
    )
