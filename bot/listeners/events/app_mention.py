"""A mention of the bot, `@factdesk <link>`: asked by name, it checks the link whatever the
channel's setting for links shared without asking; a mention without a link gets help."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import link_requests
from factdesk.links import find_links
from factdesk.render import notices


def handle_app_mention(
    event: dict[str, Any], context: BoltContext, client: WebClient, logger: logging.Logger
) -> None:
    if not link_requests.by_a_person(event, context):
        return
    links = find_links(event.get("text") or "")
    if links:
        link_requests.from_message(event, context, client, links=links, auto_links_only=False)
        return
    try:
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event["ts"],
            text=notices.mention_help(),
        )
    except SlackApiError as exc:
        logger.warning("mention help not posted: %s", exc.response.get("error"))
        return
    logger.info("mention without a link answered channel=%s", event["channel"])
