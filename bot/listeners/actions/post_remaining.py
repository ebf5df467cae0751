"""The summary's "Post remaining claims" button, shown after posting to the thread failed."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps
from factdesk.errors import InvalidRequest


def handle_post_remaining(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
    value = str(action.get("value", ""))
    if not value.isdigit():
        raise InvalidRequest(detail=f"post-remaining value {value!r}")
    ack()
    deps.queue(context).post_remaining_claims(int(value))
