"""A message in a channel: every article link in it becomes a fact-check thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot import link_requests
from factdesk.links import find_links


def handle_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    if not link_requests.by_a_person(event, context):
        return
    links = find_links(event.get("text") or "")
    if not links:
        return
    link_requests.from_message(event, context, client, links=links, auto_links_only=True)
