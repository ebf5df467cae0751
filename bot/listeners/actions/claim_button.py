"""Claim, Confirmed, Disputed, Unverified: the buttons on every claim task."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps
from factdesk.errors import ClaimNotFound


def handle_claim_button(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
) -> None:
    value = str(action.get("value", ""))
    if not value.isdigit():
        raise ClaimNotFound(detail=f"button value {value!r}")
    ack()
    deps.queue(context).apply_claim_action(
        int(value), action["action_id"], body["user"]["id"], channel_id=body["channel"]["id"]
    )
