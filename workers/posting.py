"""Posting to Slack exactly once, across crashes: a two-phase marker per message.

1. A `SlackPost` row with the message's key and no `ts` is committed (pending).
2. The message is posted carrying the key in its metadata
   (`{"event_type": "factdesk_post", "event_payload": {"key": ...}}`).
3. Its `ts` is recorded in the row, in the same transaction as whatever points at it
   (`Claim.slack_ts`, `Article.slack_summary_ts`, ...).

A task that dies between 2 and 3 leaves a pending row. The next run reads the thread
(`conversations.replies` with `include_all_metadata`) for a message carrying the key and
records it instead of posting a second copy. It reads from a little before the marker was
made, 15 at a time (workers/slack_reads.py): outside the Marketplace each page costs one
of the workspace's single request a minute.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factdesk.errors import SlackPostFailed
from factdesk.models import SlackPost
from factdesk.render.blocks import Message
from factdesk.slack import pace_channel, retry_after
from workers import slack_reads
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
# Replies read when looking for a post that was made but not recorded, in pages of 15.
SCAN_LIMIT = 1000
SCAN_PAGES = math.ceil(SCAN_LIMIT / slack_reads.PAGE)


@dataclass(frozen=True)
class Outgoing:
    """A message to post once under `key`; `on_posted(session, ts)` runs in the
    transaction that records its ts."""

    key: str
    message: Message
    on_posted: Callable[[Session, str], None] | None = None


def post_once(
    ctx: WorkerContext,
    key: str,
    channel: str,
    thread_ts: str | None,
    message: Message,
    *,
    on_posted: Callable[[Session, str], None] | None = None,
) -> str:
    """Post `message` under `key` unless it already is; return its ts.

    `on_posted(session, ts)` runs in the transaction that records the ts.
    """
    return post_all_once(ctx, channel, thread_ts, [Outgoing(key, message, on_posted)])[0]


def post_all_once(
    ctx: WorkerContext, channel: str, thread_ts: str | None, outgoing: Sequence[Outgoing]
) -> list[str]:
    """Post each message of `outgoing` in order, each unless it already is; their ts.

    The pending markers of the whole batch are committed together, and the thread is read
    back once for all the markers an earlier run left: a thread's dozen claims cost one
    transaction before posting, not one each. Each ts is still recorded as soon as its
    message is posted.
    """
    if not outgoing:
        return []
    keys = [item.key for item in outgoing]
    with ctx.session() as session:
        rows = session.scalars(select(SlackPost).where(SlackPost.key.in_(keys))).all()
        recorded: dict[str, str] = {row.key: row.ts for row in rows if row.ts}
        left_pending = {row.key for row in rows if not row.ts}
        created = min((row.created_at for row in rows if not row.ts), default=None)
    fresh = [key for key in keys if key not in recorded and key not in left_pending]
    if not _mark_pending(ctx, fresh, channel, thread_ts):
        if len(outgoing) > 1:  # another run marked one of them first: settle each alone
            return [post_all_once(ctx, channel, thread_ts, [item])[0] for item in outgoing]
        left_pending.update(fresh)  # its post may be out already: look before posting
        created = None
    found = (
        find_posted_keys(ctx, left_pending, channel, thread_ts, since=created)
        if left_pending
        else {}
    )
    for key, found_ts in found.items():
        log.info("post found after a crash key=%s ts=%s", key, found_ts)
    posted = []
    for item in outgoing:
        ts = recorded.get(item.key) or found.get(item.key)
        ts = ts or post(ctx, channel, thread_ts, item.message, key=item.key)
        if item.key not in recorded or item.on_posted is not None:
            _record(ctx, item, channel, thread_ts, ts)
        posted.append(ts)
    return posted


def _record(
    ctx: WorkerContext, item: Outgoing, channel: str, thread_ts: str | None, ts: str
) -> None:
    with ctx.session() as session:
        row = session.scalar(select(SlackPost).where(SlackPost.key == item.key))
        if row is None:  # the pending row was cleared under us; keep the record anyway
            row = SlackPost(key=item.key, channel_id=channel, thread_ts=thread_ts)
            session.add(row)
        row.ts = ts
        if item.on_posted is not None:
            item.on_posted(session, ts)


def _mark_pending(ctx: WorkerContext, keys: list[str], channel: str, thread_ts: str | None) -> bool:
    """Commit the pending rows; False when another run got to one of them first."""
    if not keys:
        return True
    try:
        with ctx.session() as session:
            session.add_all(
                SlackPost(key=key, channel_id=channel, thread_ts=thread_ts, ts=None) for key in keys
            )
    except IntegrityError:
        return False
    return True


def find_posted_keys(
    ctx: WorkerContext,
    keys: Collection[str],
    channel: str,
    thread_ts: str | None,
    *,
    since: datetime | None = None,
) -> dict[str, str]:
    """The ts of each message in the thread (or channel) whose metadata carries one of
    `keys`, read in one pass that stops once all are found.

    The thread (or the channel's history) is read from a little before `since` (when the
    markers were made; looked up when not given): nothing carrying those keys can be older.
    """
    wanted = set(keys)
    found: dict[str, str] = {}
    oldest = _oldest(since if since is not None else _pending_since(ctx, wanted))
    if thread_ts is not None:
        call, args = ctx.slack.conversations_replies, {"ts": thread_ts}
    else:
        call, args = ctx.slack.conversations_history, {}
    try:
        read = slack_reads.messages(
            call, max_pages=SCAN_PAGES, channel=channel, oldest=oldest, **args
        )
        for message in read:
            metadata = message.get("metadata") or {}
            key = (metadata.get("event_payload") or {}).get("key")
            if metadata.get("event_type") == EVENT_TYPE and key in wanted:
                found[key] = str(message["ts"])
                if len(found) == len(wanted):
                    break
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        raise SlackPostFailed(
            detail=f"reading back {sorted(wanted)}: {error}",
            transient=_transient(exc),
            retry_after=retry_after(exc),
        ) from exc
    except (URLError, OSError) as exc:
        raise SlackPostFailed(
            detail=f"reading back {sorted(wanted)}: {exc!r}", transient=True
        ) from exc
    return found


def _pending_since(ctx: WorkerContext, keys: Collection[str]) -> datetime | None:
    with ctx.session() as session:
        return session.scalar(
            select(func.min(SlackPost.created_at)).where(SlackPost.key.in_(list(keys)))
        )


def _oldest(created: datetime | None) -> str | None:
    # Five minutes of slack for the worker's clock against Slack's.
    if created is None:
        return None
    return slack_reads.slack_ts(created - timedelta(minutes=5))


def post(
    ctx: WorkerContext,
    channel: str,
    thread_ts: str | None,
    message: Message,
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
            detail=f"{exc.response.get('error')} channel={channel}",
            transient=_transient(exc),
            slack_error=str(exc.response.get("error")),
            retry_after=retry_after(exc),
        ) from exc
    except (URLError, OSError) as exc:  # the connection retries ran out
        raise SlackPostFailed(detail=f"{exc!r} channel={channel}", transient=True) from exc
    return str(response["ts"])


def _transient(exc: SlackApiError) -> bool:
    status = getattr(exc.response, "status_code", 200)
    return status == 429 or status >= 500 or exc.response.get("error") in TRANSIENT_ERRORS
