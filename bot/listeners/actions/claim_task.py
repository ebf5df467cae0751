"""Claim: take an open task."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_claim_task(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
