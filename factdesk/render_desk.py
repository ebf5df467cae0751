"""The desk in Slack: `/factcheck` answers, the channel settings modal, the Home tab.

Links to threads are Slack permalinks built from the workspace URL (`auth.test`), so a
list of twenty tasks costs no API call per task.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from factdesk.ids import ActionId, CallbackId
from factdesk.models import Article, ArticleState, Claim, ClaimEvent, ClaimStatus
from factdesk.mrkdwn import clip, clip_mrkdwn, escape, excerpt, link
from factdesk.render import STATUS_LABEL, progress_bar, tally_line
from factdesk.services import channels
from factdesk.services.channels import Config
from factdesk.services.claims import Tally
from factdesk.services.desk import Checked, Listing
from factdesk.slack import permalink

Block = dict[str, Any]
View = dict[str, Any]

HOME_BLOCK_LIMIT = 100
EXCERPT = 150
COMMAND = "/factcheck"

VERDICT_CHOICES = (ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED, ClaimStatus.UNVERIFIED)
AUTO = "auto"
COMMAND_ONLY = "command"
ON = "on"
OFF = "off"


# -- links -------------------------------------------------------------------------


def thread_link(workspace_url: str | None, article: Article) -> str | None:
    """Where an article's fact-check thread starts: its summary, or the shared message."""
    if not workspace_url or article.slack_thread_ts is None:
        return None
    if article.slack_summary_ts is not None:
        return permalink(
            workspace_url,
            article.slack_channel_id,
            article.slack_summary_ts,
            article.slack_thread_ts,
        )
    return permalink(workspace_url, article.slack_channel_id, article.slack_thread_ts)


def task_link(workspace_url: str | None, claim: Claim) -> str | None:
    """The claim's own task message in its thread, or the thread if it isn't posted yet."""
    article = claim.article
    if workspace_url and claim.slack_ts is not None and article.slack_thread_ts is not None:
        return permalink(
            workspace_url, article.slack_channel_id, claim.slack_ts, article.slack_thread_ts
        )
    return thread_link(workspace_url, article)


def _linked(text: str, url: str | None, limit: int = EXCERPT) -> str:
    shown = clip(" ".join(text.split()), limit)
    return link(url, shown) if url else escape(shown)


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "some time ago"
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{ago}}|{fallback}>"


def _title(article: Article) -> str:
    return article.title or article.url


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
        f"• {_linked(claim.text, task_link(workspace_url, claim), 120)}\n"
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
        _task_line(claim, workspace_url, f"claimed {_ago(claim.claimed_at)}")
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
        _task_line(claim, workspace_url, f"posted {_ago(claim.created_at)}")
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
    head = f"*{_linked(_title(article), thread, 150)}* {where}"
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


# -- the settings modal --------------------------------------------------------------


def _plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(text: str, value: str) -> Block:
    return {"text": _plain(text), "value": value}


