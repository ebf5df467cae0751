from __future__ import annotations

from slack_bolt import App

from bot.listeners.views.add_claim_submitted import handle_add_claim_submitted
from bot.listeners.views.settings_submitted import handle_settings_submitted
from bot.listeners.views.verdict_submitted import handle_verdict_submitted
from factdesk.ids import CallbackId


def register(app: App) -> None:
    app.view(CallbackId.VERDICT_MODAL.value)(handle_verdict_submitted)
    app.view(CallbackId.ADD_CLAIM_MODAL.value)(handle_add_claim_submitted)
    app.view(CallbackId.SETTINGS_MODAL.value)(handle_settings_submitted)
