"""The stand-in's chat.* methods: post, update, post ephemeral, get a permalink."""

from __future__ import annotations

import copy
from typing import Any

from standin.slack_workspace import ApiError, SlackWorkspace


class ChatMethods(SlackWorkspace):
    """chat.postMessage, chat.update, chat.postEphemeral, chat.getPermalink."""

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if not channel.is_member:
            raise ApiError("not_in_channel")
        self._content(args)
        thread_ts = args.get("thread_ts")
        root: str | None = None
        if thread_ts:
            parent = self._index.get((channel.id, str(thread_ts)))
            if parent is None:
                raise ApiError("thread_not_found")
            root = self._thread_root(parent)
        message = self._bot_message(channel, args)
        if root is not None:
            message["thread_ts"] = root
        self._store(channel.id, message)
        return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        self._required(args, "ts")
        message = self._message(channel, args["ts"])
        if message.get("bot_id") != self.bot_id or message.get("user") != self.bot_user_id:
            raise ApiError("cant_update_message")
        self._content(args)
        for key in ("text", "blocks", "attachments", "metadata"):
            # Slack keeps whatever the update does not mention.
            if key in args and args[key] is not None:
                message[key] = args[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        user = args.get("user")
        if not isinstance(user, str) or user not in self._users:
            raise ApiError("user_not_found")
        if not channel.is_member:
            raise ApiError("not_in_channel")
        self._content(args)
        message = self._bot_message(channel, args)
        message["user"] = user
        message["bot_user"] = self.bot_user_id
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        self._ephemeral.setdefault(channel.id, []).append(message)
        return {"message_ts": message["ts"]}

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        message = self._message(channel, args.get("message_ts"))
        permalink = (
            f"https://{self.team_domain}.slack.com/archives/{channel.id}"
            f"/p{message['ts'].replace('.', '')}"
        )
        root = message.get("thread_ts")
        if root is not None and root != message["ts"]:
            permalink += f"?thread_ts={root}&cid={channel.id}"
        return {"channel": channel.id, "permalink": permalink}
