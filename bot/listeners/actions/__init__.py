from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions.claim_button import handle_claim_button
from bot.listeners.actions.post_more import handle_post_more
from factdesk.ids import STATUS_ACTIONS, ActionId


def register(app: App) -> None:
    for action_id in (ActionId.CLAIM_TASK, *STATUS_ACTIONS):
        app.action(action_id.value)(handle_claim_button)
    app.action(ActionId.POST_MORE_CLAIMS.value)(handle_post_more)
