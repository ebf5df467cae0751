"""Release: give a task back to the pool."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import deps, permissions
from factdesk.errors import InvalidRequest
from factdesk.services import claims


def handle_release_task(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    value = str(action.get("value", ""))
    if not value.isdigit():
        raise InvalidRequest(detail=f"release value {value!r}")
    claim_id = int(value)
    with deps.session(context) as session:
        claim = claims.get(session=session, claim_id=claim_id)
        actor = permissions.task_actor(
            session=session, client=client, user_id=body["user"]["id"], claim=claim
        )
        change = claims.release(session=session, claim_id=claim_id, actor=actor)
        event_id = change.event.id if change.event else None
    ack()
    if event_id is not None:
        deps.queue(context).sync_claim(claim_id, event_id)
