"""Slack's `app_rate_limited` notice: events for a workspace are being dropped for a while."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_bolt import BoltResponse

from factdesk.metrics import EVENTS_RATE_LIMITED

NOTICE = "app_rate_limited"


def answer_app_rate_limited(
    body: dict[str, Any], logger: logging.Logger, next: Any
) -> BoltResponse | None:  # Bolt injects `next` by name
    # The notice comes to the events URL without an inner event, so no event listener can
    # match it and Bolt answered 404. Slack expects a 2xx. Bolt runs this before it looks
    # up the workspace's installation (create_app), which the notice does not need.
    if body.get("type") != NOTICE:
        next()
        return None
    EVENTS_RATE_LIMITED.inc()
    logger.warning(
        "Slack is rate-limiting events to the app team=%s since=%s: "
        "events from that workspace are dropped for now",
        body.get("team_id"),
        _minute(body.get("minute_rate_limited")),
    )
    return BoltResponse(status=200, body="")


def _minute(epoch: Any) -> str:
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%MZ")
    except (TypeError, ValueError, OverflowError, OSError):
        return str(epoch)[:40]
