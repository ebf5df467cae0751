"""Slack messages: Block Kit for the summary and the claim tasks, text for replies.

Every renderer returns `Message(text, blocks)`; `text` is the notification and
screen-reader fallback Slack shows where blocks cannot be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from factdesk.errors import FactdeskError
from factdesk.ids import ActionId
from factdesk.models import Article, Claim, ClaimStatus
from factdesk.services.claims import Tally

Block = dict[str, Any]

SECTION_TEXT_LIMIT = 3000
BAR_WIDTH = 12

STATUS_LABEL = {
    ClaimStatus.OPEN: ":white_circle: Open",
    ClaimStatus.CONFIRMED: ":white_check_mark: Confirmed",
    ClaimStatus.DISPUTED: ":x: Disputed",
    ClaimStatus.UNVERIFIED: ":grey_question: Unverified",
}

BUTTONS: tuple[tuple[ActionId, str, str | None], ...] = (
    (ActionId.MARK_CONFIRMED, ":white_check_mark: Confirmed", "primary"),
    (ActionId.MARK_DISPUTED, ":x: Disputed", "danger"),
    (ActionId.MARK_UNVERIFIED, ":grey_question: Unverified", None),
)


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis, so Slack never rejects the block."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def slack_date(moment: datetime) -> str:
    """A date Slack renders in each reader's own timezone."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(clip(text, SECTION_TEXT_LIMIT))}


def _context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [_mrkdwn(clip(text, SECTION_TEXT_LIMIT)) for text in texts],
    }


def article_link(article: Article) -> str:
    """The article's title linked to its URL, for mrkdwn."""
    title = escape(clip(article.title or article.url, 150))
    return f"<{article.url}|{title}>"


def progress_bar(done: int, total: int) -> str:
    """A bar of filled and empty squares, e.g. `▰▰▰▱▱▱ 50%`."""
    if total == 0:
        return ""
    filled = round(BAR_WIDTH * done / total)
    return f"{'▰' * filled}{'▱' * (BAR_WIDTH - filled)} {round(100 * done / total)}%"


def tally_line(tally: Tally) -> str:
    """`3 of 12 checked`, the phrase the summary and its updates share."""
    return f"{tally.checked} of {tally.total} checked"


def summary(article: Article, tally: Tally, *, held_back: int = 0) -> Message:
    """The thread's first reply: what was read, how many claims, and the running tally."""
    link = article_link(article)
    if tally.total == 0 and held_back == 0:
        text = f"I read {link} but found no checkable claims in it."
        return Message(text=text, blocks=[_section(f":mag: {text}")])
    noun = "claim" if tally.total == 1 else "claims"
    headline = f"{tally.total} {noun} to check in {link}"
    byline = " · ".join(
        part
        for part in (
            escape(article.site or ""),
            escape(article.author or ""),
            article.published_date.strftime("%d %b %Y") if article.published_date else "",
        )
        if part
    )
    counts = " · ".join(
        (
            f":white_check_mark: {tally.confirmed} confirmed",
            f":x: {tally.disputed} disputed",
            f":grey_question: {tally.unverified} unverified",
            f":bust_in_silhouette: {tally.claimed} claimed",
            f":white_circle: {tally.open} open",
        )
    )
    blocks = [_section(f":mag: *{headline}*")]
    if byline:
        blocks.append(_context(byline))
    blocks += [
        _section(f"*{tally_line(tally)}*  {progress_bar(tally.checked, tally.total)}\n{counts}"),
        _context("Each claim below is a task: *Claim* it, check it, then mark a verdict."),
    ]
    if held_back:
        more = f"{held_back} more lower-scored {'claim' if held_back == 1 else 'claims'}"
        blocks.append(
            {
                "type": "section",
                "text": _mrkdwn(f"{more} not posted, to keep the thread workable."),
                "accessory": _button(
                    ActionId.POST_MORE_CLAIMS, f"Post {held_back} more", article.id, None
                ),
            }
        )
    return Message(text=f"{headline} ({tally_line(tally)})", blocks=blocks)


def claim_task(claim: Claim, *, number: int, total: int) -> Message:
    """One claim as a task: the sentence, why it was picked, where it stands, and buttons."""
    status = STATUS_LABEL[claim.status]
    quote = "\n".join(f">{line}" for line in escape(clip(claim.text, 2500)).splitlines())
    blocks: list[Block] = [_section(f"*Claim {number} of {total}* · {status}\n{quote}")]
    about = []
    if claim.speaker:
        about.append(f":speaking_head_in_silhouette: Source: *{escape(clip(claim.speaker, 100))}*")
    if claim.context:
        about.append(f"Context: _{escape(clip(claim.context, 300))}_")
    about.append(f"Why: {', '.join(claim.reasons) or 'check-worthy'} · score {claim.score:.2f}")
    blocks.append(_context(*about))
    state = _state_line(claim)
    if state:
        blocks.append(_context(state))
    buttons = []
    if claim.assignee is None:
        buttons.append(_button(ActionId.CLAIM_TASK, ":raising_hand: Claim", claim.id, None))
    for action_id, label, style in BUTTONS:
        if action_id.status != claim.status:
            buttons.append(_button(action_id, label, claim.id, style))
    blocks.append({"type": "actions", "block_id": f"claim-{claim.id}", "elements": buttons})
    text = f"Claim {number} of {total} ({claim.status.value}): {clip(claim.text, 300)}"
    return Message(text=text, blocks=blocks)


def _state_line(claim: Claim) -> str:
    parts = []
    if claim.status.is_verdict and claim.status_set_by and claim.status_set_at:
        parts.append(
            f"{STATUS_LABEL[claim.status]} by <@{claim.status_set_by}> "
            f"{slack_date(claim.status_set_at)}"
        )
    if claim.assignee and claim.claimed_at:
        parts.append(
            f":bust_in_silhouette: Claimed by <@{claim.assignee}> {slack_date(claim.claimed_at)}"
        )
    return " · ".join(parts)


def _button(action_id: ActionId, label: str, row_id: int, style: str | None) -> Block:
    button: Block = {
        "type": "button",
        "action_id": action_id.value,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": str(row_id),
    }
    if style:
        button["style"] = style
    return button


def anchor(url: str, user_id: str | None) -> Message:
    """The channel message a /factcheck request hangs its thread on."""
    who = f"<@{user_id}> asked me to fact-check" if user_id else "Fact-checking"
    return Message(text=f":mag: {who} {url}")


def failure(article: Article, error: FactdeskError) -> Message:
    """A thread reply that says, in plain words, why a link could not be checked."""
    return Message(text=f":warning: {error.user_message}\n<{article.url}>")


def command_help() -> str:
    """What `/factcheck` with no argument answers."""
    return (
        "Use `/factcheck <link>` to turn an article into fact-check tasks, for example "
        "`/factcheck https://example.com/story`. I also pick up links posted in channels I'm in."
    )


def command_accepted(url: str) -> str:
    """The ephemeral answer to a /factcheck request."""
    return f":mag: On it: I'm reading {url} and will post its claims in a thread here."
