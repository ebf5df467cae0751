"""The weekly digest in Slack: Block Kit sections, and the metadata that finds it again."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from factdesk.models import Claim, ClaimStatus
from factdesk.mrkdwn import clip, clip_mrkdwn, escape, link
from factdesk.render import Message
from factdesk.render_desk import task_link
from factdesk.services.digests import Digest, Durations, Figures, Week

Block = dict[str, Any]

METADATA_EVENT = "factdesk_digest"
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
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


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, SECTION_LIMIT)}}


def _context(text: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip_mrkdwn(text, SECTION_LIMIT)}],
    }


def _claim_line(claim: Claim, workspace_url: str | None, after: str) -> str:
    url = task_link(workspace_url, claim)
    label = clip(" ".join(claim.text.split()), EXCERPT)
    return f"• {link(url, label) if url else escape(label)}{after}"


def _waited(since: datetime | None, now: datetime) -> str:
    return duration(now - since) if since else "n/a"


def _listing(title: str, total: int, lines: Iterable[str], empty: str) -> Block:
    shown = list(lines)
    if not shown:
        return _section(f"*{title}*\n{empty}")
    more = total - len(shown)
    tail = [f"…and {more} more."] if more > 0 else []
    return _section("\n".join([f"*{title} ({total})*", *shown, *tail]))


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
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        _context(f"<#{digest.channel_id}> · {scope} · times in {escape(digest.week.timezone)}"),
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
        out.append(_section(f"*:trophy: Completed tasks per person*\n{people}"))
    else:
        out.append(_section("*:trophy: Completed tasks per person*\nNo verdicts this week."))
    footer = (
        "The chart of claims per day is in this message's thread."
        if preview is None
        else "Only you can see this preview. The weekly post has a chart of claims per day."
    )
    out.append(_context(footer))
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


def chart_title(digest: Digest) -> str:
    return f"Claims per day, {week_range(digest.week)}"


def chart_filename(digest: Digest) -> str:
    return f"factdesk-digest-{digest.channel_id}-{digest.week.start.isoformat()}.png"


def chart_alt_text(digest: Digest) -> str:
    """What the chart shows, for screen readers: the day totals."""
    days = ", ".join(
        f"{day:%a} {sum(counts.values())}" for day, counts in sorted(digest.per_day.items())
    )
    return clip(f"Bar chart of claims found per day, stacked by status: {days}.", 1000)


def digest_requested(week: str) -> str:
    """The ack of `/factcheck digest`: the preview follows in a moment."""
    which = "this week so far" if week == THIS_WEEK else "last week"
    return f":hourglass_flowing_sand: Putting together this channel's digest for {which}…"


EXPORT_SCOPE_WORDS = {"week": "the last 7 days", "month": "the last 30 days", "all": "all time"}
EXPORT_FORMAT_WORDS = {"csv": "CSV", "claimreview": "ClaimReview JSON-LD"}


def export_requested(scope: str, fmt: str) -> str:
    """The ack of `/factcheck export`: the file follows in a DM."""
    return (
        f":hourglass_flowing_sand: Preparing a {EXPORT_FORMAT_WORDS[fmt]} export of this "
        f"channel's claims for {EXPORT_SCOPE_WORDS[scope]}. I'll send the file in a DM."
    )


def export_command(scope: str, fmt: str) -> str:
    """The command that asks for this export again, as the person would type it."""
    return f"`/factcheck export {scope} {fmt}`"


def export_not_sent(channel_id: str, fmt: str, why: str) -> str:
    """What the person who ran `/factcheck export` sees when Slack refused the file;
    `why` says what went wrong and what to do (`Refusal.advice`)."""
    return (
        f":warning: I couldn't send you the {EXPORT_FORMAT_WORDS[fmt]} export of "
        f"<#{channel_id}>: {why}"
    )


def export_crashed(channel_id: str, scope: str, fmt: str) -> str:
    """What the person sees when building the export failed on our side."""
    return (
        f":warning: Something went wrong on my side while building the "
        f"{EXPORT_FORMAT_WORDS[fmt]} export of <#{channel_id}>. Run "
        f"{export_command(scope, fmt)} again in a minute; if it keeps failing, the "
        "people who run Factdesk can find the details in the worker log."
    )
