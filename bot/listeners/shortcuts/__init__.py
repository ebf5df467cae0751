from __future__ import annotations

from slack_bolt import App

from bot.listeners.shortcuts.factcheck_message import handle_factcheck_message
from factdesk.ids import CallbackId


def register(app: App) -> None:
    app.shortcut(CallbackId.FACTCHECK_MESSAGE.value)(handle_factcheck_message)
