"""`/factcheck <url>`: fact-check a link without posting it in the channel first."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot import link_requests
from factdesk import render
from factdesk.links import parse_link


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
    link_requests.from_command(ack, context, command, url=url)
