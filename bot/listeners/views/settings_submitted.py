"""The channel settings dialog, submitted."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_settings_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
