"""Listener registration, one folder per kind of Slack request."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, shortcuts, views


def register_listeners(app: App) -> None:
    actions.register(app)
    commands.register(app)
    events.register(app)
    shortcuts.register(app)
    views.register(app)
