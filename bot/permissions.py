"""Who may do what: the channel's editors from the database, admins from Slack."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from factdesk.models import Claim
from factdesk.services import channels
from factdesk.services.claims import Actor

log = logging.getLogger(__name__)


def actor(
    *,
    session: Session,
    client: WebClient,
    team_id: str,
    channel_id: str,
    user_id: str,
    acting_on: Claim | None = None,
) -> Actor:
    """The person acting in a channel, with the powers the channel and workspace give them.

    With `acting_on`, Slack is asked whether the person is an admin only when that could
    matter: the task is someone else's and the person is not one of the channel's editors.
    """
    is_editor = user_id in channels.editors(session=session, team_id=team_id, channel_id=channel_id)
    if is_editor:
        return Actor(user_id, is_editor=True)
    if acting_on is not None and acting_on.assignee in (None, user_id):
        return Actor(user_id)
    return Actor(user_id, is_admin=is_workspace_admin(client, user_id))


def is_workspace_admin(client: WebClient, user_id: str) -> bool:
    """True for workspace admins and owners; False when Slack can't say."""
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.warning("users.info failed user=%s error=%s", user_id, exc.response.get("error"))
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))


def task_actor(*, session: Session, client: WebClient, user_id: str, claim: Claim) -> Actor:
    """The person acting on a task, with the powers the task's channel gives them."""
    return actor(
        session=session,
        client=client,
        team_id=claim.article.slack_team_id,
        channel_id=claim.article.slack_channel_id,
        user_id=user_id,
        acting_on=claim,
    )
