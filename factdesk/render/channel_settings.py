"""A channel's Factdesk settings in Slack: the modal, reading it back, and the answers
after saving or refusing."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from factdesk.ids import ActionId, CallbackId
from factdesk.models import ClaimStatus
from factdesk.render.blocks import Block, View, header, plain
from factdesk.render.desk import COMMAND
from factdesk.render.mrkdwn import escape
from factdesk.services import channels
from factdesk.services.channels import Config

VERDICT_CHOICES = (ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED, ClaimStatus.UNVERIFIED)
AUTO = "auto"
COMMAND_ONLY = "command"
ON = "on"
OFF = "off"


def _option(text: str, value: str) -> Block:
    return {"text": plain(text), "value": value}


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
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
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
        "placeholder": plain("Pick people"),
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
        "placeholder": plain("The workspace's timezone"),
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
        header("Weekly digest"),
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
        "title": plain("Channel settings"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
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
