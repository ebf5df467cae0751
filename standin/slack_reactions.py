"""The stand-in's reactions.* methods, which the bot adds and removes as its own user."""

from __future__ import annotations

import re
from typing import Any

from standin.slack_workspace import ApiError, SlackWorkspace

_EMOJI_NAME = re.compile(r"^[a-z0-9_+\-']+(::skin-tone-[2-6])?$")


class ReactionMethods(SlackWorkspace):
    """reactions.add and reactions.remove."""

    def _reaction_target(self, args: dict[str, Any]) -> tuple[dict[str, Any], str]:
        if not args.get("channel") or not args.get("timestamp"):
            raise ApiError("no_item_specified")
        channel = self._channel(args)
        message = self._message(channel, args["timestamp"])
        name = args.get("name")
        if not isinstance(name, str) or not _EMOJI_NAME.match(name):
            raise ApiError("invalid_name")
        return message, name

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(args)
        reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None:
            entry = {"name": name, "users": [], "count": 0}
            reactions.append(entry)
        if self.bot_user_id in entry["users"]:
            raise ApiError("already_reacted")
        entry["users"].append(self.bot_user_id)
        entry["count"] = len(entry["users"])
        return {}

    def _reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(args)
        reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None or self.bot_user_id not in entry["users"]:
            raise ApiError("no_reaction")
        entry["users"].remove(self.bot_user_id)
        entry["count"] = len(entry["users"])
        if not entry["users"]:
            reactions.remove(entry)
        return {}
