"""Reassign: hand a task to the person picked in the user menu."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_reassign_task(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
