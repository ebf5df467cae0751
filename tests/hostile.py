"""Hostile text for renderers and the desk, and the check that none of it went live.

What Slack would make of a payload comes from the stand-in (`standin.mrkdwn`); what counts
as a problem is decided here, in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from standin.mrkdwn import (
    Entity,
    live_entities,
    mrkdwn_fields,
    plain_texts,
    stray_ampersands,
    unescape,
)

EVIL_USER = "U0EVIL"
EVIL_CHANNEL = "C0EVIL"
EVIL_HOST = "evil.example"
# The stand-in's workspace: thread and task permalinks start here.
SLACK_PERMALINK = "https://factdesk-demo.slack.com/archives/"
# Everything an article, a speaker or a person's note could smuggle in.
HOSTILE = (
    f"<!channel> <!here> <!everyone> <!subteam^S0EVIL|@all> <@{EVIL_USER}> "
    f"<#{EVIL_CHANNEL}|general> <http://{EVIL_HOST}|click> <!date^1^{{date}}^http://{EVIL_HOST}|d> "
    "A <b> & C"
)
# What the same text looks like once Slack has escaped it, as in a message someone typed.
HOSTILE_AS_TYPED = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def problems(
    payload: Mapping[str, Any], *, links: Iterable[str] = (), where: str = ""
) -> list[str]:
    """What in `payload` a reader would get that the bot did not mean to send.

    A live entity is fine when it is a mention or date the bot makes itself (not the evil
    ones), or a link to one of `links` (or to a Slack permalink); everything else, every
    `&` that starts no entity, and an entity in a `plain_text` object, is a problem.
    """
    allowed = set(links)
    found = [
        f"{where}{entity.where}: <{entity.raw or entity.target}>"
        for entity in live_entities(payload)
        if not _expected(entity, allowed)
    ]
    found += [
        f"{where}{field.where}: stray & in {field.text!r}"
        for field in mrkdwn_fields(payload)
        if stray_ampersands(field.text)
    ]
    # plain_text is shown as written: an entity there would show as "&lt;", escaped twice.
    found += [
        f"{where}{field.where}: escaped plain_text {field.text!r}"
        for field in plain_texts(payload)
        if unescape(field.text) != field.text
    ]
    return found


def _expected(entity: Entity, links: set[str]) -> bool:
    if EVIL_HOST in entity.target:
        return False
    if entity.kind == "user":
        return entity.target != EVIL_USER and entity.target[:1] in {"U", "W"}
    if entity.kind == "channel":
        return entity.target != EVIL_CHANNEL and entity.target[:1] in {"C", "G", "D"}
    if entity.kind == "date":
        return entity.target == ""
    if entity.kind == "link":
        return entity.target in links or entity.target.startswith(SLACK_PERMALINK)
    return False  # broadcasts, user groups and commands: the bot never sends them
