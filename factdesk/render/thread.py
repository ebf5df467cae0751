"""A fact-check thread in Slack: the summary, the claim tasks, the lines that announce a
change, and the short answers around them (the anchor, a failure, "already checked").
"""

from __future__ import annotations

from urllib.parse import urlsplit

from factdesk.errors import FactdeskError
from factdesk.ids import ActionId
from factdesk.models import Article, Claim, ClaimEvent, ClaimStatus, EventAction
from factdesk.render.blocks import Block, Message, button, context, mrkdwn_text, section, slack_date
from factdesk.render.mrkdwn import clip, escape, excerpt, link
from factdesk.services.claims import Tally

BAR_WIDTH = 12

STATUS_LABEL = {
    ClaimStatus.OPEN: ":white_circle: Open",
    ClaimStatus.CONFIRMED: ":white_check_mark: Confirmed",
    ClaimStatus.DISPUTED: ":x: Disputed",
    ClaimStatus.UNVERIFIED: ":grey_question: Unverified",
    ClaimStatus.DISMISSED: ":no_entry_sign: Not a claim",
}
CLAIMED_LABEL = ":bust_in_silhouette: Claimed"
VERDICT_NAME = {
    ClaimStatus.CONFIRMED: "Confirmed",
    ClaimStatus.DISPUTED: "Disputed",
    ClaimStatus.UNVERIFIED: "Unverified",
}
NOTE_EXCERPT = 300
EVIDENCE_SHOWN = 5
# The title of an article made of a message's own text ("Fact-check this message").
MESSAGE_TITLE = "this message"

BUTTONS: tuple[tuple[ActionId, str, str | None], ...] = (
    (ActionId.MARK_CONFIRMED, ":white_check_mark: Confirmed", "primary"),
    (ActionId.MARK_DISPUTED, ":x: Disputed", "danger"),
    (ActionId.MARK_UNVERIFIED, ":grey_question: Unverified", None),
)


def article_link(article: Article) -> str:
    """The article's title linked to its URL, for mrkdwn."""
    return link(article.url, clip(article.title or article.url, 150))


def progress_bar(done: int, total: int) -> str:
    """A bar of filled and empty squares, e.g. `▰▰▰▱▱▱ 50%`."""
    if total == 0:
        return ""
    filled = round(BAR_WIDTH * done / total)
    return f"{'▰' * filled}{'▱' * (BAR_WIDTH - filled)} {round(100 * done / total)}%"


def counts(tally: Tally) -> str:
    """`✅ 1 confirmed · ❌ 0 disputed · …`, the summary's words for a tally."""
    return " · ".join(
        (
            f":white_check_mark: {tally.confirmed} confirmed",
            f":x: {tally.disputed} disputed",
            f":grey_question: {tally.unverified} unverified",
            f":bust_in_silhouette: {tally.claimed} claimed",
            f":white_circle: {tally.open} open",
        )
    )


def tally_line(tally: Tally) -> str:
    """`3 of 12 checked`, the phrase the summary and its updates share."""
    return f"{tally.checked} of {tally.total} checked"


def summary(article: Article, tally: Tally, *, held_back: int = 0, unposted: int = 0) -> Message:
    """The thread's first reply: what was read, how many claims, and the running tally.

    `unposted` claims are stored but their posts failed for good: the summary says so and
    offers to post them.
    """
    linked = article_link(article)
    if tally.total == 0 and held_back == 0:
        text = f"I read {linked} but found no checkable claims in it."
        return Message(text=text, blocks=[section(f":mag: {text}"), _add_claim(article)])
    noun = "claim" if tally.total == 1 else "claims"
    headline = f"{tally.total} {noun} to check in {linked}"
    byline = " · ".join(
        part
        for part in (
            escape(article.site or ""),
            escape(article.author or ""),
            article.published_date.strftime("%d %b %Y") if article.published_date else "",
        )
        if part
    )
    blocks = [section(f":mag: *{headline}*")]
    if byline:
        blocks.append(context(byline))
    blocks += [
        section(
            f"*{tally_line(tally)}*  {progress_bar(tally.checked, tally.total)}\n{counts(tally)}"
        ),
        context("Each claim below is a task: *Claim* it, check it, then mark a verdict."),
    ]
    if unposted:
        missing = f"{unposted} {'claim' if unposted == 1 else 'claims'}"
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn_text(
                    f":warning: *Posting stopped:* Slack wouldn't take more messages, so "
                    f"{missing} are saved but not in this thread yet."
                ),
                "accessory": button(
                    ActionId.POST_REMAINING_CLAIMS, "Post remaining claims", article.id, "primary"
                ),
            }
        )
    if held_back:
        more = f"{held_back} more lower-scored {'claim' if held_back == 1 else 'claims'}"
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn_text(f"{more} not posted, to keep the thread workable."),
                "accessory": button(
                    ActionId.POST_MORE_CLAIMS, f"Post {held_back} more", article.id, None
                ),
            }
        )
    blocks.append(_add_claim(article))
    stopped = f"; posting stopped, {unposted} not posted" if unposted else ""
    return Message(text=f"{headline} ({tally_line(tally)}{stopped})", blocks=blocks)