def _input(
    block_id: str,
    label: str,
    element: Block,
    *,
    hint: str | None = None,
    optional: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def _hour(hour: int) -> str:
    return f"{hour:02d}:00"


def settings_modal(channel_id: str, config: Config) -> View:
    """The channel's settings, prefilled with what it has now."""
    if config.editors:
        who = "Only this channel's editors and workspace admins can change these settings."
    else:
        who = (
            "Anyone in the channel can change these settings until you name editors; "
            "then only the editors and workspace admins can."
        )
    verdicts = [_option(status.value.capitalize(), status.value) for status in VERDICT_CHOICES]
    evidence: Block = {
        "type": "checkboxes",
        "action_id": ActionId.SETTINGS_EVIDENCE_FOR.value,
        "options": verdicts,
    }
    chosen = [
        o
        for o, s in zip(verdicts, VERDICT_CHOICES, strict=True)
        if s in config.evidence_required_for
    ]
    if chosen:
        evidence["initial_options"] = chosen
    editors: Block = {
        "type": "multi_users_select",
        "action_id": ActionId.SETTINGS_EDITORS.value,
        "placeholder": _plain("Pick people"),
    }
    if config.editors:
        editors["initial_users"] = list(config.editors)
    pickup = [
        _option("Automatically, in any message", AUTO),
        _option(f"Only with {COMMAND}", COMMAND_ONLY),
    ]
    digest = [_option("On", ON), _option("Off", OFF)]
    days = [_option(day, str(number)) for number, day in enumerate(channels.WEEKDAYS)]
    hours = [_option(_hour(hour), str(hour)) for hour in range(24)]
    timezone: Block = {
        "type": "plain_text_input",
        "action_id": ActionId.SETTINGS_DIGEST_TIMEZONE.value,
        "placeholder": _plain("The workspace's timezone"),
        "max_length": 64,
    }
    if config.digest_timezone:
        timezone["initial_value"] = config.digest_timezone
    blocks: list[Block] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"Factdesk settings for <#{channel_id}>. {who}"},
        },
        _input(
            channels.CLAIM_CAP,
            "Claims posted per article",
            {
                "type": "number_input",
                "action_id": ActionId.SETTINGS_CLAIM_CAP.value,
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": str(channels.MAX_CLAIM_CAP),
                "initial_value": str(config.claim_cap),
            },
            hint="The best-scored claims are posted; the rest wait behind a “Post more” button.",
        ),
        _input(
            channels.EVIDENCE_FOR,
            "Verdicts that need an evidence link",
            evidence,
            optional=True,
        ),
        _input(
            channels.EDITORS,
            "Editors",
            editors,
            hint="Editors may give or change any verdict in this channel, on anyone's task.",
            optional=True,
        ),
        _input(
            channels.AUTO_LINKS,
            "Pick up article links",
            {
                "type": "radio_buttons",
                "action_id": ActionId.SETTINGS_AUTO_LINKS.value,
                "options": pickup,
                "initial_option": pickup[0] if config.auto_links else pickup[1],
            },
        ),
        {"type": "header", "text": _plain("Weekly digest")},
        _input(
            channels.DIGEST_ENABLED,
            "Post a weekly digest in this channel",
            {
                "type": "radio_buttons",
                "action_id": ActionId.SETTINGS_DIGEST_ENABLED.value,
                "options": digest,
                "initial_option": digest[0] if config.digest_enabled else digest[1],
            },
        ),
        _input(
            channels.DIGEST_WEEKDAY,
            "Day",
            {
                "type": "static_select",
                "action_id": ActionId.SETTINGS_DIGEST_WEEKDAY.value,
                "options": days,
                "initial_option": days[config.digest_weekday],
            },
        ),
        _input(
            channels.DIGEST_HOUR,
            "Hour",
            {
                "type": "static_select",
                "action_id": ActionId.SETTINGS_DIGEST_HOUR.value,
                "options": hours,
                "initial_option": hours[config.digest_hour],
            },
        ),
        _input(
            channels.DIGEST_TIMEZONE,
            "Timezone",
            timezone,
            hint="A name such as Europe/Berlin or America/New_York. Leave it empty to use "
            "the workspace's timezone.",
            optional=True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": CallbackId.SETTINGS_MODAL.value,
        "private_metadata": json.dumps({"channel": channel_id}),
        "title": _plain("Channel settings"),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def settings_channel(view: Mapping[str, Any]) -> str | None:
    """The channel a submitted settings modal is about."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return None
    channel = metadata.get("channel") if isinstance(metadata, dict) else None
    return channel if isinstance(channel, str) and channel else None


def read_settings(values: Mapping[str, Any]) -> Config:
    """The settings form as submitted; `channels.check_config` says what is wrong with it."""

    def field(block_id: str, action_id: ActionId) -> Mapping[str, Any]:
        found = (values.get(block_id) or {}).get(action_id.value) or {}
        return found if isinstance(found, Mapping) else {}

    def selected(block_id: str, action_id: ActionId) -> str | None:
        option = field(block_id, action_id).get("selected_option") or {}
        value = option.get("value") if isinstance(option, Mapping) else None
        return str(value) if value is not None else None

    def number(text: str | None) -> int:
        # Out of range on purpose when unreadable, so the check names the field.
        try:
            return int(str(text).strip())
        except ValueError:
            return -1

    evidence = {
        str(option.get("value"))
        for option in field(channels.EVIDENCE_FOR, ActionId.SETTINGS_EVIDENCE_FOR).get(
            "selected_options"
        )
        or []
    }
    timezone = str(
        field(channels.DIGEST_TIMEZONE, ActionId.SETTINGS_DIGEST_TIMEZONE).get("value") or ""
    ).strip()
    return Config(
        claim_cap=number(field(channels.CLAIM_CAP, ActionId.SETTINGS_CLAIM_CAP).get("value")),
        evidence_required_for=frozenset(_statuses(evidence)),
        editors=tuple(
            str(user)
            for user in field(channels.EDITORS, ActionId.SETTINGS_EDITORS).get("selected_users")
            or []
        ),
        auto_links=selected(channels.AUTO_LINKS, ActionId.SETTINGS_AUTO_LINKS) != COMMAND_ONLY,
        digest_enabled=selected(channels.DIGEST_ENABLED, ActionId.SETTINGS_DIGEST_ENABLED) != OFF,
        digest_weekday=number(selected(channels.DIGEST_WEEKDAY, ActionId.SETTINGS_DIGEST_WEEKDAY)),
        digest_hour=number(selected(channels.DIGEST_HOUR, ActionId.SETTINGS_DIGEST_HOUR)),
        digest_timezone=timezone or None,
    )


def _statuses(values: Iterable[str]) -> Iterable[ClaimStatus]:
    for value in values:
        try:
            yield ClaimStatus(value)
        except ValueError:
            continue  # not one of ours; the form only offers verdicts


def describe(config: Config) -> str:
    """The settings in one paragraph, for the confirmation after saving."""
    needs = [s.value.capitalize() for s in VERDICT_CHOICES if s in config.evidence_required_for]
    evidence = (
        f"evidence links needed for {' and '.join(needs)}" if needs else "no evidence required"
    )
    editors = (
        "editors: " + ", ".join(f"<@{user}>" for user in config.editors)
        if config.editors
        else "no editors (assignees give their own verdicts)"
    )
    pickup = (
        "links picked up in any message"
        if config.auto_links
        else f"links checked only with `{COMMAND}`"
    )
    zone = escape(config.digest_timezone) if config.digest_timezone else "the workspace's timezone"
    digest = (
        f"weekly digest on {channels.WEEKDAYS[config.digest_weekday]}s at "
        f"{_hour(config.digest_hour)} ({zone})"
        if config.digest_enabled
        else "no weekly digest"
    )
    return " · ".join(
        (f"up to {config.claim_cap} claims per article", evidence, editors, pickup, digest)
    )


def settings_saved(channel_id: str, config: Config) -> str:
    """The ephemeral confirmation in the channel once the settings are saved."""
    return f":gear: Saved the Factdesk settings for <#{channel_id}>: {describe(config)}."


def settings_refused(editors: Iterable[str]) -> str:
    """Why someone who is neither an editor nor an admin can't change the settings."""
    names = ", ".join(f"<@{user}>" for user in editors)
    return (
        f"Only this channel's editors ({names}) or a workspace admin can change its "
        "settings. Ask one of them."
    )


# -- the Home tab ------------------------------------------------------------------


def _header(text: str) -> Block:
    return {"type": "header", "text": _plain(text)}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip_mrkdwn(text, 3000)}]}


