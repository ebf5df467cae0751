"""Turning a requested link into an article and a queued ingest, shared by every entry point."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps
from factdesk import render
from factdesk.services import articles

log = logging.getLogger(__name__)


def from_command(
    ack: Ack, context: BoltContext, command: dict[str, Any], *, url: str, again: bool = False
) -> None:
    """`/factcheck <url> [again]`: ack with what happens next, store, then enqueue."""
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
    log.info("command queued channel=%s article=%s", command["channel_id"], article_id)
