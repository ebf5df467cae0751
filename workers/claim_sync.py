"""After a change to a claim: redraw its task and the summary, announce it in the thread."""

from __future__ import annotations

from workers.context import WorkerContext


def sync_claim(claim_id: int, event_id: int | None, ctx: WorkerContext) -> None:
    """Bring Slack in line with the database for one claim. Safe to run twice."""
    raise NotImplementedError
