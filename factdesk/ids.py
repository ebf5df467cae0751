"""Every action_id and callback_id Factdesk puts in Slack."""

from __future__ import annotations

import enum

from factdesk.models import ClaimStatus


class ActionId(enum.StrEnum):
    CLAIM_TASK = "claim_task"
    RELEASE_TASK = "release_task"
    REASSIGN_TASK = "reassign_task"
    MARK_CONFIRMED = "mark_confirmed"
    MARK_DISPUTED = "mark_disputed"
    MARK_UNVERIFIED = "mark_unverified"
    REOPEN_TASK = "reopen_task"
    NOT_A_CLAIM = "not_a_claim"
    POST_MORE_CLAIMS = "post_more_claims"
    ADD_CLAIM = "add_claim"
    # Link buttons (App Home "Open thread") still send an action that must be acked.
    OPEN_THREAD = "open_thread"
    # The verdict modal's inputs.
    VERDICT_NOTE = "verdict_note"
    VERDICT_EVIDENCE = "verdict_evidence"
    VERDICT_EXPLANATION = "verdict_explanation"
    # The channel settings modal's inputs.
    SETTINGS_CLAIM_CAP = "settings_claim_cap"
    SETTINGS_EVIDENCE_FOR = "settings_evidence_for"
    SETTINGS_EDITORS = "settings_editors"
    SETTINGS_AUTO_LINKS = "settings_auto_links"
    SETTINGS_DIGEST_ENABLED = "settings_digest_enabled"
    SETTINGS_DIGEST_WEEKDAY = "settings_digest_weekday"
    SETTINGS_DIGEST_HOUR = "settings_digest_hour"
    SETTINGS_DIGEST_TIMEZONE = "settings_digest_timezone"
    # The add-a-claim modal's input.
    ADD_CLAIM_TEXT = "add_claim_text"
    # The summary's retry after posting to the thread failed for good.
    POST_REMAINING_CLAIMS = "post_remaining_claims"
    # The claim matcher's line on a task.
    REUSE_VERDICT = "reuse_verdict"
    NOT_SAME_CLAIM = "not_same_claim"

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


class CallbackId(enum.StrEnum):
    """Modals, shortcuts and their input blocks."""

    VERDICT_MODAL = "verdict_modal"
    ADD_CLAIM_MODAL = "add_claim_modal"
    SETTINGS_MODAL = "settings_modal"
    FACTCHECK_MESSAGE = "factcheck_message"
