"""Block Kit primitives every renderer builds with: text objects, sections, context lines,
buttons, Slack's date markup, and outside text made into a link label.

Every renderer returns `Message(text, blocks)`; `text` is the notification and
screen-reader fallback Slack shows where blocks cannot be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from factdesk.render.mrkdwn import clip, clip_mrkdwn, escape, link

Block = dict[str, Any]
View = dict[str, Any]

# Slack's limit on a section's or a context element's text.
TEXT_LIMIT = 3000


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)


def mrkdwn_text(text: str) -> Block:
    """A mrkdwn text object, as it is: the caller has escaped and clipped it."""
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> Block:
    """A plain_text object that shows :emoji: codes as emoji."""
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> Block:
    """A section of mrkdwn, clipped to Slack's limit."""
    return {"type": "section", "text": mrkdwn_text(clip_mrkdwn(text, TEXT_LIMIT))}


def context(*texts: str) -> Block:
    """A context line of one mrkdwn element per text, each clipped to Slack's limit."""
    return {
        "type": "context",
        "elements": [mrkdwn_text(clip_mrkdwn(text, TEXT_LIMIT)) for text in texts],
    }


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text)}


def button(
    action_id: StrEnum,
    label: str,
    value: int | str,
    style: str | None = None,
    *,
    url: str | None = None,
) -> Block:
    """A button carrying a row id as its value; `url` opens a page as well."""
    block: Block = {"type": "button", "action_id": action_id.value, "text": plain(label)}
    if url:
        block["url"] = url
    block["value"] = str(value)
    if style:
        block["style"] = style
    return block


def slack_date(moment: datetime) -> str:
    """A date Slack renders in each reader's own timezone."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def slack_ago(moment: datetime | None) -> str:
    """`3 hours ago`, as Slack renders it for each reader."""
    if moment is None:
        return "some time ago"
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{ago}}|{fallback}>"


def linked(text: str, url: str | None, limit: int) -> str:
    """Outside text on one line, clipped, as the label of a link to `url` (escaped text
    when there is no link)."""
    shown = clip(" ".join(text.split()), limit)
    return link(url, shown) if url else escape(shown)