def _add_claim(article: Article) -> Block:
    return {
        "type": "actions",
        "block_id": f"article-{article.id}",
        "elements": [button(ActionId.ADD_CLAIM, ":heavy_plus_sign: Add a claim", article.id, None)],
    }


def claim_task(
    claim: Claim, *, number: int, total: int, match: list[Block] | None = None
) -> Message:
    """One claim as a task: the sentence, why it was picked, where it stands, and buttons;
    `match` is the matcher's line about an earlier check, shown while the task is open."""
    # The top-level text is what notifications show: mrkdwn too, so escaped like the blocks.
    text = f"Claim {number} of {total} ({_state_word(claim)}): {excerpt(claim.text, 300)}"
    if claim.status is ClaimStatus.DISMISSED:
        return Message(text=text, blocks=_dismissed_task(claim, number=number, total=total))
    status = STATUS_LABEL[claim.status]
    if claim.status is ClaimStatus.OPEN and claim.assignee:
        status = CLAIMED_LABEL
    quoted = quote(claim.text, 2500)
    blocks: list[Block] = [section(f"*Claim {number} of {total}* · {status}\n{quoted}")]
    about = []
    if claim.speaker:
        about.append(f":speaking_head_in_silhouette: Source: *{excerpt(claim.speaker, 100)}*")
    if claim.context:
        about.append(f"Context: _{excerpt(claim.context, 300)}_")
    why = escape(", ".join(claim.reasons)) or "check-worthy"
    about.append(f"Why: {why} · score {claim.score:.2f}")
    blocks.append(context(*about))
    state = _state_line(claim)
    if state:
        blocks.append(context(state))
    verdict = _verdict_details(claim)
    if verdict:
        blocks.append(context(*verdict))
    if match and claim.status is ClaimStatus.OPEN:
        blocks.extend(match)
    blocks.append(
        {"type": "actions", "block_id": f"claim-{claim.id}", "elements": _task_controls(claim)}
    )
    return Message(text=text, blocks=blocks)


def _state_word(claim: Claim) -> str:
    if claim.status is ClaimStatus.OPEN and claim.assignee:
        return "claimed"
    return claim.status.value


def quote(text: str, limit: int) -> str:
    """Outside text as a mrkdwn block quote, clipped and escaped."""
    return "\n".join(f">{line}" for line in escape(clip(text, limit)).splitlines())


def _dismissed_task(claim: Claim, *, number: int, total: int) -> list[Block]:
    line = f"*Claim {number} of {total}* · {STATUS_LABEL[ClaimStatus.DISMISSED]}"
    if claim.status_set_by:
        line += f" — dismissed by <@{claim.status_set_by}>"
    return [
        section(f"{line}\n{quote(claim.text, NOTE_EXCERPT)}"),
        {
            "type": "actions",
            "block_id": f"claim-{claim.id}",
            "elements": [_reopen_button(claim)],
        },
    ]


def _task_controls(claim: Claim) -> list[Block]:
    """The buttons that make sense in the task's state, most likely next step first."""
    verdicts = [
        button(action_id, label, claim.id, style)
        for action_id, label, style in BUTTONS
        if action_id.status != claim.status
    ]
    if claim.status.is_verdict:
        return [_reopen_button(claim), *verdicts]
    not_a_claim = button(ActionId.NOT_A_CLAIM, ":no_entry_sign: Not a claim", claim.id, None)
    if claim.assignee is None:
        claim_button = button(ActionId.CLAIM_TASK, ":raising_hand: Claim", claim.id, None)
        return [claim_button, *verdicts, not_a_claim, _user_picker("Assign to…")]
    release = button(ActionId.RELEASE_TASK, ":leftwards_arrow_with_hook: Release", claim.id, None)
    return [*verdicts, release, _user_picker("Reassign to…"), not_a_claim]


def _reopen_button(claim: Claim) -> Block:
    return button(ActionId.REOPEN_TASK, ":arrows_counterclockwise: Reopen", claim.id, None)


def _user_picker(placeholder: str) -> Block:
    # A users_select has no value of its own: the claim id travels in the block_id.
    return {
        "type": "users_select",
        "action_id": ActionId.REASSIGN_TASK.value,
        "placeholder": {"type": "plain_text", "text": placeholder, "emoji": True},
    }


def _state_line(claim: Claim) -> str:
    parts = []
    if claim.status.is_verdict and claim.status_set_by and claim.status_set_at:
        parts.append(
            f"{STATUS_LABEL[claim.status]} by <@{claim.status_set_by}> "
            f"{slack_date(claim.status_set_at)}"
        )
    if claim.assignee:
        since = f" {slack_date(claim.claimed_at)}" if claim.claimed_at else ""
        parts.append(f":bust_in_silhouette: Claimed by <@{claim.assignee}>{since}")
    return " · ".join(parts)


