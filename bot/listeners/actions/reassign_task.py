"""Reassign: hand a task to the person picked in the user menu."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import task_changes
from factdesk.errors import InvalidRequest
from factdesk.services import claims

BLOCK_PREFIX = "claim-"


def handle_reassign_task(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    # A user menu carries no value: the task's block says which claim it belongs to.
    block_id = str(action.get("block_id", ""))
    claim_ref = block_id.removeprefix(BLOCK_PREFIX)
    to_user = action.get("selected_user")
    if not block_id.startswith(BLOCK_PREFIX) or not claim_ref.isdigit():
        raise InvalidRequest(detail=f"reassign block {block_id!r}")
    if not to_user:
        ack()  # the menu was cleared: nobody to hand the task to
        return
    task_changes.apply(
        ack,
        body,
        client,
        context,
        claim_id=int(claim_ref),
        change=lambda session, claim, actor: claims.reassign(
            session=session, claim_id=claim.id, actor=actor, to_user=str(to_user)
        ),
    )
