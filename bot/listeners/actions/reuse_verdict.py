"""Reuse verdict: copy a matched verdict, note and evidence onto the task, as a verdict."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import deps, payloads, task_changes
from factdesk.services import channels, matches


def handle_reuse_verdict(
    ack: Ack,
    action: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    match_id = payloads.button_id(action)
    with deps.session(context) as session:
        match, _ = matches.get(session=session, match_id=match_id)
        claim_id = match.claim_id
    task_changes.apply(
        ack,
        body,
        client,
        context,
        claim_id=claim_id,
        change=lambda session, claim, actor: matches.reuse_verdict(
            session=session,
            match_id=match_id,
            actor=actor,
            evidence_required_for=channels.evidence_required_for(
                session=session,
                team_id=claim.article.slack_team_id,
                channel_id=claim.article.slack_channel_id,
            ),
        ),
    )
