"""The Slack stand-in's workspace: its rows, its errors and the helpers every API family shares.

`SlackStandIn` (standin/slack_api.py) is built from one class per Slack API family
(standin/slack_chat.py, slack_conversations.py, ...); each inherits `SlackWorkspace`, which
declares the in-memory workspace they all read and write under `_lock`, and the checks
Slack applies alike across methods (a channel by id or name, message content, required
fields).
"""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from standin.blockkit import validate_blocks
from standin.rate_tiers import RateLimiter
from standin.slack_http import StandInHTTPServer

DEFAULT_CHANNELS: dict[str, str] = {"C0GENERAL": "general", "C0NEWSDESK": "newsdesk"}
# id -> (name, real name)
DEFAULT_USERS: dict[str, tuple[str, str]] = {
    "U0ANA": ("ana", "Ana Lima"),
    "U0BEN": ("ben", "Ben"),
}
DEFAULT_APP_ID = "A0FACTDESK"
OAUTH_CLIENT_ID = "1111.2222"
OAUTH_CLIENT_SECRET = "standin-client-secret"  # noqa: S105  # the stand-in's, not a real one

MAX_TEXT_LENGTH = 40_000
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class RecordedCall:
    """One request the stand-in answered, kept for assertions."""

    method: str
    args: dict[str, Any]
    token: str | None
    status: int
    response: dict[str, Any]
    at: float
    path: str = ""
    user_agent: str = ""  # says which client called (our bot and workers name themselves)


@dataclass
class Channel:
    id: str
    name: str
    is_member: bool
    created: int
    is_private: bool = False


@dataclass
class User:
    id: str
    name: str
    real_name: str
    is_admin: bool
    tz: str
    is_bot: bool = False


class ApiError(Exception):
    """A Slack error answer: ``{"ok": false, "error": code, **extra}``."""

    def __init__(self, code: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.code, **self.extra}


def invalid_arguments(*messages: str) -> ApiError:
    return ApiError(
        "invalid_arguments",
        extra={"response_metadata": {"messages": [f"[ERROR] {m}" for m in messages]}},
    )


def with_error_list(code: str, errors: list[str]) -> ApiError:
    return ApiError(
        code,
        extra={
            "errors": errors,
            "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
        },
    )


def ts_to_micros(ts: str) -> int:
    seconds, _, fraction = ts.partition(".")
    return int(seconds) * 1_000_000 + int(fraction)


def micros_to_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


