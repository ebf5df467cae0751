from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Modal submissions arrive with the verdict dialog; nothing to listen for yet."""
