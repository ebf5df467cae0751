"""The desk in Slack: the `/factcheck` answers and the Home tab.

Links to tasks and threads are `links.task_link` and `links.thread_link`: permalinks built
from the workspace URL, so a list of twenty tasks costs no API call per task.
"""

from __future__ import annotations

from collections.abc import Callable

from factdesk.ids import ActionId
from factdesk.models import Article, ArticleState, Claim, ClaimEvent, ClaimStatus
from factdesk.render.blocks import (
    Block,
    View,
    button,
    context,
    header,
    linked,
    section,
    slack_ago,
)
from factdesk.render.links import task_link, thread_link
from factdesk.render.mrkdwn import escape, excerpt, link
from factdesk.render.thread import STATUS_LABEL, counts, progress_bar, tally_line
from factdesk.services.desk import Checked, Listing

HOME_BLOCK_LIMIT = 100
EXCERPT = 150
COMMAND = "/factcheck"


def _title(article: Article) -> str:
    return article.title or article.url


# -- /factcheck answers ------------------------------------------------------------


def command_help(problem: str | None = None) -> str:
    """Every `/factcheck` subcommand, after what went wrong if something did."""
    lines = [f":warning: {problem}", ""] if problem else []
    lines += [
        f"*What `{COMMAND}` can do*",
        f"• `{COMMAND} &lt;link&gt;`: turn an article into fact-check tasks in a thread here. "
        "Add `again` after the link to read it afresh.",
        f"• `{COMMAND} mine`: your open tasks, with links to their threads.",
        f"• `{COMMAND} open [#channel]`: tasks nobody has claimed, here or in another channel.",
        f"• `{COMMAND} status &lt;link&gt;`: how far a link's fact-check has come.",
        f"• `{COMMAND} settings`: this channel's claim cap, evidence rules, editors, "
        "link pickup and weekly digest.",
        f"• `{COMMAND} digest [this-week|last-week]`: a private preview of this channel's "
        "weekly digest.",
        f"• `{COMMAND} export [week|month|all] [csv|claimreview]`: this channel's claims as a "
        "CSV file or as ClaimReview JSON-LD, sent to you in a DM.",
        f"• `{COMMAND} search &lt;words&gt;`: past verdicts and fact-checks that match, privately.",
        f"• `{COMMAND} help`: this list.",
        "I also pick up article links posted in channels I'm in. "
        f"For example: `{COMMAND} https://example.com/story`.",
    ]
    return "\n".join(lines)


def unknown_subcommand(word: str) -> str:
    """The answer to `/factcheck <something I don't know>`."""
    return command_help(f"I don't know `{excerpt(word, 40)}`.")


def _task_line(claim: Claim, workspace_url: str | None, when: str) -> str:
    article = claim.article
    return (
        f"• {linked(claim.text, task_link(workspace_url, claim), 120)}\n"
        f"    _{excerpt(_title(article), 80)}_ in <#{article.slack_channel_id}> · {when}"
    )


def _more(listing: Listing) -> list[str]:
    return [f"…and {listing.more} more."] if listing.more else []


def my_tasks(listing: Listing, workspace_url: str | None) -> str:
    """`/factcheck mine`: the person's open tasks."""
    if not listing.items:
        return "Nothing assigned to you. Claim a task in any fact-check thread."
    lines = [f"*Your open tasks ({listing.total})*"]
    lines += [
        _task_line(claim, workspace_url, f"claimed {slack_ago(claim.claimed_at)}")
        for claim in listing.items
    ]
    return "\n".join(lines + _more(listing))


def open_tasks(channel_id: str, listing: Listing, workspace_url: str | None) -> str:
    """`/factcheck open [#channel]`: the channel's unclaimed tasks."""
    if not listing.items:
        return (
            f"Nothing unclaimed in <#{channel_id}>. Share an article link there, or run "
            f"`{COMMAND} &lt;link&gt;`, to start a fact-check."
        )
    lines = [f"*Unclaimed tasks in <#{channel_id}> ({listing.total})*"]
    lines += [
        _task_line(claim, workspace_url, f"posted {slack_ago(claim.created_at)}")
        for claim in listing.items
    ]
    lines.append("Open a thread and click *Claim* on a task to take it.")
    return "\n".join(lines + _more(listing))


