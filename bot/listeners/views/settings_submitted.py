"""The channel settings dialog, submitted: check, save, confirm in the channel."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import deps, payloads, permissions
from factdesk.errors import InvalidRequest
from factdesk.render import channel_settings
from factdesk.services import channels


def handle_settings_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    logger: logging.Logger,
) -> None:
    channel_id = channel_settings.settings_channel(view)
    if channel_id is None:
        raise InvalidRequest(detail="settings modal without a channel")
    team_id = payloads.team_id(context, body, view)
    user_id = body["user"]["id"]
    new = channel_settings.read_settings((view.get("state") or {}).get("values") or {})
    problems = channels.check_config(new)
    if problems:
        logger.info("settings refused channel=%s fields=%s", channel_id, sorted(problems))
        ack(response_action="errors", errors=problems)
        return
    with deps.session(context) as session:
        editors = channels.editors(session=session, team_id=team_id, channel_id=channel_id)
        allowed = (
            not editors or user_id in editors or permissions.is_workspace_admin(client, user_id)
        )
        if allowed:
            channels.save_config(session=session, team_id=team_id, channel_id=channel_id, new=new)
    if not allowed:
        logger.info("settings refused channel=%s user=%s: not an editor", channel_id, user_id)
        ack(
            response_action="errors",
            errors={channels.EDITORS: channel_settings.settings_refused(editors)},
        )
        return
    ack()
    logger.info("settings saved channel=%s user=%s", channel_id, user_id)
    try:
        client.chat_postEphemeral(
            channel=channel_id, user=user_id, text=channel_settings.settings_saved(channel_id, new)
        )
    except SlackApiError as exc:
        # Saved all the same; the modal has closed, so there is nowhere else to say it.
        logger.warning("settings confirmation not delivered: %s", exc.response.get("error"))
