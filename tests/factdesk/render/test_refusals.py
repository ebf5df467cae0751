"""What the person is told when Slack refused a call made for them."""

from __future__ import annotations

import pytest

from factdesk.render import refusals
from factdesk.slack_refusals import Refusal

AGAIN = "`/factcheck export week csv`"


def test_a_missing_scope_names_the_scope_to_the_person() -> None:
    missing = Refusal("missing_scope", "files:write")

    assert refusals.advice(missing, AGAIN) == (
        "this app lacks the `files:write` permission. Ask a workspace admin to reinstall "
        f"Factdesk from its manifest, which grants it, then run {AGAIN} again."
    )


def test_several_needed_scopes_are_all_named() -> None:
    advice = refusals.advice(Refusal("missing_scope", "channels:read,groups:read"), AGAIN)

    assert "lacks the `channels:read` and `groups:read` permission" in advice


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("token_revoked", "no longer accepts this app's token (`token_revoked`)"),
        ("user_disabled", "open a direct message with you (`user_disabled`)"),
        ("restricted_action", "settings don't allow it (`restricted_action`)"),
        ("ratelimited", f"Run {AGAIN} again in a few minutes"),
        ("slack_unreachable", "I couldn't reach Slack"),
        ("fatal_error", "Slack answered `fatal_error`"),
    ],
)
def test_each_refusal_says_what_to_do(code: str, words: str) -> None:
    assert words in refusals.advice(Refusal(code), AGAIN)
