"""Who may do what: the channel's editors from the database, admins from Slack."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from factdesk.services import channels
from factdesk.services.claims import Actor

log = logging.getLogger(__name__)


def actor(
    *, session: Session, client: WebClient, team_id: str, channel_id: str, user_id: str
) -> Actor:
    """The person acting in a channel, with the powers the channel and workspace give them."""
    is_editor = user_id in channels.editors(session=session, team_id=team_id, channel_id=channel_id)
    return Actor(
        user_id, is_admin=not is_editor and is_workspace_admin(client, user_id), is_editor=is_editor
    )


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    """True for workspace admins and owners; False when Slack can't say."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.warning("users.info failed user=%s error=%s", user_id, exc.response.get("error"))
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))
