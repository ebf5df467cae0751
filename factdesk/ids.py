"""Every action_id and callback_id Factdesk puts in Slack."""

from __future__ import annotations

import enum

from factdesk.models import ClaimStatus


class ActionId(enum.StrEnum):
    CLAIM_TASK = "claim_task"
    MARK_CONFIRMED = "mark_confirmed"
    MARK_DISPUTED = "mark_disputed"
    MARK_UNVERIFIED = "mark_unverified"
    POST_MORE_CLAIMS = "post_more_claims"

    @property
    def status(self) -> ClaimStatus | None:
        """The verdict a status button sets, or None for other actions."""
        return _STATUS_BY_ACTION.get(self)


_STATUS_BY_ACTION = {
    ActionId.MARK_CONFIRMED: ClaimStatus.CONFIRMED,
    ActionId.MARK_DISPUTED: ClaimStatus.DISPUTED,
    ActionId.MARK_UNVERIFIED: ClaimStatus.UNVERIFIED,
}

STATUS_ACTIONS = tuple(_STATUS_BY_ACTION)