def link_status(url: str, checks: list[Checked], workspace_url: str | None) -> str:
    """`/factcheck status <url>`: each thread that checked the link, with its tally."""
    if not checks:
        return f"{escape(url)} hasn't been checked yet. Run `{COMMAND} {escape(url)}` to check it."
    return "\n\n".join(_check_status(check, workspace_url) for check in checks)


def _check_status(check: Checked, workspace_url: str | None) -> str:
    article, tally = check.article, check.tally
    thread = thread_link(workspace_url, article)
    where = f"in <#{article.slack_channel_id}>"
    head = f"*{linked(_title(article), thread, EXCERPT)}* {where}"
    if article.state is ArticleState.FAILED:
        return f"{head}\n:warning: {escape(article.error_message or 'It could not be checked.')}"
    if article.state in (ArticleState.QUEUED, ArticleState.PROCESSING):
        return f"{head}\n:hourglass_flowing_sand: Still reading it; the tasks will follow."
    if tally.total == 0:
        return f"{head}\nNo checkable claims were found in it."
    return (
        f"{head}\n*{tally_line(tally)}*  {progress_bar(tally.checked, tally.total)}\n"
        f"{counts(tally)}" + (f"\n{link(thread, 'Open the thread')}" if thread else "")
    )


# -- the Home tab ------------------------------------------------------------------


def _item(text: str, url: str | None, claim_id: int) -> Block:
    block = section(text)
    if url:
        block["accessory"] = button(ActionId.OPEN_THREAD, "Open thread", claim_id, url=url)
    return block


def _task_item(claim: Claim, workspace_url: str | None, when: str) -> Block:
    article = claim.article
    quote = f">{excerpt(claim.text, 280)}"
    about = f"_{excerpt(_title(article), 100)}_ in <#{article.slack_channel_id}> · {when}"
    return _item(f"{quote}\n{about}", task_link(workspace_url, claim), claim.id)


def _verdict_item(event: ClaimEvent, workspace_url: str | None) -> Block:
    claim = event.claim
    try:
        label = STATUS_LABEL[ClaimStatus(event.to_value or "")]
    except (KeyError, ValueError):
        label = escape(event.to_value or "changed")
    lines = [f"*{label}* · {slack_ago(event.created_at)}", f">{excerpt(claim.text, 200)}"]
    if event.note:
        lines.append(f"Note: _{excerpt(event.note, 200)}_")
    return _item("\n".join(lines), task_link(workspace_url, claim), claim.id)


def _listing_blocks(
    listing: Listing, empty: str, item: Callable[[Claim], Block], more: str
) -> list[Block]:
    if not listing.items:
        return [context(empty)]
    blocks = [item(claim) for claim in listing.items]
    if listing.more:
        blocks.append(context(f"+{listing.more} more {more}"))
    return blocks


def home(
    *,
    mine: Listing,
    unclaimed: Listing,
    verdicts: list[ClaimEvent],
    workspace_url: str | None,
) -> View:
    """The Home tab: my open tasks, unclaimed tasks in my channels, my recent verdicts."""
    blocks: list[Block] = [header("Your open tasks")]
    blocks += _listing_blocks(
        mine,
        "Nothing assigned to you. Claim a task in any fact-check thread.",
        lambda claim: _task_item(claim, workspace_url, f"claimed {slack_ago(claim.claimed_at)}"),
        f"assigned to you. `{COMMAND} mine` lists them all.",
    )
    blocks += [{"type": "divider"}, header("Unclaimed tasks in your channels")]
    blocks += _listing_blocks(
        unclaimed,
        "No unclaimed tasks in your channels. Share an article link in a channel I'm in, "
        f"or run `{COMMAND} &lt;link&gt;`, to start a fact-check.",
        lambda claim: _task_item(claim, workspace_url, f"posted {slack_ago(claim.created_at)}"),
        f"waiting. `{COMMAND} open #channel` lists a channel's.",
    )
    blocks += [{"type": "divider"}, header("Your recent verdicts")]
    if verdicts:
        blocks += [_verdict_item(event, workspace_url) for event in verdicts]
    else:
        blocks.append(
            context(
                "No verdicts yet. Mark a task Confirmed, Disputed or Unverified and it shows here."
            )
        )
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}
