"""The stand-in's conversations.* methods: a channel's info, history and threads, and DMs."""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

from standin.rate_tiers import OUTSIDE_MARKETPLACE_PAGE_LIMIT
from standin.slack_workspace import (
    ApiError,
    Channel,
    SlackWorkspace,
    invalid_arguments,
    ts_to_micros,
)


class ConversationMethods(SlackWorkspace):
    """conversations.info, .history, .replies and .open."""

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        return {"channel": self._channel_json(channel)}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        # Newest first, top-level messages and thread parents only, as Slack returns them.
        found = [
            m
            for m in reversed(self._messages.get(channel.id, []))
            if m.get("thread_ts") in (None, m["ts"]) and self._in_window(m, args)
        ]
        return self._history_page(found, args)

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        self._required(args, "ts")
        parent = self._message(channel, str(args["ts"]))
        root = self._thread_root(parent)
        # Oldest first, the parent included, as Slack returns a thread.
        found = [
            m
            for m in self._messages.get(channel.id, [])
            if (m["ts"] == root or m.get("thread_ts") == root) and self._in_window(m, args)
        ]
        return self._history_page(found, args)

    @staticmethod
    def _in_window(message: dict[str, Any], args: dict[str, Any]) -> bool:
        micros = ts_to_micros(message["ts"])
        try:
            oldest, latest = (
                None if args.get(key) is None else ts_to_micros(f"{float(args[key]):.6f}")
                for key in ("oldest", "latest")
            )
        except ValueError:
            raise ApiError("invalid_ts_oldest") from None
        return (oldest is None or micros >= oldest) and (latest is None or micros <= latest)

    def _history_page(self, found: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        capped = self._limits.outside_marketplace
        try:
            limit = int(args.get("limit") or (OUTSIDE_MARKETPLACE_PAGE_LIMIT if capped else 100))
            offset = int(str(args.get("cursor") or "0").removeprefix("offset:") or 0)
        except ValueError:
            raise ApiError("invalid_cursor") from None
        if not 1 <= limit <= 1000:
            raise ApiError("invalid_limit")
        if capped:
            # Outside the Marketplace both the default and the most a page holds are 15.
            limit = min(limit, OUTSIDE_MARKETPLACE_PAGE_LIMIT)
        include_metadata = str(args.get("include_all_metadata", "")).lower() in {"1", "true"}
        page = []
        for message in found[offset : offset + limit]:
            copied = copy.deepcopy(message)
            if not include_metadata:
                copied.pop("metadata", None)
            copied.pop("channel", None)
            page.append(copied)
        more = offset + limit < len(found)
        return {
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": f"offset:{offset + limit}" if more else ""},
        }

    # -- direct messages and (conversations.open) ---------------

    def dm_channel(self, user_id: str) -> str | None:
        """The DM channel the bot opened with ``user_id``, if it opened one."""
        with self._lock:
            return self._dms.get(user_id)

    def files(self) -> list[dict[str, Any]]:
        """Every completed upload, oldest first; ``content`` holds the uploaded bytes."""
        with self._lock:
            return [copy.deepcopy(f) for f in self._files.values() if f["state"] == "complete"]

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if args.get("channel"):
            channel = self._channel(args)
            return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
        if not users:
            raise ApiError("users_list_not_supplied")
        if len(users) > 1:
            # Slack opens a group DM here; nothing in Factdesk needs one.
            raise invalid_arguments("the stand-in opens one-person DMs only")
        user_id = users[0]
        if user_id not in self._users:
            raise ApiError("user_not_found")
        existing = self._dms.get(user_id)
        if existing is None:
            existing = f"D0{uuid.uuid4().hex[:9].upper()}"
            self._channels[existing] = Channel(
                id=existing, name=existing, is_member=True, created=int(time.time())
            )
            self._messages.setdefault(existing, [])
            self._members[existing] = {user_id, self.bot_user_id}
            self._dms[user_id] = existing
            return {"channel": {"id": existing}}
        return {"channel": {"id": existing}, "no_op": True, "already_open": True}