def _verdict_details(claim: Claim) -> list[str]:
    details = []
    if claim.verdict_note:
        details.append(f":memo: _{excerpt(claim.verdict_note, NOTE_EXCERPT)}_")
    if claim.evidence_urls:
        details.append(f":link: Evidence: {evidence_links(claim.evidence_urls)}")
    if claim.rating_explanation:
        details.append(f":scales: Rating: {excerpt(claim.rating_explanation, NOTE_EXCERPT)}")
    return details


def evidence_links(urls: list[str], *, shown: int = EVIDENCE_SHOWN) -> str:
    """Links as `<url|host>`, the first few only, then how many more there are."""
    links = ", ".join(link(url, _host(url)) for url in urls[:shown])
    if len(urls) > shown:
        links += f" +{len(urls) - shown} more"
    return links


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or url
    except ValueError:
        host = url
    return clip(host.removeprefix("www."), 80)


def event_line(event: ClaimEvent, claim: Claim, *, number: int) -> Message | None:
    """The short thread reply that announces a change; None when the task says it all."""
    who = f"<@{event.actor}>"
    task = f"claim {number}"
    if event.action is EventAction.STATUS_CHANGED:
        status = ClaimStatus(event.to_value or claim.status)
        name = VERDICT_NAME.get(status, status.value)
        previous = ClaimStatus(event.from_value) if event.from_value else None
        if previous is not None and previous.is_verdict:
            text = f"{who} changed {task} from {VERDICT_NAME[previous]} to *{name}*"
        else:
            text = f"{who} marked {task} *{name}*"
        if event.note:
            text += f": {excerpt(event.note, NOTE_EXCERPT)}"
        count = len(event.evidence_urls)
        if count:
            text += f" ({count} evidence {'link' if count == 1 else 'links'})"
        emoji = STATUS_LABEL[status].split(" ", 1)[0]
        return Message(text=f"{emoji} {text}")
    if event.action is EventAction.REOPENED:
        was = ClaimStatus(event.from_value) if event.from_value else None
        if was is ClaimStatus.DISMISSED:
            label = "not a claim"
        else:
            label = VERDICT_NAME.get(was, "closed") if was else "closed"
        return Message(text=f":arrows_counterclockwise: {who} reopened {task} (was {label}).")
    if event.action is EventAction.REASSIGNED:
        if event.from_value and event.from_value != event.actor:
            text = f"{who} reassigned {task} from <@{event.from_value}> to <@{event.to_value}>."
        elif event.to_value == event.actor:
            text = f"{who} took {task}."
        else:
            text = f"{who} assigned {task} to <@{event.to_value}>."
        return Message(text=f":bust_in_silhouette: {text}")
    if event.action is EventAction.DISMISSED:
        return Message(text=f":no_entry_sign: {who} marked {task} as not a claim.")
    if event.action is EventAction.RELEASED:
        if event.from_value and event.from_value != event.actor:
            text = f"{who} released {task} from <@{event.from_value}>; anyone can claim it."
        else:
            text = f"{who} released {task}; anyone can claim it."
        return Message(text=f":leftwards_arrow_with_hook: {text}")
    return None  # a plain claim or an added claim shows in the task itself


def anchor(url: str, user_id: str | None) -> Message:
    """The channel message a /factcheck request hangs its thread on."""
    who = f"<@{user_id}> asked me to fact-check" if user_id else "Fact-checking"
    return Message(text=f":mag: {who} {link(url)}")


def failure(article: Article, error: FactdeskError) -> Message:
    """A thread reply that says, in plain words, why a link could not be checked.

    An article's errors are plain text (some quote what the site answered), so escaped.
    """
    return Message(text=f":warning: {escape(error.user_message)}\n{link(article.url)}")


def command_accepted(url: str) -> str:
    """The ephemeral answer to a /factcheck request."""
    return f":mag: On it: I'm reading {link(url)} and will post its claims in a thread here."


def already_checked(original: Article, tally: Tally, thread_url: str | None) -> Message:
    """The answer to a link shared again: where its thread is (`links.thread_link`) and how
    far it has come."""
    where = f"<#{original.slack_channel_id}>"
    if tally.total and tally.checked == tally.total:
        status = f"Already checked in {where}: {tally_line(tally)}"
    elif tally.total:
        status = f"Already being checked in {where}: {tally_line(tally)}"
    else:
        status = f"Already being checked in {where}"
    thread = f" {link(thread_url, 'Open the thread')}." if thread_url else ""
    again = "To start over from scratch, use `/factcheck &lt;link&gt; again`."
    return Message(text=f":recycle: {status}.{thread} {again}")


def message_accepted(links: int, *, reads_text: bool) -> str:
    """The ephemeral answer to "Fact-check this message"."""
    parts = ["the claims in its text"] if reads_text else []
    if links:
        parts.append("the link" if links == 1 else f"its {links} links")
    return f":mag: On it: I'm checking {' and '.join(parts)} and will post the tasks in its thread."
