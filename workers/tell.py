"""Telling the person who ran a command, from a worker, where they ran it.

The command's `response_url` comes first: it works in any channel the command was run
in, the bot a member or not, and needs no scope. Without one (a task queued before it
was carried along, or one Slack refuses after its 30 minutes), a `chat.postEphemeral`
in the channel. Neither raises: a failure to tell is one log line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from factdesk.slack_refusals import SLACK_FAILURES, refusal
from workers.context import WorkerContext

log = logging.getLogger(__name__)

RESPONSE_URL_TIMEOUT = 10


def tell_requester(
    ctx: WorkerContext, *, response_url: str | None, channel_id: str, user_id: str, text: str
) -> bool:
    """Show `text` to `user_id` only, in `channel_id`; whether it got there."""
    if response_url and by_response_url(response_url, user_id=user_id, text=text):
        return True
    try:
        ctx.slack.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
    except SLACK_FAILURES as exc:
        log.warning(
            "could not tell user=%s in channel=%s: %s", user_id, channel_id, refusal(exc).for_log()
        )
        return False
    return True


def by_response_url(
    response_url: str,
    *,
    user_id: str,
    text: str,
    blocks: Sequence[dict[str, Any]] | None = None,
) -> bool:
    """Send an ephemeral message through a command's `response_url`; whether Slack took it."""
    try:
        answer = WebhookClient(
            response_url,
            timeout=RESPONSE_URL_TIMEOUT,
            user_agent_prefix="factdesk-worker",
            retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2)],
        ).send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    except OSError as exc:
        log.info("response_url unreachable user=%s: %r", user_id, exc)
        return False
    if answer.status_code != 200:
        log.info("response_url refused user=%s: %s", user_id, answer.status_code)
        return False
    return True
