"""The one place where errors raised in listeners become words for the user."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from factdesk.errors import FactdeskError
from factdesk.render import notices


def handle_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Respond,
    client: WebClient,
    logger: logging.Logger,
) -> BoltResponse | None:
    """Tell the person what went wrong where they are; log it once.

    Listeners validate before they ack, so most refusals arrive here un-acked (`response`
    is set): the answer then goes back in the ack itself, which is also what stops Slack
    showing its own "failed with the error" notice.
    """
    if isinstance(error, FactdeskError):
        logger.info("refused code=%s detail=%s", error.code, error.detail)
        text = notices.refused(error)
    else:
        logger.exception("listener failed: %r", error)
        text = notices.went_wrong()
    not_acked = response is not None
    if not_acked and body.get("command"):
        return BoltResponse(
            status=200,
            body=json.dumps({"response_type": "ephemeral", "text": text}),
            headers={"content-type": "application/json"},
        )
    _tell(body, text, respond, client, logger)
    return BoltResponse(status=200, body="") if not_acked else None


def _tell(
    body: dict[str, Any], text: str, respond: Respond, client: WebClient, logger: logging.Logger
) -> None:
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
    try:
        if body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif user and channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        logger.warning("could not tell user=%s: %s", user, exc.response.get("error"))
