"""The summary's "Post remaining claims" button, shown after posting to the thread failed."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps, payloads


def handle_post_remaining(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
    article_id = payloads.button_id(action)
    ack()
    deps.queue(context).post_remaining_claims(article_id)
