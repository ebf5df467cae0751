"""Message shortcut 'Fact-check this message': its own text and its links become tasks."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import deps, link_requests, payloads
from factdesk.errors import InvalidRequest
from factdesk.links import find_links, slack_plain_text
from factdesk.render import thread
from factdesk.render.links import permalink
from factdesk.slack import workspace_url

# Fewer words than this is a reaction ("wow", "source?"), not something to check.
MIN_WORDS = 5
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_LINK_MARKUP = re.compile(r"<https?://[^>]*>", re.IGNORECASE)


def handle_factcheck_message(
    ack: Ack,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    respond: Respond,
    logger: logging.Logger,
) -> None:
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or ""
    user = (body.get("user") or {}).get("id") or ""
    ts = message.get("ts")
    if not ts or not channel:
        raise InvalidRequest(detail="message shortcut without a message")
    raw = message.get("text") or ""
    text = slack_plain_text(raw).strip()
    prose = _URL.sub(" ", slack_plain_text(_LINK_MARKUP.sub(" ", raw))).split()
    reads_text = len(prose) >= MIN_WORDS
    links = find_links(raw)[: deps.settings(context).max_links_per_message]
    if not reads_text and not links:
        raise InvalidRequest(
            "There's no text in that message for me to check: it needs a sentence or two, "
            "or a link to an article."
        )
    team_id = payloads.team_id(context, body)
    thread_ts = message.get("thread_ts") or ts
    place = link_requests.Place(
        team_id, channel, thread_ts, ts, user, response_url=body.get("response_url") or None
    )
    with deps.session(context) as session:
        queued = []
        if reads_text:
            own = link_requests.store_message(
                session, text=text, permalink=_permalink(context, channel, ts), place=place
            )
            queued += [own] if own else []
        queued += link_requests.store_links(session, urls=links, place=place)
    ack()
    respond(
        text=thread.message_accepted(len(links), reads_text=reads_text),
        response_type="ephemeral",
        replace_original=False,
    )
    if not queued:
        logger.info("message shortcut: already checked channel=%s ts=%s", channel, ts)
        return
    try:
        client.reactions_add(
            channel=channel, timestamp=ts, name=deps.settings(context).working_reaction
        )
    except SlackApiError as exc:
        logger.info("working reaction skipped: %s", exc.response.get("error"))
    link_requests.enqueue(context, queued)
    logger.info(
        "message shortcut queued channel=%s articles=%s", channel, [q.article_id for q in queued]
    )


def _permalink(context: BoltContext, channel: str, ts: str) -> str:
    # The message's permalink is a stable, unique address for its text; Slack builds it
    # from the workspace's address, so no API call is needed.
    workspace = workspace_url(context.client) or "https://slack.com/"
    return permalink(workspace, channel, ts)
