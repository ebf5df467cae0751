"""What every task button shares: find the claim, learn who is acting, change it, ack, sync.

The change runs before the ack, so a refusal (someone else's task, a stale button) is
raised to the error handler and answered where the person clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot import deps, payloads, permissions
from factdesk.models import Claim
from factdesk.services import claims

Change = Callable[[Session, Claim, claims.Actor], claims.Change]
Listener = Callable[[Ack, dict[str, Any], dict[str, Any], WebClient, BoltContext], None]


class ClaimService(Protocol):
    """A service that changes one claim as the actor and needs nothing else (`claims.release`)."""

    def __call__(self, *, session: Session, claim_id: int, actor: claims.Actor) -> claims.Change:
        """Make the change."""


def apply(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    *,
    claim_id: int,
    change: Change,
) -> None:
    """Make the change as the clicking person, then ack and have a worker redraw the task."""
    with deps.session(context) as session:
        claim = claims.get(session=session, claim_id=claim_id)
        actor = permissions.task_actor(
            session=session, client=client, user_id=body["user"]["id"], claim=claim
        )
        result = change(session, claim, actor)
        event_id = result.event.id if result.event else None
    ack()
    if event_id is not None:
        deps.queue(context).sync_claim(claim_id, event_id)


def button_listener(service: ClaimService) -> Listener:
    """The listener of a task button whose value is the claim id and whose change is
    `service` (Release, Reopen, Not a claim)."""

    # Bolt passes a listener's arguments by their names, so these names are Bolt's.
    def handle(
        ack: Ack,
        action: dict[str, Any],
        body: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        apply(
            ack,
            body,
            client,
            context,
            claim_id=payloads.button_id(action),
            change=lambda session, claim, actor: service(
                session=session, claim_id=claim.id, actor=actor
            ),
        )

    return handle
