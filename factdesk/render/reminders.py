"""Stale-task reminders in Slack: the DM that nudges an assignee, the ping in a thread."""

from __future__ import annotations

from datetime import datetime

from factdesk.models import Claim
from factdesk.render.blocks import Message, linked, mrkdwn_text
from factdesk.render.links import task_link
from factdesk.render.mrkdwn import clip_mrkdwn

EXCERPT = 120


def nudge_message(claims: list[Claim], now: datetime, link_base: str | None) -> Message:
    """The DM: the person's tasks that have waited for a verdict."""
    count = len(claims)
    lines = [
        f"• {linked(claim.text, task_link(link_base, claim), EXCERPT)} · claimed "
        f"{_ago(claim.claimed_at, now)} in <#{claim.article.slack_channel_id}>"
        for claim in claims
    ]
    it = "it" if count == 1 else "them"
    head = (
        f":alarm_clock: {'A task' if count == 1 else f'{count} tasks'} you claimed "
        f"{'is' if count == 1 else 'are'} still waiting for a verdict. Give {it} one, or "
        f"release {it} so someone else can pick {it} up."
    )
    text = clip_mrkdwn("\n".join([head, *lines]), 3000)
    return Message(text, [{"type": "section", "text": mrkdwn_text(text)}])


def _ago(claimed_at: datetime | None, now: datetime) -> str:
    if claimed_at is None:
        return "some time ago"
    days = (now - claimed_at).days
    return "today" if days < 1 else f"{days} day{'s' if days != 1 else ''} ago"


def ping_message(numbers: list[int], hours: float) -> Message:
    """The thread ping: which tasks nobody has claimed."""
    listed = ", ".join(str(n) for n in numbers)
    plural = len(numbers) != 1
    text = (
        f":wave: {'Claims' if plural else 'Claim'} {listed} {'have' if plural else 'has'} "
        f"waited over {hours:g} hours with nobody on {'them' if plural else 'it'}. "
        "Can someone pick one up? Click Claim on the task."
    )
    return Message(text)
