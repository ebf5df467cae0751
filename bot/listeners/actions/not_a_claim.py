"""Not a claim: dismiss a task and keep the sentence as feedback."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_not_a_claim(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
