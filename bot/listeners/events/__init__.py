from __future__ import annotations

from slack_bolt import App

from bot.listeners.events.app_home_opened import handle_app_home_opened
from bot.listeners.events.link_shared import handle_message


def register(app: App) -> None:
    app.event("message")(handle_message)
    app.event("app_home_opened")(handle_app_home_opened)
