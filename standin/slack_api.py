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

Each Slack API family is its own module, mixed in here: standin/slack_chat.py,
slack_conversations.py, slack_users.py, slack_reactions.py, slack_views.py,
slack_files.py and slack_auth.py (tokens, scopes, auth.test, apps.connections.open,
OAuth v2), over the shared workspace of standin/slack_workspace.py; the HTTP routes are in
standin/slack_http.py and what tests read and set in standin/slack_controls.py.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from types import FrameType
from typing import Any, Self

from standin.blockkit import validate_blocks
from standin.lifecycle import Served
from standin.rate_tiers import RateLimiter
from standin.slack_auth import APP_TOKEN_METHOD, AuthMethods
from standin.slack_chat import ChatMethods
from standin.slack_controls import StandInControls
from standin.slack_conversations import ConversationMethods
from standin.slack_files import FileMethods
from standin.slack_http import StandInHTTPServer
from standin.slack_methods import DEFAULT_MANIFEST, manifest_bot_scopes
from standin.slack_reactions import ReactionMethods
from standin.slack_users import UserMethods
from standin.slack_views import ViewMethods
from standin.slack_workspace import (
    DEFAULT_APP_ID,
    DEFAULT_CHANNELS,
    DEFAULT_USERS,
    LOOPBACK_HOSTS,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    ApiError,
    Channel,
    RecordedCall,
    User,
    ts_to_micros,
)

__all__ = [
    "DEFAULT_APP_ID",
    "DEFAULT_CHANNELS",
    "DEFAULT_USERS",
    "OAUTH_CLIENT_ID",
    "OAUTH_CLIENT_SECRET",
    "RecordedCall",
    "SlackStandIn",
    "main",
]

_TS_FORMAT = re.compile(r"^\d+\.\d{6}$")

_Reply = tuple[int, dict[str, Any], dict[str, str]]
_Method = Callable[[dict[str, Any]], dict[str, Any]]


class SlackStandIn(
    ChatMethods,
    ConversationMethods,
    UserMethods,
    ReactionMethods,
    ViewMethods,
    FileMethods,
    AuthMethods,
    StandInControls,
    Served,
):
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
        if host not in LOOPBACK_HOSTS:
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
        self._channels = {}
        self._users = {}
        self._calls = []
        self._messages = {}
        self._index = {}
        self._ephemeral = {}
        self._views = {}
        self._external_ids = {}
        self._home_views = {}
        self._failures = {}
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
        self._members = {}
        # Direct messages the bot opened (user id -> D... channel id), and uploaded files.
        self._dms = {}
        self._files = {}
        self._file_counter = 0

        self._server = None
        self._thread: threading.Thread | None = None

        # Multi-workspace installs (OAuth v2): the app's credentials, codes handed out by
        # the consent page, the bot token issued to each installed team, revoked tokens.
        self.oauth_client_id = OAUTH_CLIENT_ID
        self.oauth_client_secret = OAUTH_CLIENT_SECRET
        self._oauth_codes = {}
        self._installed = {}
        self._revoked = set()
        self._token_in_call = None

        # Socket Mode: where `apps.connections.open` sends the app (standin/socket_mode.py).
        self.socket_mode_url = None

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
        server = StandInHTTPServer((self.host, self._requested_port), self)
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
            self._channels[channel_id] = Channel(
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
            self._users[user_id] = User(
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
                self._last_micros = max(self._last_micros, ts_to_micros(ts))
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
                    except ApiError as exc:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m standin.slack_api",
        description="Run the local Slack Web API stand-in in the foreground.",
    )
    parser.add_argument("--host", default="127.0.0.1", choices=sorted(LOOPBACK_HOSTS))
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
