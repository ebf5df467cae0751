"""Reopen: take a verdict or a dismissal back."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_reopen_task(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
