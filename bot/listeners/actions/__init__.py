from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions.add_claim import handle_add_claim
from bot.listeners.actions.claim_task import handle_claim_task
from bot.listeners.actions.not_a_claim import handle_not_a_claim
from bot.listeners.actions.not_same_claim import handle_not_same_claim
from bot.listeners.actions.open_thread import handle_open_thread
from bot.listeners.actions.post_more import handle_post_more
from bot.listeners.actions.post_remaining import handle_post_remaining
from bot.listeners.actions.reassign_task import handle_reassign_task
from bot.listeners.actions.release_task import handle_release_task
from bot.listeners.actions.reopen_task import handle_reopen_task
from bot.listeners.actions.reuse_verdict import handle_reuse_verdict
from bot.listeners.actions.verdict_button import handle_verdict_button
from factdesk.ids import STATUS_ACTIONS, ActionId


def register(app: App) -> None:
    app.action(ActionId.CLAIM_TASK.value)(handle_claim_task)
    app.action(ActionId.RELEASE_TASK.value)(handle_release_task)
    app.action(ActionId.REASSIGN_TASK.value)(handle_reassign_task)
    for action_id in STATUS_ACTIONS:
        app.action(action_id.value)(handle_verdict_button)
    app.action(ActionId.REOPEN_TASK.value)(handle_reopen_task)
    app.action(ActionId.NOT_A_CLAIM.value)(handle_not_a_claim)
    app.action(ActionId.REUSE_VERDICT.value)(handle_reuse_verdict)
    app.action(ActionId.NOT_SAME_CLAIM.value)(handle_not_same_claim)
    app.action(ActionId.POST_MORE_CLAIMS.value)(handle_post_more)
    app.action(ActionId.POST_REMAINING_CLAIMS.value)(handle_post_remaining)
    app.action(ActionId.ADD_CLAIM.value)(handle_add_claim)
    app.action(ActionId.OPEN_THREAD.value)(handle_open_thread)
