"""`/factcheck <url>`: fact-check a link without posting it in the channel first."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps
from factdesk import render
from factdesk.links import parse_link
from factdesk.services import articles


def handle_factcheck(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    logger: logging.Logger,
) -> None:
    text = (command.get("text") or "").strip()
    if text.lower() in {"", "help"}:
        ack(text=render.command_help())
        return
    url = parse_link(text)  # before the ack, so a bad link is answered in the ack itself
    ack(text=render.command_accepted(url))
    with deps.session(context) as session:
        article, _ = articles.create(
            session=session,
            url=url,
            team_id=command.get("team_id", ""),
            channel_id=command["channel_id"],
            thread_ts=None,  # the worker posts a message to hang the thread on
            requested_by=command["user_id"],
        )
        article_id = article.id
    deps.queue(context).ingest_article(article_id)
    logger.info("command queued channel=%s article=%s", command["channel_id"], article_id)
