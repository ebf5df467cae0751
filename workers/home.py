"""The App Home tab: each person's tasks, the channel's unclaimed ones, recent verdicts."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from factdesk.render import desk as render_desk
from factdesk.services import desk
from factdesk.slack import workspace_url
from workers.context import WorkerContext, for_team

log = logging.getLogger(__name__)

# users.conversations pages; a person in more channels than this sees the first ones.
MAX_CHANNEL_PAGES = 5
PAGE_SIZE = 200


@for_team
def publish_home(team_id: str, user_id: str, ctx: WorkerContext) -> None:
    """Publish the person's Home tab as the database has it now."""
    channel_ids = member_channels(ctx.slack, user_id)
    link_base = workspace_url(ctx.slack)
    with ctx.session() as session:
        if channel_ids is None:
            channel_ids = desk.channels_worked_in(session=session, team_id=team_id, user_id=user_id)
        view = render_desk.home(
            mine=desk.my_open_tasks(session=session, team_id=team_id, user_id=user_id),
            unclaimed=desk.unclaimed_tasks(
                session=session, team_id=team_id, channel_ids=channel_ids
            ),
            verdicts=desk.recent_verdicts(session=session, team_id=team_id, user_id=user_id),
            workspace_url=link_base,
        )
    try:
        ctx.slack.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        # The next change or the next visit publishes it again; nothing to retry here.
        log.warning("views.publish failed user=%s error=%s", user_id, exc.response.get("error"))


def member_channels(client: WebClient, user_id: str) -> list[str] | None:
    """The channels the person is in, or None when Slack can't say (missing scope, error)."""
    found: list[str] = []
    cursor: str | None = None
    try:
        for _ in range(MAX_CHANNEL_PAGES):
            page = client.users_conversations(
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=PAGE_SIZE,
                cursor=cursor,
            )
            found += [str(channel["id"]) for channel in page.get("channels") or []]
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
    except SlackApiError as exc:
        log.info("users.conversations failed user=%s: %s", user_id, exc.response.get("error"))
        return None
    return found
