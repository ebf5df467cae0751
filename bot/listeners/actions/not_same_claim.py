"""Not the same claim: hide a task's match and keep the pair as feedback for the matcher."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot import deps, payloads
from factdesk.services import matches


def handle_not_same_claim(
    ack: Ack, action: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    match_id = payloads.button_id(action)
    with deps.session(context) as session:
        claim_id = matches.not_the_same(
            session=session, match_id=match_id, user_id=body["user"]["id"]
        )
    ack()
    deps.queue(context).sync_claim(claim_id, None)
