"""Claim: take an open task."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps, payloads
from factdesk.services import claims


def handle_claim_task(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    claim_id = payloads.button_id(action)
    with deps.session(context) as session:
        # Refusals (someone else has it) raise here, before the ack, so the error handler
        # answers the clicker in the ack's place.
        change = claims.claim_task(session=session, claim_id=claim_id, user_id=body["user"]["id"])
        event_id = change.event.id if change.event else None
    ack()
    if event_id is not None:
        deps.queue(context).sync_claim(claim_id, event_id)
