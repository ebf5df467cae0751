"""A message in a channel: every article link in it becomes a fact-check thread."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import deps
from factdesk.links import find_links
from factdesk.services import articles

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
    taken = links[: settings.max_links_per_message]
    with deps.session(context) as session:
        created = [
            article.id
            for article, is_new in (
                articles.create(
                    session=session,
                    url=url,
                    team_id=context.team_id or event.get("team", ""),
                    channel_id=channel,
                    thread_ts=event.get("thread_ts") or ts,
                    message_ts=ts,
                    requested_by=event["user"],
                )
                for url in taken
            )
            if is_new
        ]
    if not created:
        return  # a redelivered event: the first delivery did the work
    try:
        client.reactions_add(channel=channel, timestamp=ts, name=settings.working_reaction)
    except SlackApiError as exc:
        logger.info("working reaction skipped: %s", exc.response.get("error"))
    queue = deps.queue(context)
    for article_id in created:
        queue.ingest_article(article_id)
    logger.info("links queued channel=%s articles=%s", channel, created)
    if len(links) > len(taken):
        client.chat_postEphemeral(
            channel=channel,
            user=event["user"],
            text=(
                f"I'm checking the first {len(taken)} links in your message. "
                "Share the others in separate messages to check them too."
            ),
        )