def _item(text: str, link: str | None, claim_id: int) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, 3000)}}
    if link:
        block["accessory"] = {
            "type": "button",
            "action_id": ActionId.OPEN_THREAD.value,
            "text": _plain("Open thread"),
            "url": link,
            "value": str(claim_id),
        }
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
    lines = [f"*{label}* · {_ago(event.created_at)}", f">{excerpt(claim.text, 200)}"]
    if event.note:
        lines.append(f"Note: _{excerpt(event.note, 200)}_")
    return _item("\n".join(lines), task_link(workspace_url, claim), claim.id)


def _listing_blocks(
    listing: Listing, empty: str, item: Callable[[Claim], Block], more: str
) -> list[Block]:
    if not listing.items:
        return [_context(empty)]
    blocks = [item(claim) for claim in listing.items]
    if listing.more:
        blocks.append(_context(f"+{listing.more} more {more}"))
    return blocks


def home(
    *,
    mine: Listing,
    unclaimed: Listing,
    verdicts: list[ClaimEvent],
    workspace_url: str | None,
) -> View:
    """The Home tab: my open tasks, unclaimed tasks in my channels, my recent verdicts."""
    blocks: list[Block] = [_header("Your open tasks")]
    blocks += _listing_blocks(
        mine,
        "Nothing assigned to you. Claim a task in any fact-check thread.",
        lambda claim: _task_item(claim, workspace_url, f"claimed {_ago(claim.claimed_at)}"),
        f"assigned to you. `{COMMAND} mine` lists them all.",
    )
    blocks += [{"type": "divider"}, _header("Unclaimed tasks in your channels")]
    blocks += _listing_blocks(
        unclaimed,
        "No unclaimed tasks in your channels. Share an article link in a channel I'm in, "
        f"or run `{COMMAND} &lt;link&gt;`, to start a fact-check.",
        lambda claim: _task_item(claim, workspace_url, f"posted {_ago(claim.created_at)}"),
        f"waiting. `{COMMAND} open #channel` lists a channel's.",
    )
    blocks += [{"type": "divider"}, _header("Your recent verdicts")]
    if verdicts:
        blocks += [_verdict_item(event, workspace_url) for event in verdicts]
    else:
        blocks.append(
            _context(
                "No verdicts yet. Mark a task Confirmed, Disputed or Unverified and it shows here."
            )
        )
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}
