"""What a failed Slack call means: the code for the log."""

from __future__ import annotations

from email.message import Message
from urllib.error import HTTPError, URLError

import pytest
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse

from factdesk.slack_refusals import Refusal, refusal


def _api_error(data: dict[str, object], status: int = 200) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/conversations.open",
        req_args={},
        data=data,
        headers={},
        status_code=status,
    )
    return SlackApiError("refused", response)  # type: ignore[no-untyped-call]  # slack_sdk leaves it untyped


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            _api_error({"ok": False, "error": "missing_scope", "needed": "im:write"}),
            Refusal("missing_scope", "im:write"),
        ),
        (_api_error({"ok": False, "error": "not_allowed"}), Refusal("not_allowed")),
        (_api_error({"ok": False, "error": "ratelimited"}, 429), Refusal("ratelimited")),
        (_api_error({}, 429), Refusal("ratelimited")),
        (_api_error({}, 502), Refusal("http_error")),
        (HTTPError("https://files.slack.com/upload/v1/x", 500, "no", Message(), None),
         Refusal("upload_failed")),
        (HTTPError("https://files.slack.com/upload/v1/x", 429, "slow", Message(), None),
         Refusal("ratelimited")),
        (SlackRequestError("Failed to upload a file"), Refusal("upload_failed")),
        (URLError("connection refused"), Refusal("slack_unreachable")),
        (TimeoutError(), Refusal("slack_unreachable")),
    ],
)  # fmt: skip
def test_a_failure_becomes_a_refusal(exc: Exception, expected: Refusal) -> None:
    assert refusal(exc) == expected


def test_a_missing_scope_names_the_scope_in_the_log() -> None:
    assert Refusal("missing_scope", "files:write").for_log() == "missing_scope (needs files:write)"
