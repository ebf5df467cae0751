"""Reopen: take a verdict or a dismissal back."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import payloads, task_changes
from factdesk.services import claims


def handle_reopen_task(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    task_changes.apply(
        ack,
        body,
        client,
        context,
        claim_id=payloads.button_id(action),
        change=lambda session, claim, actor: claims.reopen(
            session=session, claim_id=claim.id, actor=actor
        ),
    )
