"""Short answers to one person: where the bot cannot post, and how to ask it by mention."""

from __future__ import annotations

from factdesk.mrkdwn import escape

# The bot's name in the app manifests (features.bot_user.display_name).
BOT_NAME = "@factdesk"
SHORTCUT_NAME = "Fact-check this message"


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
