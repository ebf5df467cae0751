"""A message in a channel: every article link in it becomes a fact-check thread."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import deps, link_requests
from factdesk.links import find_links
from factdesk.services import channels

# Subtypes that are still a person posting; edits, joins, bot posts and the rest are not.
PERSON_SUBTYPES = {None, "file_share", "thread_broadcast"}


def handle_message(
    event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    if event.get("subtype") not in PERSON_SUBTYPES or event.get("bot_id"):
        return
    if event.get("user") in (None, context.bot_user_id):
        return
    links = find_links(event.get("text") or "")
    if not links:
        return
    settings = deps.settings(context)
    channel, ts = event["channel"], event["ts"]
    team_id = context.team_id or event.get("team", "")
    taken = links[: settings.max_links_per_message]
    with deps.session(context) as session:
        if not channels.auto_links(session=session, team_id=team_id, channel_id=channel):
            logger.info("links ignored channel=%s: auto_links is off", channel)
            return
        queued = link_requests.store_links(
            session,
            urls=taken,
            team_id=team_id,
            channel_id=channel,
            thread_ts=event.get("thread_ts") or ts,
            message_ts=ts,
            user_id=event["user"],
        )
    if not queued:
        return  # a redelivered event: the first delivery did the work
    try:
        client.reactions_add(channel=channel, timestamp=ts, name=settings.working_reaction)
    except SlackApiError as exc:
        logger.info("working reaction skipped: %s", exc.response.get("error"))
    link_requests.enqueue(context, queued)
    logger.info("links queued channel=%s articles=%s", channel, [q.article_id for q in queued])
    if len(links) > len(taken):
        client.chat_postEphemeral(
            channel=channel,
            user=event["user"],
            text=(
                f"I'm checking the first {len(taken)} links in your message. "
                "Share the others in separate messages to check them too."
            ),
        )
