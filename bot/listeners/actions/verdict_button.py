"""Confirmed, Disputed, Unverified: open the verdict dialog."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import deps, payloads, permissions
from factdesk.errors import InvalidRequest
from factdesk.ids import ActionId
from factdesk.render import dialogs
from factdesk.services import channels, claims


def handle_verdict_button(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    claim_id = payloads.button_id(action)
    status = ActionId(action["action_id"]).status
    if status is None:
        raise InvalidRequest(detail=f"verdict {action.get('action_id')!r} has no status")
    with deps.session(context) as session:
        claim = claims.get(session=session, claim_id=claim_id)
        actor = permissions.task_actor(
            session=session, client=client, user_id=body["user"]["id"], claim=claim
        )
        # Refuse before the dialog opens: nobody should fill in a form they can't submit.
        claims.check_may_give_verdict(claim, actor)
        number, total = claims.position(session=session, claim=claim)
        required = channels.evidence_required_for(
            session=session,
            team_id=claim.article.slack_team_id,
            channel_id=claim.article.slack_channel_id,
        )
        view = dialogs.verdict_modal(
            claim,
            status,
            number=number,
            total=total,
            channel_id=claim.article.slack_channel_id,
            evidence_required=status in required,
        )
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=view)
