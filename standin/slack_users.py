"""The stand-in's users.* methods: a person's profile and the channels they are in."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from standin.slack_workspace import ApiError, SlackWorkspace


class UserMethods(SlackWorkspace):
    """users.info and users.conversations, with the channel members tests set."""

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            raise ApiError("user_not_found")
        profile: dict[str, Any] = {
            "display_name": user.name,
            "display_name_normalized": user.name,
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "team": self.team_id,
        }
        if user.is_bot:
            profile["bot_id"] = self.bot_id
        return {
            "user": {
                "id": user.id,
                "team_id": self.team_id,
                "name": user.name,
                "deleted": False,
                "real_name": user.real_name,
                "tz": user.tz,
                "is_admin": user.is_admin,
                "is_owner": False,
                "is_bot": user.is_bot,
                "is_app_user": False,
                "updated": int(time.time()),
                "profile": profile,
            }
        }

    # -- channel membership (users.conversations) ----------------------------------

    def set_members(self, channel_id: str, user_ids: Iterable[str]) -> None:
        """Make exactly ``user_ids`` the people in ``channel_id``, for users.conversations.

        Until a channel's members are set, every user counts as one of them.
        """
        with self._lock:
            if channel_id not in self._channels:
                raise ValueError(f"unknown channel {channel_id!r}; add_channel() it first")
            self._members[channel_id] = set(user_ids)

    def _is_member(self, channel_id: str, user_id: str) -> bool:
        members = self._members.get(channel_id)
        return members is None or user_id in members

    def _users_conversations(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user") or self.bot_user_id)
        if user_id not in self._users:
            raise ApiError("user_not_found")
        types = {t.strip() for t in str(args.get("types") or "public_channel").split(",")}
        if not types <= {"public_channel", "private_channel", "mpim", "im"}:
            raise ApiError("invalid_types")
        try:
            limit = int(args.get("limit") or 100)
            offset = int(str(args.get("cursor") or "0").removeprefix("offset:") or 0)
        except ValueError:
            raise ApiError("invalid_cursor") from None
        if not 1 <= limit <= 1000:
            raise ApiError("invalid_limit")
        # The bot's own membership is is_member; a private channel only when asked for.
        found = [
            c
            for c in self._channels.values()
            if ("private_channel" if c.is_private else "public_channel") in types
            and (c.is_member if user_id == self.bot_user_id else self._is_member(c.id, user_id))
        ]
        page = found[offset : offset + limit]
        more = offset + limit < len(found)
        return {
            "channels": [self._channel_json(c) for c in page],
            "response_metadata": {"next_cursor": f"offset:{offset + limit}" if more else ""},
        }
