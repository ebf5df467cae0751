"""The summary's "Post N more" button: post the claims the channel's cap held back."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps
from factdesk.errors import InvalidRequest


def handle_post_more(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
    value = str(action.get("value", ""))
    if not value.isdigit():
        raise InvalidRequest(detail=f"post-more value {value!r}")
    ack()
    deps.queue(context).post_held_back(int(value))
