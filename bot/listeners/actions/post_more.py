"""The summary's "Post N more" button: post the claims the channel's cap held back."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps, payloads


def handle_post_more(ack: Ack, action: dict[str, Any], context: BoltContext) -> None:
    article_id = payloads.button_id(action)
    ack()
    deps.queue(context).post_held_back(article_id)
