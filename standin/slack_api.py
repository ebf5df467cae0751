"""A local stand-in for the Slack Web API, served over real HTTP on the loopback interface.

Slack cannot be reached from our tests or from ``make demo``, so the bot talks to this
server through the genuine ``slack_sdk.WebClient`` pointed at :attr:`SlackStandIn.base_url`.
Everything the SDK does on the wire (headers, JSON versus form bodies, retries on 429) is
therefore exercised for real; only the far end is ours.

The server keeps a small in-memory workspace (channels, users, messages, reactions,
views), answers with the JSON shapes and error codes Slack documents, and records every
call so tests can assert on what the bot sent. Slack's rate tiers (standin/rate_tiers.py)
are off unless a test asks for them (`set_rate_tiers`, `set_outside_marketplace`).
``python -m standin.slack_api`` runs it in the foreground for people who want to poke at
it with curl.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import logging
import re
import signal
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any, Self, cast
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from standin.blockkit import validate_blocks, validate_view
from standin.lifecycle import Served
from standin.rate_tiers import OUTSIDE_MARKETPLACE_PAGE_LIMIT, RateLimiter
from standin.slack_methods import (
    APP_TOKEN_SCOPES,
    DEFAULT_MANIFEST,
    METHODS,
    Conversation,
    manifest_bot_scopes,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_USERS",
    "RecordedCall",
    "SlackStandIn",
    "main",
]

logger = logging.getLogger(__name__)

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
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Form-encoded requests carry nested structures as JSON strings (slack_sdk does this for
# every method it does not send as JSON); these are the ones we need to look inside.
_JSON_FIELDS = ("blocks", "attachments", "view", "metadata")
_EMOJI_NAME = re.compile(r"^[a-z0-9_+\-']+(::skin-tone-[2-6])?$")
_TS_FORMAT = re.compile(r"^\d+\.\d{6}$")


# The one Web API method an app-level (xapp-) token may call.
APP_TOKEN_METHOD = "apps.connections.open"  # noqa: S105 -- a method name, not a secret


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
class _Channel:
    id: str
    name: str
    is_member: bool
    created: int
    is_private: bool = False


@dataclass
class _User:
    id: str
    name: str
    real_name: str
    is_admin: bool
    tz: str
    is_bot: bool = False


class _ApiError(Exception):
    """A Slack error answer: ``{"ok": false, "error": code, **extra}``."""

    def __init__(self, code: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.code, **self.extra}


def _invalid_arguments(*messages: str) -> _ApiError:
    return _ApiError(
        "invalid_arguments",
        extra={"response_metadata": {"messages": [f"[ERROR] {m}" for m in messages]}},
    )


def _with_error_list(code: str, errors: list[str]) -> _ApiError:
    return _ApiError(
        code,
        extra={
            "errors": errors,
            "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
        },
    )


def _ts_to_micros(ts: str) -> int:
    seconds, _, fraction = ts.partition(".")
    return int(seconds) * 1_000_000 + int(fraction)


def _micros_to_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


_Reply = tuple[int, dict[str, Any], dict[str, str]]
_Method = Callable[[dict[str, Any]], dict[str, Any]]


class SlackStandIn(Served):
    """An in-process fake Slack workspace reachable by ``slack_sdk`` over HTTP."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        team_id: str = "T0FACTDESK",
        team_domain: str = "factdesk-demo",
        bot_user_id: str = "UFACTBOT",
        bot_id: str = "BFACTBOT",
        tokens: Iterable[str] | None = None,
        rate_limit: bool = False,
        rate_per_second: float = 1.0,
        rate_burst: int = 5,
        rate_tiers: bool = False,
        outside_marketplace: bool = False,
        app_id: str = DEFAULT_APP_ID,
        manifest: Path | str = DEFAULT_MANIFEST,
        scopes: Iterable[str] | None = None,
    ) -> None:
        """`manifest` is the app manifest the bot token's scopes come from, as installing
        an app made from it grants them; `scopes` overrides them (a test's narrower app)."""
        if host not in _LOOPBACK_HOSTS:
            # The stand-in is test scaffolding; it must never be reachable off the machine.
            raise ValueError(f"SlackStandIn only listens on loopback, not {host!r}")
        self.host = host
        self._requested_port = port
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.log_requests = False
        self._tokens = frozenset(tokens) if tokens is not None else None
        self.manifest = Path(manifest)
        self._bot_scopes = self._scope_list(
            scopes if scopes is not None else sorted(manifest_bot_scopes(self.manifest))
        )

        self._lock = threading.RLock()
        self._channels: dict[str, _Channel] = {}
        self._users: dict[str, _User] = {}
        self._calls: list[RecordedCall] = []
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._index: dict[tuple[str, str], dict[str, Any]] = {}
        self._ephemeral: dict[str, list[dict[str, Any]]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._external_ids: dict[str, str] = {}
        self._home_views: dict[str, str] = {}
        self._failures: dict[str, deque[tuple[str, int]]] = {}
        self._last_micros = 0
        self._view_counter = 0
        # Rate limits (standin/rate_tiers.py): off unless asked for, so tests stay quick.
        self._limits = RateLimiter()
        self._limits.posting = rate_limit
        self._limits.posts_per_second = rate_per_second
        self._limits.posting_burst = rate_burst
        self._limits.tiers = rate_tiers
        self._limits.outside_marketplace = outside_marketplace
        # channel id -> member user ids; a channel missing here has every user as a member.
        self._members: dict[str, set[str]] = {}
        # Direct messages the bot opened (user id -> D... channel id), and uploaded files.
        self._dms: dict[str, str] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._file_counter = 0

        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

        # Multi-workspace installs (OAuth v2): the app's credentials, codes handed out by
        # the consent page, the bot token issued to each installed team, revoked tokens.
        self.oauth_client_id = OAUTH_CLIENT_ID
        self.oauth_client_secret = OAUTH_CLIENT_SECRET
        self._oauth_codes: dict[str, dict[str, Any]] = {}
        self._installed: dict[str, dict[str, Any]] = {}
        self._revoked: set[str] = set()
        self._token_in_call: str | None = None

        # Socket Mode: where `apps.connections.open` sends the app (standin/socket_mode.py).
        self.socket_mode_url: Callable[[], str] | None = None

        self._methods: dict[str, _Method] = {
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "users.conversations": self._users_conversations,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.open": self._conversations_open,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }

        for channel_id, name in DEFAULT_CHANNELS.items():
            self.add_channel(channel_id, name)
        for user_id, (name, real_name) in DEFAULT_USERS.items():
            self.add_user(user_id, name, real_name=real_name)
        self.add_user(bot_user_id, "factdesk", real_name="Factdesk")
        self._users[bot_user_id].is_bot = True

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> Self:
        """Serve in a daemon thread; returns ``self`` so it chains."""
        if self._server is not None:
            raise RuntimeError("SlackStandIn is already running")
        server = _HTTPServer((self.host, self._requested_port), self)
        thread = threading.Thread(
            target=server.serve_forever,
            # A short poll keeps stop() quick, which matters across hundreds of tests.
            kwargs={"poll_interval": 0.05},
            name=f"slack-standin:{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server = server
        self._thread = thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = None
        self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        # slack_sdk joins method names straight onto this, so the slash matters.
        return f"{self.url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.url}/response/{key}"

    # -- workspace setup ---------------------------------------------------------

    def add_channel(
        self, channel_id: str, name: str, *, is_member: bool = True, is_private: bool = False
    ) -> None:
        with self._lock:
            self._channels[channel_id] = _Channel(
                id=channel_id,
                name=name,
                is_member=is_member,
                created=int(time.time()),
                is_private=is_private,
            )
            self._messages.setdefault(channel_id, [])

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        is_admin: bool = False,
        tz: str = "America/New_York",
    ) -> None:
        with self._lock:
            self._users[user_id] = _User(
                id=user_id,
                name=name,
                real_name=real_name if real_name is not None else name,
                is_admin=is_admin,
                tz=tz,
            )

    def add_message(
        self,
        channel: str,
        text: str,
        *,
        user: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Store a message as if a person had posted it; returns its ``ts``.

        An explicit ``ts`` places it in the past or future (say, inside a window a
        worker reads); ``metadata`` is the message metadata an app would have attached.
        """
        with self._lock:
            if channel not in self._channels:
                raise ValueError(f"unknown channel {channel!r}; add_channel() it first")
            if ts is None:
                ts = self._next_ts()
            else:
                if not _TS_FORMAT.match(ts):
                    raise ValueError(f"ts must look like '1732480000.000100', got {ts!r}")
                if (channel, ts) in self._index:
                    raise ValueError(f"a message with ts {ts} already exists in {channel}")
                self._last_micros = max(self._last_micros, _ts_to_micros(ts))
            message: dict[str, Any] = {
                "type": "message",
                "ts": ts,
                "channel": channel,
                "user": user,
                "team": self.team_id,
                "text": text,
                "blocks": [],
                "reactions": [],
            }
            if metadata is not None:
                message["metadata"] = copy.deepcopy(metadata)
            if thread_ts is not None:
                parent = self._index.get((channel, thread_ts))
                if parent is None:
                    raise ValueError(f"no message {thread_ts} in {channel} to reply to")
                message["thread_ts"] = self._thread_root(parent)
            self._store(channel, message)
            return ts

    # -- inspection --------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def calls_since(self, start: int) -> list[RecordedCall]:
        """The calls recorded after the first ``start``: a poller's cheap next page."""
        with self._lock:
            return self._calls[start:]

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._messages.get(channel, []))

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        with self._lock:
            found = self._index.get((channel, ts))
            if found is None:
                raise KeyError(f"no message {ts} in {channel}")
            return copy.deepcopy(found)

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._messages.get(channel, [])
                if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
            ]

    def ephemeral_messages(self, channel: str) -> list[dict[str, Any]]:
        """Ephemeral messages sent in ``channel`` (each names its ``user``), in order."""
        with self._lock:
            return copy.deepcopy(self._ephemeral.get(channel, []))

    def views(self) -> list[dict[str, Any]]:
        """Every view opened, updated or published, latest version of each."""
        with self._lock:
            return copy.deepcopy(list(self._views.values()))

    def view(self, view_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._views[view_id])

    def home_view(self, user_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._views[self._home_views[user_id]])

    def wait_for(self, predicate: Callable[[SlackStandIn], bool], timeout: float = 30.0) -> None:
        """Poll until ``predicate(self)`` is true, for code that posts from another thread.

        A predicate that raises ``KeyError``/``IndexError`` (say, ``message()`` before the
        message exists) just counts as "not yet".
        """
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            try:
                if predicate(self):
                    return
                last_error = None
            except (KeyError, IndexError) as exc:
                last_error = exc
            if time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        name = getattr(predicate, "__name__", repr(predicate))
        recent = ", ".join(
            f"{c.method}->{'ok' if c.response.get('ok') else c.response.get('error', c.status)}"
            for c in self.calls[-10:]
        )
        detail = f"; last attempt raised {last_error!r}" if last_error is not None else ""
        raise TimeoutError(
            f"condition {name} still false after {timeout:g}s{detail}; "
            f"{len(self.calls)} calls recorded, most recent: [{recent or 'none'}]"
        )

    # -- test controls -----------------------------------------------------------

    def set_rate_limit(self, enabled: bool, *, per_second: float = 1.0, burst: int = 5) -> None:
        """Limit chat.postMessage per channel (alone, or with the tiers' other methods)."""
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be > 0 and burst >= 1")
        with self._lock:
            self._limits.posting = enabled
            self._limits.posts_per_second = per_second
            self._limits.posting_burst = burst
            self._limits.clear()

    def set_rate_tiers(
        self,
        enabled: bool = True,
        *,
        outside_marketplace: bool | None = None,
        minute: float = 60.0,
    ) -> None:
        """Hold every method to its Slack rate tier, per team (standin/rate_tiers.py).

        `outside_marketplace` makes this an app distributed outside the Slack Marketplace
        (None leaves it as it is); `minute` is how many real seconds a minute of the
        tiers lasts, so a test can see a Tier 1 minute pass quickly.
        """
        if minute <= 0:
            raise ValueError("minute must be > 0")
        with self._lock:
            self._limits.tiers = enabled
            self._limits.minute = minute
            if outside_marketplace is not None:
                self._limits.outside_marketplace = outside_marketplace
            self._limits.clear()

    def set_outside_marketplace(self, outside: bool) -> None:
        """An app distributed outside the Slack Marketplace: conversations.history and
        conversations.replies page by 15 at most, and (with the tiers on) at 1 a minute."""
        with self._lock:
            self._limits.outside_marketplace = outside
            self._limits.clear()

    def fail_next(self, method: str, error: str, *, status: int = 200) -> None:
        """Make the next call to ``method`` answer ``{"ok": false, "error": error}``."""
        with self._lock:
            self._failures.setdefault(method, deque()).append((error, status))

    @property
    def bot_scopes(self) -> tuple[str, ...]:
        """The scopes the bot token (and any xoxb-/xoxp- token not issued by OAuth) holds."""
        with self._lock:
            return self._bot_scopes

    def set_scopes(self, scopes: Iterable[str]) -> None:
        """Grant exactly `scopes` to the bot token from now on, as reinstalling an app with
        other scopes would; tokens issued by oauth.v2.access keep the ones they were given."""
        with self._lock:
            self._bot_scopes = self._scope_list(scopes)

    @contextmanager
    def scopes_granted(self, scopes: Iterable[str]) -> Iterator[None]:
        """`set_scopes` for the length of a `with` block, for a stand-in tests share."""
        before = self.bot_scopes
        self.set_scopes(scopes)
        try:
            yield
        finally:
            self.set_scopes(before)

    def reset(self) -> None:
        """Forget calls, messages, views, pending failures and rate-limit state.

        Channels and users stay, so a fixture can seed a workspace once.
        """
        with self._lock:
            self._calls.clear()
            self._messages = {channel_id: [] for channel_id in self._channels}
            self._index.clear()
            self._ephemeral.clear()
            self._views.clear()
            self._external_ids.clear()
            self._home_views.clear()
            self._failures.clear()
            self._limits.clear()

    # -- request handling (called from the HTTP handler threads) -----------------

    def _handle_api(
        self,
        method: str,
        args: dict[str, Any],
        token: str | None,
        path: str,
        *,
        body_error: str | None = None,
        user_agent: str = "",
    ) -> _Reply:
        """Answer one Web API call and record it; ``body_error`` flags an unreadable body."""
        headers: dict[str, str] = {}
        with self._lock:
            handler = self._methods.get(method)
            injected = self._failures.get(method)
            if handler is None:
                status, body = 404, {"ok": False, "error": "unknown_method"}
            elif body_error is not None:
                status, body = 200, {"ok": False, "error": body_error}
            elif injected:
                error, status = injected.popleft()
                body = {"ok": False, "error": error}
                if status == 429:
                    headers["Retry-After"] = "1"
            elif not token:
                status, body = 200, {"ok": False, "error": "not_authed"}
            elif (method == APP_TOKEN_METHOD) != token.startswith("xapp-"):
                # App-level tokens open Socket Mode connections and do nothing else.
                status, body = 200, {"ok": False, "error": "not_allowed_token_type"}
            elif not self._token_ok(token):
                status, body = 200, {"ok": False, "error": "invalid_auth"}
            elif (refused := self._missing_scope(method, args, token)) is not None:
                status, body = 200, refused
            else:
                retry_after = self._take_rate_token(method, args, token)
                if retry_after is not None:
                    status, body = 429, {"ok": False, "error": "ratelimited"}
                    headers["Retry-After"] = str(retry_after)
                else:
                    status = 200
                    self._token_in_call = token
                    try:
                        body = {"ok": True, **handler(args)}
                    except _ApiError as exc:
                        body = exc.body()
            self._record(method, args, token, status, body, path, user_agent=user_agent)
        return status, body, headers

    def _handle_response_url(self, body: bytes, path: str) -> tuple[int, str]:
        """Emulate a ``response_url``: accept a JSON message and answer ``ok``."""
        args: dict[str, Any] = {}
        status, text = 200, "ok"
        try:
            decoded = json.loads(body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            decoded = None
        if not isinstance(decoded, dict):
            status, text = 400, "invalid_payload"
        else:
            args = decoded
            if args.get("blocks") is not None and validate_blocks(
                args["blocks"], surface="message"
            ):
                status, text = 400, "invalid_blocks"
            elif not any(args.get(k) for k in ("text", "blocks", "attachments", "delete_original")):
                status, text = 400, "no_text"
        response: dict[str, Any] = {"ok": True} if status == 200 else {"ok": False, "error": text}
        with self._lock:
            self._record("response_url", args, None, status, response, path)
        return status, text

    def _calls_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(c) for c in self._calls]

    def _messages_json(self, channel: str | None) -> Any:
        with self._lock:
            if channel is None:
                return copy.deepcopy(self._messages)
            if channel not in self._channels:
                return None
            return copy.deepcopy(self._messages[channel])

    # -- internals ---------------------------------------------------------------

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

    def _token_ok(self, token: str) -> bool:
        if token in self._revoked:
            return False
        if self._tokens is not None:
            return token in self._tokens
        return token.startswith(("xoxb-", "xoxp-", "xapp-"))

    @staticmethod
    def _scope_list(scopes: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.strip() for s in scopes if s.strip()))

    def _token_scopes(self, token: str) -> tuple[str, ...]:
        installed = self._installed.get(token)
        if installed is not None:
            # oauth.v2.access grants what the install asked for (its `scope` field).
            return self._scope_list(str(installed["scope"]).split(","))
        if token.startswith("xapp-"):
            return tuple(sorted(APP_TOKEN_SCOPES))
        return self._bot_scopes

    def _missing_scope(
        self, method: str, args: dict[str, Any], token: str
    ) -> dict[str, Any] | None:
        """Slack's `missing_scope` answer when the token lacks what the method needs."""
        spec = METHODS.get(method)
        if spec is None:
            raise KeyError(f"{method} is served but missing from standin/slack_methods.py")
        granted = self._token_scopes(token)
        needed = spec.missing(granted, self._conversation_types(method, args))
        if needed is None:
            return None
        return {
            "ok": False,
            "error": "missing_scope",
            "needed": needed,
            "provided": ",".join(granted),
        }

    def _conversation_types(self, method: str, args: dict[str, Any]) -> list[Conversation]:
        """The kinds of conversation a call touches, which decide the scope it needs."""
        if method == "users.conversations":
            named = str(args.get("types") or Conversation.PUBLIC).split(",")
            return [Conversation(t.strip()) for t in named if t.strip() in set(Conversation)]
        users = [u for u in str(args.get("users") or "").split(",") if u.strip()]
        if method == "conversations.open" and users:
            return [Conversation.IM if len(users) == 1 else Conversation.MPIM]
        value = str(args.get("channel") or args.get("channel_id") or "")
        channel = self._channels.get(value) or next(
            (c for c in self._channels.values() if c.name == value.removeprefix("#")), None
        )
        if channel is None:
            return []  # the method answers channel_not_found, given any of its scopes
        # The stand-in's channels are public; the DMs it opened are ims.
        return [Conversation.IM if channel.id in self._dms.values() else Conversation.PUBLIC]

    def _take_rate_token(self, method: str, args: dict[str, Any], token: str) -> int | None:
        """Spend one request of the token's team on `method`; Retry-After if none is left."""
        # Slack counts "per API method per workspace per app": a token's team is its bucket.
        team = str(self._installed.get(token, {}).get("team_id") or self.team_id)
        return self._limits.take(team=team, method=method, channel=str(args.get("channel", "")))

    def _next_ts(self) -> str:
        micros = max(int(time.time() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return _micros_to_ts(micros)

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

    def _channel(self, args: dict[str, Any], key: str = "channel") -> _Channel:
        value = args.get(key)
        if not isinstance(value, str) or not value:
            raise _ApiError("channel_not_found")
        found = self._channels.get(value)
        if found is None:
            # Slack also accepts a channel name, with or without the leading '#'.
            name = value.removeprefix("#")
            found = next((c for c in self._channels.values() if c.name == name), None)
        if found is None:
            raise _ApiError("channel_not_found")
        return found

    def _message(self, channel: _Channel, ts: Any) -> dict[str, Any]:
        message = self._index.get((channel.id, str(ts))) if ts else None
        if message is None:
            raise _ApiError("message_not_found")
        return message

    @staticmethod
    def _required(args: dict[str, Any], *keys: str) -> None:
        missing = [k for k in keys if args.get(k) in (None, "")]
        if missing:
            raise _invalid_arguments(*(f"missing required field: {k}" for k in missing))

    @staticmethod
    def _content(args: dict[str, Any], *, required: bool = True) -> None:
        """The text/blocks/attachments checks chat.postMessage and friends share."""
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            # Still a string after decoding means it was not JSON at all.
            raise _ApiError("invalid_blocks_format")
        if isinstance(args.get("attachments"), str):
            raise _ApiError("invalid_attachments")
        text = args.get("text")
        if required and not text and not blocks and not args.get("attachments"):
            raise _ApiError("no_text")
        if isinstance(text, str) and len(text) > MAX_TEXT_LENGTH:
            raise _ApiError("msg_too_long")
        if blocks is not None:
            errors = validate_blocks(blocks, surface="message")
            if errors:
                raise _with_error_list("invalid_blocks", errors)

    def _bot_message(self, channel: _Channel, args: dict[str, Any]) -> dict[str, Any]:
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

    # -- Web API methods ---------------------------------------------------------

    # -- OAuth v2 (multi-workspace installs) -------------------------------------------

    oauth_redirect_url: str | None = None

    def authorize_code(
        self,
        team_id: str,
        *,
        team_name: str | None = None,
        scopes: str | None = None,
        installer: str = "U0ANA",
    ) -> str:
        """A one-time code, as Slack's consent page gives when `team_id` approves.

        The token it is exchanged for holds `scopes` (comma-separated), by default the
        manifest's bot scopes.
        """
        code = f"code-{uuid.uuid4().hex[:16]}"
        with self._lock:
            self._oauth_codes[code] = {
                "team_id": team_id,
                "team_name": team_name or f"Team {team_id}",
                "scope": scopes if scopes is not None else ",".join(self._bot_scopes),
                "installer": installer,
            }
        return code

    def installed_tokens(self) -> dict[str, str]:
        """Bot token -> team id, for every install oauth.v2.access completed."""
        with self._lock:
            return {token: info["team_id"] for token, info in self._installed.items()}

    def revoke_team(self, team_id: str) -> None:
        """Invalidate every token issued to `team_id`, as uninstalling the app does."""
        with self._lock:
            for token, info in self._installed.items():
                if info["team_id"] == team_id:
                    self._revoked.add(token)

    def _oauth_consent(self, query: dict[str, str]) -> str | None:
        if query.get("client_id") != self.oauth_client_id:
            return None
        redirect = query.get("redirect_uri") or self.oauth_redirect_url
        if not redirect or urlsplit(redirect).hostname not in _LOOPBACK_HOSTS:
            return None
        team_id = query.get("team") or self.team_id
        # The admin approves the scopes the install link asks for, or else the app's own.
        code = self.authorize_code(team_id, scopes=query.get("scope") or None)
        separator = "&" if "?" in redirect else "?"
        return f"{redirect}{separator}{urlencode({'code': code, 'state': query.get('state', '')})}"

    def _oauth_v2_access(self, args: dict[str, Any], path: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if (
                args.get("client_id") != self.oauth_client_id
                or args.get("client_secret") != self.oauth_client_secret
            ):
                body: dict[str, Any] = {"ok": False, "error": "invalid_client_id"}
            elif (grant := self._oauth_codes.pop(str(args.get("code")), None)) is None:
                body = {"ok": False, "error": "invalid_code"}
            else:
                token = f"xoxb-{grant['team_id'].lower()}-{uuid.uuid4().hex[:12]}"
                self._installed[token] = grant
                body = {
                    "ok": True,
                    "app_id": self.app_id,
                    "authed_user": {"id": grant["installer"]},
                    "scope": grant["scope"],
                    "token_type": "bot",
                    "access_token": token,
                    "bot_user_id": self.bot_user_id,
                    "team": {"id": grant["team_id"], "name": grant["team_name"]},
                    "enterprise": None,
                    "is_enterprise_install": False,
                }
            recorded = {k: v for k, v in args.items() if k != "client_secret"}
            self._record("oauth.v2.access", recorded, None, 200, body, path)
        return 200, body

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_url is None:
            # What Slack answers an app whose Socket Mode is switched off.
            raise _ApiError("socket_mode_not_enabled")
        return {"url": self.socket_mode_url()}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        installed = self._installed.get(self._token_in_call or "")
        if installed is not None:
            # A token issued by oauth.v2.access belongs to the team that installed it.
            return {
                "url": f"https://{installed['team_id'].lower()}.slack.com/",
                "team": installed["team_name"],
                "user": self._users[self.bot_user_id].name,
                "team_id": installed["team_id"],
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_domain.replace("-", " ").title(),
            "user": self._users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if not channel.is_member:
            raise _ApiError("not_in_channel")
        self._content(args)
        thread_ts = args.get("thread_ts")
        root: str | None = None
        if thread_ts:
            parent = self._index.get((channel.id, str(thread_ts)))
            if parent is None:
                raise _ApiError("thread_not_found")
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
            raise _ApiError("cant_update_message")
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
            raise _ApiError("user_not_found")
        if not channel.is_member:
            raise _ApiError("not_in_channel")
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

    def _reaction_target(self, args: dict[str, Any]) -> tuple[dict[str, Any], str]:
        if not args.get("channel") or not args.get("timestamp"):
            raise _ApiError("no_item_specified")
        channel = self._channel(args)
        message = self._message(channel, args["timestamp"])
        name = args.get("name")
        if not isinstance(name, str) or not _EMOJI_NAME.match(name):
            raise _ApiError("invalid_name")
        return message, name

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(args)
        reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None:
            entry = {"name": name, "users": [], "count": 0}
            reactions.append(entry)
        if self.bot_user_id in entry["users"]:
            raise _ApiError("already_reacted")
        entry["users"].append(self.bot_user_id)
        entry["count"] = len(entry["users"])
        return {}

    def _reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        message, name = self._reaction_target(args)
        reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None or self.bot_user_id not in entry["users"]:
            raise _ApiError("no_reaction")
        entry["users"].remove(self.bot_user_id)
        entry["count"] = len(entry["users"])
        if not entry["users"]:
            reactions.remove(entry)
        return {}

    def _checked_view(self, args: dict[str, Any], *, kind: str | None = None) -> dict[str, Any]:
        view = args.get("view")
        if view is None or view == "":
            raise _invalid_arguments("missing required field: view")
        errors = validate_view(view)
        if not errors and kind is not None and view.get("type") != kind:
            errors = [f"unsupported type: {view.get('type')} [json-pointer:/view/type]"]
        if errors:
            raise _with_error_list("invalid_arguments", errors)
        return cast(dict[str, Any], view)

    def _new_view_id(self) -> str:
        self._view_counter += 1
        return f"V0{self._view_counter:08X}"

    def _save_view(
        self,
        view: dict[str, Any],
        *,
        view_id: str,
        previous: dict[str, Any] | None = None,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        blocks = copy.deepcopy(view.get("blocks", []))
        external_id = str(view.get("external_id") or "")
        stored: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "blocks": blocks,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": previous.get("previous_view_id") if previous else None,
            "root_view_id": previous["root_view_id"] if previous else view_id,
            "app_id": self.app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        if user_id is not None:
            stored["user_id"] = user_id
        if previous is not None and previous.get("external_id"):
            self._external_ids.pop(previous["external_id"], None)
        if external_id:
            self._external_ids[external_id] = view_id
        self._views[view_id] = stored
        return copy.deepcopy(stored)

    def _check_hash(self, args: dict[str, Any], previous: dict[str, Any]) -> None:
        expected = args.get("hash")
        if expected and expected != previous["hash"]:
            raise _ApiError("hash_conflict")

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            raise _ApiError("invalid_trigger_id")
        view = self._checked_view(args, kind="modal")
        external_id = view.get("external_id")
        if external_id and external_id in self._external_ids:
            raise _ApiError("duplicate_external_id")
        return {"view": self._save_view(view, view_id=self._new_view_id())}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise _invalid_arguments("must provide either view_id or external_id")
        if not view_id:
            view_id = self._external_ids.get(str(external_id))
        previous = self._views.get(str(view_id)) if view_id else None
        if previous is None:
            raise _ApiError("not_found")
        self._check_hash(args, previous)
        view = self._checked_view(args, kind=previous["type"])
        saved = self._save_view(
            view, view_id=previous["id"], previous=previous, user_id=previous.get("user_id")
        )
        return {"view": saved}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        self._required(args, "user_id")
        user_id = str(args["user_id"])
        if user_id not in self._users:
            raise _ApiError("user_not_found")
        view = self._checked_view(args, kind="home")
        previous_id = self._home_views.get(user_id)
        previous = self._views.get(previous_id) if previous_id else None
        if previous is not None:
            self._check_hash(args, previous)
        view_id = previous["id"] if previous is not None else self._new_view_id()
        saved = self._save_view(view, view_id=view_id, previous=previous, user_id=user_id)
        self._home_views[user_id] = view_id
        return {"view": saved}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            raise _ApiError("user_not_found")
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

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        return {
            "channel": {
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
            raise _ApiError("user_not_found")
        types = {t.strip() for t in str(args.get("types") or "public_channel").split(",")}
        if not types <= {"public_channel", "private_channel", "mpim", "im"}:
            raise _ApiError("invalid_types")
        try:
            limit = int(args.get("limit") or 100)
            offset = int(str(args.get("cursor") or "0").removeprefix("offset:") or 0)
        except ValueError:
            raise _ApiError("invalid_cursor") from None
        if not 1 <= limit <= 1000:
            raise _ApiError("invalid_limit")
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
            "channels": [self._conversations_info({"channel": c.id})["channel"] for c in page],
            "response_metadata": {"next_cursor": f"offset:{offset + limit}" if more else ""},
        }

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
        micros = _ts_to_micros(message["ts"])
        try:
            oldest, latest = (
                None if args.get(key) is None else _ts_to_micros(f"{float(args[key]):.6f}")
                for key in ("oldest", "latest")
            )
        except ValueError:
            raise _ApiError("invalid_ts_oldest") from None
        return (oldest is None or micros >= oldest) and (latest is None or micros <= latest)

    def _history_page(self, found: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        capped = self._limits.outside_marketplace
        try:
            limit = int(args.get("limit") or (OUTSIDE_MARKETPLACE_PAGE_LIMIT if capped else 100))
            offset = int(str(args.get("cursor") or "0").removeprefix("offset:") or 0)
        except ValueError:
            raise _ApiError("invalid_cursor") from None
        if not 1 <= limit <= 1000:
            raise _ApiError("invalid_limit")
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

    # -- direct messages and files (conversations.open, files_upload_v2) ---------------

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
            raise _ApiError("users_list_not_supplied")
        if len(users) > 1:
            # Slack opens a group DM here; nothing in Factdesk needs one.
            raise _invalid_arguments("the stand-in opens one-person DMs only")
        user_id = users[0]
        if user_id not in self._users:
            raise _ApiError("user_not_found")
        existing = self._dms.get(user_id)
        if existing is None:
            existing = f"D0{uuid.uuid4().hex[:9].upper()}"
            self._channels[existing] = _Channel(
                id=existing, name=existing, is_member=True, created=int(time.time())
            )
            self._messages.setdefault(existing, [])
            self._members[existing] = {user_id, self.bot_user_id}
            self._dms[user_id] = existing
            return {"channel": {"id": existing}}
        return {"channel": {"id": existing}, "no_op": True, "already_open": True}

    def _files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        self._required(args, "filename", "length")
        try:
            length = int(str(args["length"]))
        except ValueError:
            raise _invalid_arguments("length must be an integer") from None
        if length <= 0:
            raise _ApiError("missing_argument")
        alt_txt = args.get("alt_txt")
        if isinstance(alt_txt, str) and len(alt_txt) > 1000:
            raise _ApiError("alt_txt_too_large")
        self._file_counter += 1
        file_id = f"F0{self._file_counter:09d}"
        self._files[file_id] = {
            "id": file_id,
            "name": str(args["filename"]),
            "length": length,
            "alt_txt": alt_txt if isinstance(alt_txt, str) else None,
            "state": "pending",
            "content": None,
        }
        return {"upload_url": f"{self.url}/upload/v1/{file_id}", "file_id": file_id}

    def _handle_upload(self, body: bytes, path: str) -> tuple[int, str]:
        """The upload URL: take the raw bytes of a pending file, as files.slack.com does.

        `fail_next("upload", text, status=...)` makes the next upload answer that status.
        """
        file_id = path.rsplit("/", 1)[-1]
        status, text = 200, f"OK - {len(body)}"
        with self._lock:
            pending = self._files.get(file_id)
            injected = self._failures.get("upload")
            if injected:
                text, status = injected.popleft()
            elif pending is None or pending["state"] != "pending":
                status, text = 404, "file_not_found"
            elif len(body) != pending["length"]:
                status, text = 400, "length_mismatch"
            else:
                pending["content"] = body
                pending["state"] = "uploaded"
            self._record(
                "upload",
                {"file_id": file_id, "bytes": len(body)},
                None,
                status,
                {"ok": status == 200},
                path,
            )
        return status, text

    def _files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except json.JSONDecodeError:
                raise _invalid_arguments("files must be a JSON array") from None
        if not isinstance(files, list) or not files:
            raise _invalid_arguments("missing required field: files")
        if not all(isinstance(f, dict) and f.get("id") for f in files):
            raise _invalid_arguments("each file needs an id")
        channel_ids = [c.strip() for c in str(args.get("channels") or "").split(",") if c.strip()]
        if args.get("channel_id"):
            channel_ids.insert(0, str(args["channel_id"]))
        if args.get("thread_ts") and len(channel_ids) != 1:
            raise _invalid_arguments("thread_ts needs exactly one channel")
        channels = [self._channel({"channel": c}) for c in channel_ids]
        for channel in channels:
            if not channel.is_member:
                raise _ApiError("not_in_channel")
        uploads = []
        for item in files:
            upload = self._files.get(str(item["id"]))
            # Completing twice, or before the bytes arrived, finds no file to complete.
            if upload is None or upload["state"] != "uploaded":
                raise _ApiError("file_not_found")
            uploads.append((upload, item))
        root: str | None = None
        if args.get("thread_ts"):
            parent = self._index.get((channels[0].id, str(args["thread_ts"])))
            if parent is None:
                raise _ApiError("thread_not_found")
            root = self._thread_root(parent)
        comment = args.get("initial_comment")
        if not comment and args.get("blocks") is not None:
            self._content({"blocks": args.get("blocks")}, required=False)
        answered = []
        for upload, item in uploads:
            name = upload["name"]
            upload.update(
                state="complete",
                title=str(item.get("title") or name),
                filetype=name.rsplit(".", 1)[-1].lower() if "." in name else "",
                size=len(upload["content"]),
                user=self.bot_user_id,
                created=int(time.time()),
                channels=[c.id for c in channels],
                thread_ts=root,
                initial_comment=comment,
                permalink=f"https://{self.team_domain}.slack.com/files/"
                f"{self.bot_user_id}/{upload['id']}/{name}",
            )
            answered.append({"id": upload["id"], "title": upload["title"]})
        shared = [{k: v for k, v in u.items() if k != "content"} for u, _ in uploads]
        for channel in channels:
            message = self._bot_message(channel, {"text": comment or ""})
            message["files"] = copy.deepcopy(shared)
            message["upload"] = True
            if root is not None:
                message["thread_ts"] = root
            self._store(channel.id, message)
        return {"files": answered}


# -- HTTP plumbing ----------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], standin: SlackStandIn) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.standin = standin
        super().__init__(address, _Handler)


def _parse_body(content_type: str, body: bytes) -> dict[str, Any] | None:
    """Decode a JSON or form body; ``None`` means it could not be read."""
    if not body:
        return {}
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if kind == "application/json":
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            return None
        return decoded if isinstance(decoded, dict) else None
    if kind in ("application/x-www-form-urlencoded", ""):
        return dict(parse_qsl(text, keep_blank_values=True))
    return None


def _decode_json_fields(args: dict[str, Any]) -> None:
    for key in _JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                args[key] = json.loads(value)
            except json.JSONDecodeError:
                # Leave the string; the method reports it with Slack's *_format error.
                continue


class _Handler(BaseHTTPRequestHandler):
    server_version = "SlackStandIn/1.0"

    @property
    def standin(self) -> SlackStandIn:
        return cast(_HTTPServer, self.server).standin

    def log_message(self, format: str, *args: Any) -> None:
        if self.standin.log_requests:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch(body=b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._dispatch(body=self.rfile.read(length) if length > 0 else b"")

    def _dispatch(self, body: bytes) -> None:
        try:
            self._route(body)
        except Exception:
            logger.exception("slack stand-in failed on %s %s", self.command, self.path)
            self._send_json(500, {"ok": False, "error": "internal_error"})

    def _route(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if path == "/api/oauth.v2.access":
            self._oauth_access(query, body)
        elif path == "/oauth/v2/authorize" and self.command == "GET":
            self._oauth_authorize(query)
        elif path.startswith("/api/"):
            self._api(unquote(path[len("/api/") :]), query, body)
        elif path.startswith("/response/") and self.command == "POST":
            status, text = self.standin._handle_response_url(body, path)
            self._send(status, text.encode(), "text/plain; charset=utf-8")
        elif path == "/_standin/calls" and self.command == "GET":
            self._send_json(200, self.standin._calls_json())
        elif path == "/_standin/messages" and self.command == "GET":
            messages = self.standin._messages_json(query.get("channel"))
            if messages is None:
                self._send_json(404, {"ok": False, "error": "channel_not_found"})
            else:
                self._send_json(200, messages)
        elif path.startswith("/upload/v1/") and self.command == "POST":
            status, text = self.standin._handle_upload(body, path)
            self._send(status, text.encode(), "text/plain; charset=utf-8")
        elif path == "/_standin/reset" and self.command == "POST":
            self.standin.reset()
            self._send_json(200, {"ok": True})
        else:
            self._send_json(404, {"ok": False, "error": "not_found"})

    def _oauth_access(self, query: dict[str, str], body: bytes) -> None:
        """oauth.v2.access: the app's credentials (HTTP Basic, or in the form) and a code."""
        args: dict[str, Any] = dict(query)
        args.update(_parse_body(self.headers.get("Content-Type", ""), body) or {})
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            try:
                user, _, password = (
                    base64.b64decode(authorization[len("Basic ") :]).decode().partition(":")
                )
            except (ValueError, UnicodeDecodeError):
                user, password = "", ""
            args.setdefault("client_id", user)
            args.setdefault("client_secret", password)
        status, reply = self.standin._oauth_v2_access(args, self.path)
        self._send_json(status, reply)

    def _oauth_authorize(self, query: dict[str, str]) -> None:
        """The consent page, as if an admin clicked Allow: back to the redirect URL."""
        location = self.standin._oauth_consent(query)
        if location is None:
            self._send_json(400, {"ok": False, "error": "bad_redirect_uri"})
            return
        self._send(302, b"", "text/plain; charset=utf-8", {"Location": location})

    def _api(self, method: str, query: dict[str, str], body: bytes) -> None:
        parsed = _parse_body(self.headers.get("Content-Type", ""), body)
        args: dict[str, Any] = dict(query)
        if parsed is not None:
            args.update(parsed)
        _decode_json_fields(args)
        token: str | None = None
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization[len("Bearer ") :].strip() or None
        form_token = args.pop("token", None)
        if token is None and isinstance(form_token, str) and form_token:
            token = form_token
        body_error: str | None = None
        if parsed is None:
            is_json = "json" in self.headers.get("Content-Type", "")
            body_error = "invalid_json" if is_json else "invalid_form_data"
        status, reply, headers = self.standin._handle_api(
            method,
            args,
            token,
            self.path,
            body_error=body_error,
            user_agent=self.headers.get("User-Agent", ""),
        )
        self._send_json(status, reply, headers)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(
            status,
            json.dumps(payload).encode("utf-8"),
            "application/json; charset=utf-8",
            headers,
        )

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


# -- command line ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m standin.slack_api",
        description="Run the local Slack Web API stand-in in the foreground.",
    )
    parser.add_argument("--host", default="127.0.0.1", choices=sorted(_LOOPBACK_HOSTS))
    parser.add_argument("--port", type=int, default=8900, help="0 picks a free port")
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        help="accept only this token (repeatable); default: any xoxb-/xoxp- token",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=DEFAULT_MANIFEST,
        help="the app manifest whose bot scopes the bot token holds",
    )
    parser.add_argument(
        "--scope",
        action="append",
        dest="scopes",
        help="grant only this bot scope (repeatable); default: the manifest's",
    )
    parser.add_argument("--rate-limit", action="store_true", help="429 bursts of posts")
    parser.add_argument("--rate-per-second", type=float, default=1.0)
    parser.add_argument("--rate-burst", type=int, default=5)
    parser.add_argument(
        "--rate-tiers", action="store_true", help="hold every method to its Slack rate tier"
    )
    parser.add_argument(
        "--outside-marketplace",
        action="store_true",
        help="an app distributed outside the Slack Marketplace: history and replies "
        "page by 15, and with --rate-tiers at 1 request a minute",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    options = parser.parse_args(argv)

    standin = SlackStandIn(
        host=options.host,
        port=options.port,
        tokens=options.tokens,
        rate_limit=options.rate_limit,
        rate_per_second=options.rate_per_second,
        rate_burst=options.rate_burst,
        manifest=options.manifest,
        scopes=options.scopes,
        rate_tiers=options.rate_tiers,
        outside_marketplace=options.outside_marketplace,
    )
    standin.log_requests = not options.quiet
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with standin:
        # The first line is the base URL alone, so scripts can read it back.
        print(standin.base_url, flush=True)
        print(
            f"inspect: GET {standin.url}/_standin/calls  "
            f"GET {standin.url}/_standin/messages?channel=C0GENERAL  "
            f"POST {standin.url}/_standin/reset",
            flush=True,
        )
        stopping.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
