"""Reading our own posts back from Slack: only crash recovery does it.

`conversations.history` and `conversations.replies` are Tier 1 for apps distributed outside
the Slack Marketplace (new apps since 2025-05-29, existing installations since 2026-03-03):
one request a minute per workspace, and pages of 15 messages at most. So Factdesk keeps
them off its normal path (it stores the ts and file id of everything it posts) and reads
them only to find a post a crashed run made but did not record: within the window that
post can have been made in, 15 at a time, stopping as soon as it has what it looks for.
A 429 is waited out by the client within the task's time (factdesk/slack.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

# The most a page holds outside the Marketplace (and its default there).
PAGE = 15


def slack_ts(moment: datetime) -> str:
    """A moment as Slack's `oldest`/`latest` arguments take it."""
    return f"{moment.timestamp():.6f}"


def messages(call: Callable[..., Any], *, max_pages: int, **args: Any) -> Iterator[dict[str, Any]]:
    """The messages `call` (conversations_history or conversations_replies) answers with
    `args`, metadata included, a page of 15 at a time, for at most `max_pages` pages.

    Pages are asked for only as the caller reads on, so stopping early costs no request.
    """
    cursor: str | None = None
    for _ in range(max_pages):
        page = call(**args, include_all_metadata=True, limit=PAGE, cursor=cursor)
        yield from page.get("messages") or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or cursor is None:
            return
