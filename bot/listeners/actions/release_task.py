"""Release: give a task back to the pool."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_release_task(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
