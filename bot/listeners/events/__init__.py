from __future__ import annotations

from slack_bolt import App

from bot.listeners.events.app_home_opened import handle_app_home_opened
from bot.listeners.events.app_mention import handle_app_mention
from bot.listeners.events.app_uninstalled import handle_app_uninstalled
from bot.listeners.events.message import handle_message
from bot.listeners.events.tokens_revoked import handle_tokens_revoked


def register(app: App) -> None:
    app.event("message")(handle_message)
    app.event("app_home_opened")(handle_app_home_opened)
    app.event("app_mention")(handle_app_mention)
    if app.installation_store is not None:
        # Installs are ours to forget only when the app is installed through OAuth.
        app.event("app_uninstalled")(handle_app_uninstalled)
        app.event("tokens_revoked")(handle_tokens_revoked)
