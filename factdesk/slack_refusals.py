"""What a failed Slack call means, for a log line and for the person who was waiting
(`render.refusals` words it for them).

Slack answers a refused call with an error code (`missing_scope` adds the scope it
`needed`); slack_sdk raises SlackApiError for those, SlackRequestError when a
files_upload_v2 upload step fails, and urllib's errors (OSError) when Slack cannot be
reached after the client's retries. Workers turn any of them into a `Refusal` and tell
the person in words, instead of letting the task raise and the person hear nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.error import HTTPError

from slack_sdk.errors import SlackApiError, SlackClientError

# Everything a Slack call can raise once the client's own retries are spent.
SLACK_FAILURES: tuple[type[Exception], ...] = (SlackClientError, OSError)

MISSING_SCOPE = "missing_scope"
RATE_LIMITED = "ratelimited"
UPLOAD_FAILED = "upload_failed"
UNREACHABLE = "slack_unreachable"
# The bot token is gone or wrong: only a reinstall gives the app a good one.
TOKEN_REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "no_permission",
    }
)
# conversations.open's answers about the person rather than the app.
PERSON_UNREACHABLE = frozenset(
    {"user_not_found", "user_disabled", "user_not_visible", "cannot_dm_bot"}
)
# The workspace's policy forbids what was asked (its admins can change that).
NOT_ALLOWED = frozenset({"not_allowed", "restricted_action", "ekm_access_denied"})


@dataclass(frozen=True)
class Refusal:
    """A failed Slack call: Slack's error code (or ours for a transport failure), and the
    scope Slack said was missing."""

    code: str
    needed: str | None = None

    @property
    def is_missing_scope(self) -> bool:
        return self.code == MISSING_SCOPE

    def for_log(self) -> str:
        """`missing_scope (needs im:write)`, or the bare code."""
        return f"{self.code} (needs {self.needed})" if self.needed else self.code


def refusal(exc: BaseException) -> Refusal:
    """What `exc`, raised by a Slack call, means."""
    if isinstance(exc, SlackApiError):
        code = str(exc.response.get("error") or "")
        if not code:
            code = RATE_LIMITED if exc.response.status_code == 429 else "http_error"
        needed = exc.response.get("needed") if code == MISSING_SCOPE else None
        return Refusal(code, str(needed) if needed else None)
    if isinstance(exc, HTTPError):
        # The upload URL of files_upload_v2 refused the bytes (urllib raises on non-2xx).
        return Refusal(RATE_LIMITED if exc.code == 429 else UPLOAD_FAILED)
    if isinstance(exc, SlackClientError):
        # files_upload_v2 raises SlackRequestError when its upload step fails.
        return Refusal(UPLOAD_FAILED)
    return Refusal(UNREACHABLE)
