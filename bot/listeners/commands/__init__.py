from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands.factcheck import handle_factcheck


def register(app: App) -> None:
    app.command("/factcheck")(handle_factcheck)
