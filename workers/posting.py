"""Posting to Slack exactly once, across crashes: a two-phase marker per message.

1. A `SlackPost` row with the message's key and no `ts` is committed (pending).
2. The message is posted carrying the key in its metadata
   (`{"event_type": "factdesk_post", "event_payload": {"key": ...}}`).
3. Its `ts` is recorded in the row, in the same transaction as whatever points at it
   (`Claim.slack_ts`, `Article.slack_summary_ts`, ...).

A task that dies between 2 and 3 leaves a pending row. The next run reads the thread
(`conversations.replies` with `include_all_metadata`) for a message carrying the key and
records it instead of posting a second copy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factdesk import render
from factdesk.errors import FactdeskError
from factdesk.models import SlackPost
from factdesk.slack import pace_channel
from workers.context import WorkerContext

log = logging.getLogger(__name__)

EVENT_TYPE = "factdesk_post"
# Slack's answers that say "later", not "never".
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
# Replies read when looking for a post that was made but not recorded.
SCAN_LIMIT = 1000


class SlackPostFailed(FactdeskError):
    code = "slack_post_failed"
    user_message = "I couldn't post the claims in Slack."

    def __init__(self, *, detail: str, transient: bool) -> None:
        super().__init__(detail=detail)
        self.transient = transient


def post_once(
    ctx: WorkerContext,
    key: str,
    channel: str,
    thread_ts: str | None,
    message: render.Message,
    *,
    on_posted: Callable[[Session, str], None] | None = None,
) -> str:
    """Post `message` under `key` unless it already is; return its ts.

    `on_posted(session, ts)` runs in the transaction that records the ts.
    """
    with ctx.session() as session:
        row = session.scalar(select(SlackPost).where(SlackPost.key == key))
        if row is not None and row.ts:
            if on_posted is not None:
                on_posted(session, row.ts)
            return row.ts
        pending = row is not None
    if not pending:
        pending = not _mark_pending(ctx, key, channel, thread_ts)
    ts = find_posted(ctx, key, channel, thread_ts) if pending else None
    if ts is not None:
        log.info("post found after a crash key=%s ts=%s", key, ts)
    else:
        ts = post(ctx, channel, thread_ts, message, key=key)
    with ctx.session() as session:
        row = session.scalar(select(SlackPost).where(SlackPost.key == key))
        if row is None:  # the pending row was cleared under us; keep the record anyway
            row = SlackPost(key=key, channel_id=channel, thread_ts=thread_ts)
            session.add(row)
        row.ts = ts
        if on_posted is not None:
            on_posted(session, ts)
    return ts


def _mark_pending(ctx: WorkerContext, key: str, channel: str, thread_ts: str | None) -> bool:
    """Commit the pending row; False when another run got there first."""
    try:
        with ctx.session() as session:
            session.add(SlackPost(key=key, channel_id=channel, thread_ts=thread_ts, ts=None))
    except IntegrityError:
        return False
    return True


def find_posted(ctx: WorkerContext, key: str, channel: str, thread_ts: str | None) -> str | None:
    """The ts of a message in the thread (or channel) whose metadata carries `key`."""
    try:
        if thread_ts is not None:
            pages = _pages(ctx.slack.conversations_replies, channel=channel, ts=thread_ts)
        else:
            oldest = _pending_since(ctx, key)
            pages = _pages(ctx.slack.conversations_history, channel=channel, oldest=oldest)
        seen = 0
        for messages in pages:
            for message in messages:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key:
                    return str(message["ts"])
            seen += len(messages)
            if seen >= SCAN_LIMIT:
                break
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        raise SlackPostFailed(
            detail=f"reading back {key}: {error}", transient=_transient(exc)
        ) from exc
    except (URLError, OSError) as exc:
        raise SlackPostFailed(detail=f"reading back {key}: {exc!r}", transient=True) from exc
    return None


def _pending_since(ctx: WorkerContext, key: str) -> str | None:
    with ctx.session() as session:
        created = session.scalar(select(SlackPost.created_at).where(SlackPost.key == key))
    if created is None:
        return None
    return f"{(created - timedelta(minutes=5)).timestamp():.6f}"


def _pages(call: Callable[..., Any], **args: Any) -> Any:
    cursor = None
    while True:
        response = call(**args, include_all_metadata=True, limit=200, cursor=cursor)
        yield list(response.get("messages") or [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            return


def post(
    ctx: WorkerContext,
    channel: str,
    thread_ts: str | None,
    message: render.Message,
    *,
    key: str | None = None,
) -> str:
    """chat.postMessage, paced per channel; failures become `SlackPostFailed`."""
    pace_channel(ctx.settings, channel)
    metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": key}} if key else None
    try:
        response = ctx.slack.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=message.text,
            blocks=message.blocks or None,
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        raise SlackPostFailed(
            detail=f"{exc.response.get('error')} channel={channel}", transient=_transient(exc)
        ) from exc
    except (URLError, OSError) as exc:  # the connection retries ran out
        raise SlackPostFailed(detail=f"{exc!r} channel={channel}", transient=True) from exc
    return str(response["ts"])


def _transient(exc: SlackApiError) -> bool:
    status = getattr(exc.response, "status_code", 200)
    return status == 429 or status >= 500 or exc.response.get("error") in TRANSIENT_ERRORS
