"""What the person who was waiting is told when Slack refused a call made for them."""

from __future__ import annotations

from factdesk.slack_refusals import (
    NOT_ALLOWED,
    PERSON_UNREACHABLE,
    RATE_LIMITED,
    TOKEN_REFUSED,
    UNREACHABLE,
    UPLOAD_FAILED,
    Refusal,
)


def advice(refusal: Refusal, again: str) -> str:
    """What went wrong and what to do, for the person; `again` is what to run again."""
    if refusal.is_missing_scope:
        needed = refusal.needed or "a permission it needs"
        scopes = " and ".join(f"`{scope}`" for scope in needed.split(","))
        return (
            f"this app lacks the {scopes} permission. Ask a workspace admin to reinstall "
            f"Factdesk from its manifest, which grants it, then run {again} again."
        )
    if refusal.code == RATE_LIMITED:
        return (
            f"Slack is limiting how fast I can send right now. Run {again} again in a few minutes."
        )
    if refusal.code in TOKEN_REFUSED:
        return (
            f"Slack no longer accepts this app's token (`{refusal.code}`). "
            "Ask a workspace admin to reinstall Factdesk."
        )
    if refusal.code in PERSON_UNREACHABLE:
        return f"Slack wouldn't let me open a direct message with you (`{refusal.code}`)."
    if refusal.code in NOT_ALLOWED:
        return (
            f"this workspace's settings don't allow it (`{refusal.code}`). A workspace admin "
            "can check whether apps may send direct messages and files here."
        )
    if refusal.code == UPLOAD_FAILED:
        return f"the upload to Slack failed. Run {again} again in a few minutes."
    if refusal.code == UNREACHABLE:
        return f"I couldn't reach Slack. Run {again} again in a few minutes."
    return (
        f"Slack answered `{refusal.code}`. Run {again} again in a few minutes; if it keeps "
        "failing, the people who run Factdesk can find the details in the worker log."
    )
