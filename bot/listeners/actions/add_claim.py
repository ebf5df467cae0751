"""Add a claim: open the dialog for a claim the finder missed."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_add_claim(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
