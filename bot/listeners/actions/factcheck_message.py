"""Message shortcut 'Fact-check this message'."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_factcheck_message(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
