"""Button clicks on claim tasks: change the claim, then redraw its message and the tally."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from factdesk import render
from factdesk.errors import FactdeskError
from factdesk.ids import ActionId
from factdesk.services import claims
from workers.context import WorkerContext
from workers.ingest import update_summary

log = logging.getLogger(__name__)


def apply_claim_action(
    claim_id: int, action: str, user_id: str, *, channel_id: str, ctx: WorkerContext
) -> None:
    """Apply one click. Problems go back to the clicker as an ephemeral message."""
    action_id = ActionId(action)
    try:
        with ctx.session() as session:
            if action_id is ActionId.CLAIM_TASK:
                claim = claims.claim_task(session=session, claim_id=claim_id, user_id=user_id)
            elif (status := action_id.status) is not None:
                claim = claims.set_status(
                    session=session, claim_id=claim_id, user_id=user_id, status=status
                )
            else:
                raise ValueError(f"{action_id} is not a claim action")
            number, total = claims.position(session=session, claim=claim)
            task_message = render.claim_task(claim, number=number, total=total)
            channel, claim_ts = claim.article.slack_channel_id, claim.slack_ts
    except FactdeskError as error:
        log.info("claim action refused claim_id=%s user=%s code=%s", claim_id, user_id, error.code)
        _tell(ctx, channel_id, user_id, error.user_message)
        return
    if claim_ts is not None:
        try:
            ctx.slack.chat_update(
                channel=channel, ts=claim_ts, text=task_message.text, blocks=task_message.blocks
            )
        except SlackApiError as exc:
            log.warning("chat.update failed ts=%s error=%s", claim_ts, exc.response.get("error"))
    with ctx.session() as session:
        claim = claims.get(session=session, claim_id=claim_id)
        update_summary(session, claim.article, ctx)


def _tell(ctx: WorkerContext, channel: str, user: str, text: str) -> None:
    try:
        ctx.slack.chat_postEphemeral(channel=channel, user=user, text=f":warning: {text}")
    except SlackApiError as exc:
        log.warning("ephemeral not delivered user=%s error=%s", user, exc.response.get("error"))
