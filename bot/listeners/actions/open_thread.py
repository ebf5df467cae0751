"""App Home link buttons: Slack opens the link; the click still needs an ack."""

from __future__ import annotations

from slack_bolt import Ack


def handle_open_thread(ack: Ack) -> None:
    ack()
