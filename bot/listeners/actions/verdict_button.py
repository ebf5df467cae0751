"""Confirmed, Disputed, Unverified: open the verdict dialog."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_verdict_button(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
