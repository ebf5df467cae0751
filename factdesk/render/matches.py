"""Slack text for the claim matcher: the match line on a task, the repeat alert, search.

Everything that comes from outside (a publisher's name and rating, a fact-check's URL,
claim text) is escaped for mrkdwn; links are only ever http(s).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.ids import ActionId
from factdesk.models import ClaimStatus
from factdesk.render import mrkdwn
from factdesk.render.blocks import Block, Message, button, mrkdwn_text
from factdesk.render.mrkdwn import clip, escape
from factdesk.render.thread import STATUS_LABEL
from factdesk.services.matches import MatchView

REPEAT = ":repeat:"


def _day(day: date | None, *, year: bool) -> str:
    if day is None:
        return ""
    return f" on {day.day} {day.strftime('%b %Y' if year else '%b')}"


def _link(url: str | None, label: str) -> str:
    """(<url|label>), for http(s) addresses only; `label` is plain text."""
    if not url or not url.startswith(("https://", "http://")):
        return ""
    return f" ({mrkdwn.link(url, label)})"


def match_line(view: MatchView) -> str:
    """🔁 Checked before: ❌ Disputed by @ana on 30 Nov in #newsdesk (thread)"""
    if view.kind is ArchiveKind.FACT_CHECK:
        publisher = escape(clip(view.publisher or "A fact-checker", 80))
        rating = escape(clip(view.rating or "unrated", 80))
        return (
            f"{REPEAT} {publisher} rated this *{rating}*{_day(view.reviewed_on, year=True)}"
            f"{_link(view.url, 'link')}"
        )
    label = STATUS_LABEL.get(view.status or ClaimStatus.UNVERIFIED, "")
    by = f" by <@{view.judged_by}>" if view.judged_by else ""
    where = f" in <#{view.channel_id}>" if view.channel_id else ""
    return (
        f"{REPEAT} Checked before: {label}{by}{_day(view.judged_on, year=False)}{where}"
        f"{_link(view.thread_link, 'thread')}"
    )


def match_blocks(view: MatchView) -> list[Block]:
    """The match line with its two buttons, to sit above a task's own buttons."""
    return [
        {"type": "section", "text": mrkdwn_text(match_line(view))},
        {
            "type": "actions",
            "block_id": f"match-{view.match_id}",
            "elements": [
                button(ActionId.REUSE_VERDICT, ":recycle: Reuse verdict", view.match_id),
                button(ActionId.NOT_SAME_CLAIM, "Not the same claim", view.match_id),
            ],
        },
    ]


def repeat_alert(article_title: str, article_url: str, channel_id: str) -> str:
    """The one line posted in a disputed claim's thread when the claim turns up again."""
    title = clip(article_title or article_url, 150)
    link = _link(article_url, title).removeprefix(" (").removesuffix(")") or escape(title)
    return f"{REPEAT} This disputed claim appeared again in {link} (<#{channel_id}>)"


def search_requested(words: str) -> str:
    return f"Looking in the archive for “{escape(clip(words, 100))}”…"


def search_results(words: str, found: Sequence[ArchiveEntry]) -> Message:
    """The private answer to `/factcheck search <words>`."""
    if not found:
        return Message(text=f"Nothing in the archive matches “{escape(clip(words, 100))}”.")
    lines = [f"*Best matches in the archive for “{escape(clip(words, 100))}”*"]
    for entry in found:
        text = escape(clip(entry.text, 200))
        if entry.kind is ArchiveKind.FACT_CHECK:
            about = f"{escape(entry.publisher or 'fact-check')}: {escape(entry.rating or '')}"
            lines.append(f"• {text} — {about}{_link(entry.url, 'link')}")
        else:
            lines.append(f"• {text} — desk verdict in <#{entry.slack_channel_id}>")
    text = "\n".join(lines)
    return Message(
        text=text,
        blocks=[{"type": "section", "text": mrkdwn_text(clip(text, 2900))}],
    )
