"""The Home tab opened: a worker publishes it as the database has it now."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from bot import deps, payloads


def handle_app_home_opened(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext, logger: logging.Logger
) -> None:
    if event.get("tab") != "home":
        return  # the Messages and About tabs are Slack's own
    deps.queue(context).publish_home(payloads.team_id(context, body), event["user"])
    logger.info("home requested user=%s", event["user"])
