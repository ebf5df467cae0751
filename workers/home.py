"""The App Home tab: each person's tasks, the channel's unclaimed ones, recent verdicts."""

from __future__ import annotations

from workers.context import WorkerContext


def publish_home(team_id: str, user_id: str, ctx: WorkerContext) -> None:
    """Publish the person's Home tab as the database has it now."""
    raise NotImplementedError
