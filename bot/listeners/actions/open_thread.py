"""App Home link buttons: Slack opens the link; the click still needs an ack."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_open_thread(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
