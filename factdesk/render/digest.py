"""The weekly digest in Slack: Block Kit sections, and the metadata that finds it again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from factdesk.models import Claim, ClaimStatus
from factdesk.render.blocks import Block, Message, context, header, linked, section
from factdesk.render.links import task_link
from factdesk.render.mrkdwn import escape
from factdesk.services.digests import Digest, Durations, Figures, Week

METADATA_EVENT = "factdesk_digest"
EXCERPT = 110
LISTED = 5
THIS_WEEK = "this-week"
LAST_WEEK = "last-week"

VERDICT_WORDS = {
    ClaimStatus.CONFIRMED: (":white_check_mark:", "Confirmed"),
    ClaimStatus.DISPUTED: (":x:", "Disputed"),
    ClaimStatus.UNVERIFIED: (":grey_question:", "Unverified"),
}


def metadata(digest: Digest) -> dict[str, Any]:
    """Slack message metadata that marks the post as this channel's digest for this week."""
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {
            "week_start": digest.week.start.isoformat(),
            "channel": digest.channel_id,
        },
    }


def is_digest_message(message: dict[str, Any], *, channel_id: str, week_start: str) -> bool:
    """True for the digest of `week_start` in `channel_id`, as conversations.history shows it."""
    meta = message.get("metadata") or {}
    payload = meta.get("event_payload") or {}
    return (
        meta.get("event_type") == METADATA_EVENT
        and payload.get("week_start") == week_start
        and payload.get("channel") == channel_id
    )


def week_range(week: Week) -> str:
    """`Mon 18 Nov to Sun 24 Nov 2024`."""
    first, last = week.start, week.start + timedelta(days=6)
    return f"{first:%a %d %b} to {last:%a %d %b %Y}"


def duration(value: timedelta | None) -> str:
    """A duration for people: `40 s`, `12 min`, `2 h 05 min`, `3 d 4 h`."""
    if value is None:
        return "n/a"
    seconds = round(value.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def change(now: int, before: int) -> str:
    """`+3`, `-2` or `±0` against the previous week."""
    delta = now - before
    if delta > 0:
        return f"+{delta}"
    if delta < 0:
        return f"-{-delta}"
    return "±0"


def _figure(label: str, now: int, before: int) -> Block:
    return {
        "type": "mrkdwn",
        "text": f"*{label}*\n{now}   _{change(now, before)} vs last week_",
    }


def _times(label: str, durations: Durations) -> Block:
    if durations.count == 0:
        body = "no claims this week"
    else:
        body = (
            f"median *{duration(durations.median)}* · 90th percentile "
            f"*{duration(durations.p90)}*\n_over {durations.count} "
            f"claim{'s' if durations.count != 1 else ''}_"
        )
    return {"type": "mrkdwn", "text": f"*{label}*\n{body}"}


def _claim_line(claim: Claim, workspace_url: str | None, after: str) -> str:
    return f"• {linked(claim.text, task_link(workspace_url, claim), EXCERPT)}{after}"


def _waited(since: datetime | None, now: datetime) -> str:
    return duration(now - since) if since else "n/a"


def _listing(title: str, total: int, lines: Iterable[str], empty: str) -> Block:
    shown = list(lines)
    if not shown:
        return section(f"*{title}*\n{empty}")
    more = total - len(shown)
    tail = [f"…and {more} more."] if more > 0 else []
    return section("\n".join([f"*{title} ({total})*", *shown, *tail]))


def _figures_block(figures: Figures, previous: Figures) -> Block:
    fields = [
        _figure("Articles processed", figures.articles, previous.articles),
        _figure("Claims found", figures.claims, previous.claims),
    ]
    for status, (emoji, word) in VERDICT_WORDS.items():
        fields.append(
            _figure(
                f"{emoji} {word}", figures.verdicts.get(status, 0), previous.verdicts.get(status, 0)
            )
        )
    return {"type": "section", "fields": fields}


def blocks(digest: Digest, workspace_url: str | None, *, preview: str | None = None) -> list[Block]:
    """The digest's blocks; `preview` names the week when someone asked for it privately."""
    title = "Weekly fact-check digest" if preview is None else "Fact-check digest preview"
    scope = week_range(digest.week)
    if preview == THIS_WEEK:
        scope += " (so far)"
    out: list[Block] = [
        header(title),
        context(f"<#{digest.channel_id}> · {scope} · times in {escape(digest.week.timezone)}"),
        _figures_block(digest.figures, digest.previous),
        {
            "type": "section",
            "fields": [
                _times("Time to claim", digest.time_to_claim),
                _times("Time to verdict", digest.time_to_verdict),
            ],
        },
        {"type": "divider"},
    ]
    disputed = digest.disputed[:LISTED]
    out.append(
        _listing(
            ":x: Disputed this week",
            len(digest.disputed),
            (
                _claim_line(c, workspace_url, f" · <@{c.status_set_by}>" if c.status_set_by else "")
                for c in disputed
            ),
            "No claim was disputed this week.",
        )
    )
    unclaimed = digest.oldest_unclaimed
    out.append(
        _listing(
            ":hourglass: Oldest unclaimed tasks",
            unclaimed.total,
            (
                _claim_line(c, workspace_url, f" · waiting {_waited(c.created_at, digest.now)}")
                for c in unclaimed.items
            ),
            "Every task has someone on it.",
        )
    )
    held = digest.oldest_in_progress
    out.append(
        _listing(
            ":bust_in_silhouette: Oldest claimed, awaiting a verdict",
            held.total,
            (
                _claim_line(
                    c, workspace_url, f" · <@{c.assignee}> for {_waited(c.claimed_at, digest.now)}"
                )
                for c in held.items
            ),
            "No claimed task is waiting for a verdict.",
        )
    )
    if digest.completed_by:
        people = " · ".join(f"<@{user}> {count}" for user, count in digest.completed_by[:15])
        out.append(section(f"*:trophy: Completed tasks per person*\n{people}"))
    else:
        out.append(section("*:trophy: Completed tasks per person*\nNo verdicts this week."))
    footer = (
        "The chart of claims per day is in this message's thread."
        if preview is None
        else "Only you can see this preview. The weekly post has a chart of claims per day."
    )
    out.append(context(footer))
    return out


def message(digest: Digest, workspace_url: str | None, *, preview: str | None = None) -> Message:
    """The digest as a message: blocks, and a one-line summary for notifications."""
    figures = digest.figures
    text = (
        f"Fact-check digest for <#{digest.channel_id}>, {week_range(digest.week)}: "
        f"{figures.articles} articles, {figures.claims} claims found, "
        f"{figures.judged} verdicts."
    )
    return Message(text, blocks(digest, workspace_url, preview=preview))


def digest_requested(week: str) -> str:
    """The ack of `/factcheck digest`: the preview follows in a moment."""
    which = "this week so far" if week == THIS_WEEK else "last week"
    return f":hourglass_flowing_sand: Putting together this channel's digest for {which}…"
