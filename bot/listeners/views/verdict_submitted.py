"""The verdict dialog, submitted."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import deps, permissions
from factdesk.errors import FactdeskError, InvalidRequest, VerdictIncomplete
from factdesk.ids import ActionId
from factdesk.models import ClaimStatus
from factdesk.services import channels, claims
from factdesk.services.claims import EVIDENCE, EXPLANATION, NOTE

log = logging.getLogger(__name__)


def handle_verdict_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    claim_id, status = _metadata(view)
    values = view.get("state", {}).get("values", {})
    note = _value(values, NOTE, ActionId.VERDICT_NOTE)
    # Links are whitespace-free, so any whitespace separates them, not only line breaks.
    evidence = (_value(values, EVIDENCE, ActionId.VERDICT_EVIDENCE) or "").split()
    explanation = _value(values, EXPLANATION, ActionId.VERDICT_EXPLANATION)
    user_id = body["user"]["id"]
    try:
        with deps.session(context) as session:
            claim = claims.get(session=session, claim_id=claim_id)
            actor = permissions.task_actor(
                session=session, client=client, user_id=user_id, claim=claim
            )
            change = claims.set_verdict(
                session=session,
                claim_id=claim_id,
                actor=actor,
                status=status,
                note=note,
                evidence_urls=evidence,
                explanation=explanation,
                evidence_required_for=channels.evidence_required_for(
                    session=session,
                    team_id=claim.article.slack_team_id,
                    channel_id=claim.article.slack_channel_id,
                ),
            )
            event_id = change.event.id if change.event else None
    except VerdictIncomplete as incomplete:
        log.info("verdict refused claim_id=%s fields=%s", claim_id, incomplete.detail)
        ack(response_action="errors", errors=incomplete.problems)
        return
    except FactdeskError as refused:
        # The task changed while the dialog was open (reassigned, dismissed, deleted): the
        # dialog stays open with the reason, rather than closing on a silent failure.
        log.info("verdict refused claim_id=%s code=%s", claim_id, refused.code)
        ack(response_action="errors", errors={NOTE: refused.user_message})
        return
    ack()
    if event_id is not None:
        deps.queue(context).sync_claim(claim_id, event_id)


def _metadata(view: dict[str, Any]) -> tuple[int, ClaimStatus]:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
        claim_id, status = int(metadata["claim_id"]), ClaimStatus(metadata["status"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidRequest(detail=f"verdict metadata {view.get('private_metadata')!r}") from exc
    if not status.is_verdict:
        raise InvalidRequest(detail=f"verdict status {status}")
    return claim_id, status


def _value(values: dict[str, Any], block_id: str, action_id: ActionId) -> str | None:
    value = values.get(block_id, {}).get(action_id.value, {}).get("value")
    return str(value) if value is not None else None
