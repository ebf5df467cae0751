"""The Home tab opened: publish it as it stands."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext


def handle_app_home_opened(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    raise NotImplementedError