class SlackWorkspace:
    """The state behind every Web API family, and the helpers they share.

    `SlackStandIn.__init__` sets every attribute declared here.
    """

    host: str
    team_id: str
    team_domain: str
    bot_user_id: str
    bot_id: str
    app_id: str
    manifest: Path
    _lock: threading.RLock
    _tokens: frozenset[str] | None
    _bot_scopes: tuple[str, ...]
    _channels: dict[str, Channel]
    _users: dict[str, User]
    _calls: list[RecordedCall]
    _messages: dict[str, list[dict[str, Any]]]
    _index: dict[tuple[str, str], dict[str, Any]]
    _ephemeral: dict[str, list[dict[str, Any]]]
    _views: dict[str, dict[str, Any]]
    _external_ids: dict[str, str]
    _home_views: dict[str, str]
    _failures: dict[str, deque[tuple[str, int]]]
    _last_micros: int
    _view_counter: int
    _limits: RateLimiter
    # channel id -> member user ids; a channel missing here has every user as a member.
    _members: dict[str, set[str]]
    # Direct messages the bot opened (user id -> D... channel id), and uploaded files.
    _dms: dict[str, str]
    _files: dict[str, dict[str, Any]]
    _file_counter: int
    _server: StandInHTTPServer | None
    # Multi-workspace installs (OAuth v2): the app's credentials, codes handed out by
    # the consent page, the bot token issued to each installed team, revoked tokens.
    oauth_client_id: str
    oauth_client_secret: str
    _oauth_codes: dict[str, dict[str, Any]]
    _installed: dict[str, dict[str, Any]]
    _revoked: set[str]
    _token_in_call: str | None
    # Socket Mode: where `apps.connections.open` sends the app (standin/socket_mode.py).
    socket_mode_url: Callable[[], str] | None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @staticmethod
    def _scope_list(scopes: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.strip() for s in scopes if s.strip()))

    def _record(
        self,
        method: str,
        args: dict[str, Any],
        token: str | None,
        status: int,
        response: dict[str, Any],
        path: str,
        *,
        user_agent: str = "",
    ) -> None:
        self._calls.append(
            RecordedCall(
                method=method,
                args=copy.deepcopy(args),
                token=token,
                status=status,
                response=copy.deepcopy(response),
                at=time.time(),
                path=path,
                user_agent=user_agent,
            )
        )

    def _next_ts(self) -> str:
        micros = max(int(time.time() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return micros_to_ts(micros)

    def _store(self, channel: str, message: dict[str, Any]) -> None:
        self._messages.setdefault(channel, []).append(message)
        self._index[(channel, message["ts"])] = message
        root_ts = message.get("thread_ts")
        if root_ts is not None and root_ts != message["ts"]:
            parent = self._index[(channel, root_ts)]
            # Slack marks the parent as a thread root and keeps reply bookkeeping on it.
            parent["thread_ts"] = root_ts
            parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
            reply_users = parent.setdefault("reply_users", [])
            if message["user"] not in reply_users:
                reply_users.append(message["user"])
            parent["reply_users_count"] = len(reply_users)
            parent["latest_reply"] = message["ts"]

    @staticmethod
    def _thread_root(message: dict[str, Any]) -> str:
        # Replying to a reply lands in the same thread, as it does in Slack.
        return str(message.get("thread_ts") or message["ts"])

    def _channel(self, args: dict[str, Any], key: str = "channel") -> Channel:
        value = args.get(key)
        if not isinstance(value, str) or not value:
            raise ApiError("channel_not_found")
        found = self._channels.get(value)
        if found is None:
            # Slack also accepts a channel name, with or without the leading '#'.
            name = value.removeprefix("#")
            found = next((c for c in self._channels.values() if c.name == name), None)
        if found is None:
            raise ApiError("channel_not_found")
        return found

    def _message(self, channel: Channel, ts: Any) -> dict[str, Any]:
        message = self._index.get((channel.id, str(ts))) if ts else None
        if message is None:
            raise ApiError("message_not_found")
        return message

    @staticmethod
    def _required(args: dict[str, Any], *keys: str) -> None:
        missing = [k for k in keys if args.get(k) in (None, "")]
        if missing:
            raise invalid_arguments(*(f"missing required field: {k}" for k in missing))

    @staticmethod
    def _content(args: dict[str, Any], *, required: bool = True) -> None:
        """The text/blocks/attachments checks chat.postMessage and friends share."""
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            # Still a string after decoding means it was not JSON at all.
            raise ApiError("invalid_blocks_format")
        if isinstance(args.get("attachments"), str):
            raise ApiError("invalid_attachments")
        text = args.get("text")
        if required and not text and not blocks and not args.get("attachments"):
            raise ApiError("no_text")
        if isinstance(text, str) and len(text) > MAX_TEXT_LENGTH:
            raise ApiError("msg_too_long")
        if blocks is not None:
            errors = validate_blocks(blocks, surface="message")
            if errors:
                raise with_error_list("invalid_blocks", errors)

    def _bot_message(self, channel: Channel, args: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "ts": self._next_ts(),
            "channel": channel.id,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": args.get("text") or "",
            "blocks": args.get("blocks") or [],
            "reactions": [],
        }
        for optional in ("attachments", "metadata"):
            if args.get(optional):
                message[optional] = args[optional]
        return message

    @staticmethod
    def _channel_json(channel: Channel) -> dict[str, Any]:
        """A channel as conversations.info and users.conversations describe it."""
        return {
            "id": channel.id,
            "name": channel.name,
            "name_normalized": channel.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.is_private,
            "is_archived": False,
            "is_general": channel.name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": channel.is_member,
            "created": channel.created,
            "creator": "",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
