"""What Slack asks of each Web API method the stand-in serves: its bot scopes and rate tier.

Source: Slack's method reference, https://docs.slack.dev/reference/methods/<method>, the
"Facts" box of each page ("Scopes: Bot token" and "Rate Limits"), and the rate limit
guide https://docs.slack.dev/apis/web-api/rate-limits for what each tier allows. Events
and the scope each needs come from https://docs.slack.dev/reference/events/<event>.

This is the one table of them: the stand-in answers `missing_scope` from it, its rate
tiers come from it, and docs/slack.md is checked against it (tests/deploy/). When Slack's
pages change, change this file and the checks show what else must follow.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "APP_TOKEN_SCOPES",
    "DEFAULT_MANIFEST",
    "EVENT_SCOPES",
    "METHODS",
    "OAUTH_MANIFEST",
    "Conversation",
    "SlackMethod",
    "Tier",
    "manifest_bot_scopes",
    "manifest_events",
]

ROOT = Path(__file__).resolve().parents[1]
# The manifest a newsroom creates the app from (Socket Mode), and the OAuth one.
DEFAULT_MANIFEST = ROOT / "deploy" / "slack-app-manifest.yml"
OAUTH_MANIFEST = ROOT / "deploy" / "slack" / "manifest.http-oauth.yml"

# An app-level (xapp-) token is made with the scopes chosen for it; Socket Mode needs this
# one (https://docs.slack.dev/apis/events-api/using-socket-mode).
APP_TOKEN_SCOPES = frozenset({"connections:write"})


class Tier(enum.Enum):
    """Slack's rate limit tiers; `per_minute` is the floor each tier promises ("50+")."""

    TIER_1 = "Tier 1"
    TIER_2 = "Tier 2"
    TIER_3 = "Tier 3"
    TIER_4 = "Tier 4"
    SPECIAL = "Special"

    @property
    def per_minute(self) -> int | None:
        """Requests a minute the tier allows per method, workspace and app; None: special."""
        return _PER_MINUTE.get(self)


_PER_MINUTE = {Tier.TIER_1: 1, Tier.TIER_2: 20, Tier.TIER_3: 50, Tier.TIER_4: 100}


class Conversation(enum.StrEnum):
    """Conversation types, as users.conversations' `types` names them."""

    PUBLIC = "public_channel"
    PRIVATE = "private_channel"
    IM = "im"
    MPIM = "mpim"


@dataclass(frozen=True)
class SlackMethod:
    """One Web API method: the bot scopes it takes, and its rate tier."""

    name: str
    # Any one of these lets the call through, as the method's page lists them for bot
    # tokens. Empty: no scope needed (views.*, auth.test, chat.getPermalink...).
    scopes: tuple[str, ...]
    tier: Tier
    # Conversations API methods need only the scope of the conversation's type ("You only
    # need the scopes corresponding to that conversation type"), so the needed scope
    # depends on the channel (or, for users.conversations, on `types`).
    by_conversation: Mapping[Conversation, str] = field(default_factory=dict)
    # Only an app-level (xapp-) token may call it, with APP_TOKEN_SCOPES; not a bot token.
    app_token: bool = False
    # What a special tier allows, or a documented exception to the tier, in Slack's words.
    limits: str = ""
    # Slack's limits for apps distributed outside the Slack Marketplace, where stricter:
    # the tier, and the most objects a page may hold (`limit`).
    outside_marketplace_tier: Tier | None = None
    outside_marketplace_page_limit: int | None = None

    @property
    def source(self) -> str:
        return f"https://docs.slack.dev/reference/methods/{self.name}"

    def needed(self, conversations: Iterable[Conversation] = ()) -> tuple[str, ...]:
        """The scopes a call needs, one of which must be granted for each group returned.

        With the conversation types the call touches known, each type needs its own scope;
        otherwise any one of the method's scopes does.
        """
        types = [c for c in conversations if c in self.by_conversation]
        if types:
            return tuple(dict.fromkeys(self.by_conversation[c] for c in types))
        return self.scopes

    def missing(
        self, granted: Iterable[str], conversations: Iterable[Conversation] = ()
    ) -> str | None:
        """Slack's `needed` value when `granted` falls short, else None."""
        have = set(granted)
        types = [c for c in conversations if c in self.by_conversation]
        if types:
            lacking = [s for s in self.needed(types) if s not in have]
            return ",".join(lacking) or None
        if not self.scopes or have & set(self.scopes):
            return None
        return ",".join(self.scopes)


def _history(name: str) -> SlackMethod:
    return SlackMethod(
        name,
        ("channels:history", "groups:history", "im:history", "mpim:history"),
        Tier.TIER_3,
        by_conversation={
            Conversation.PUBLIC: "channels:history",
            Conversation.PRIVATE: "groups:history",
            Conversation.IM: "im:history",
            Conversation.MPIM: "mpim:history",
        },
        limits=(
            "Since 2025-05-29, for new installations of apps commercially distributed "
            "outside the Slack Marketplace (existing installations since 2026-03-03): "
            "1 request per minute, and `limit` at most 15 (default 15)."
        ),
        outside_marketplace_tier=Tier.TIER_1,
        outside_marketplace_page_limit=15,
    )


_READ_BY_TYPE = {
    Conversation.PUBLIC: "channels:read",
    Conversation.PRIVATE: "groups:read",
    Conversation.IM: "im:read",
    Conversation.MPIM: "mpim:read",
}

_ALL = [
    # Its page lists no bot scope: only an app-level token with connections:write calls it.
    SlackMethod("apps.connections.open", ("connections:write",), Tier.TIER_1, app_token=True),
    SlackMethod("auth.test", (), Tier.SPECIAL, limits="Special rate limits apply."),
    SlackMethod(
        "chat.postMessage",
        ("chat:write",),
        Tier.SPECIAL,
        limits="About 1 message per second per channel, short bursts allowed.",
    ),
    SlackMethod("chat.postEphemeral", ("chat:write",), Tier.TIER_4),
    SlackMethod("chat.update", ("chat:write",), Tier.TIER_3),
    SlackMethod(
        "chat.getPermalink",
        (),
        Tier.SPECIAL,
        limits="Hundreds of requests per minute.",
    ),
    SlackMethod("reactions.add", ("reactions:write",), Tier.TIER_3),
    SlackMethod("reactions.remove", ("reactions:write",), Tier.TIER_2),
    SlackMethod("views.open", (), Tier.TIER_4),
    SlackMethod("views.update", (), Tier.TIER_4),
    SlackMethod("views.publish", (), Tier.TIER_4),
    SlackMethod("users.info", ("users:read",), Tier.TIER_4),
    SlackMethod(
        "users.conversations",
        tuple(_READ_BY_TYPE.values()),
        Tier.TIER_3,
        by_conversation=_READ_BY_TYPE,
    ),
    SlackMethod(
        "conversations.info",
        tuple(_READ_BY_TYPE.values()),
        Tier.TIER_3,
        by_conversation=_READ_BY_TYPE,
    ),
    _history("conversations.history"),
    _history("conversations.replies"),
    SlackMethod(
        "conversations.open",
        ("channels:manage", "groups:write", "im:write", "mpim:write"),
        Tier.TIER_3,
        # One user opens a DM, several a group DM; resuming by `channel` goes by its type.
        by_conversation={
            Conversation.PUBLIC: "channels:manage",
            Conversation.PRIVATE: "groups:write",
            Conversation.IM: "im:write",
            Conversation.MPIM: "mpim:write",
        },
    ),
    # Not served by the stand-in yet, nor called by Factdesk: listed so that joining
    # public channels (issue 14, point 6) meets the scope it needs.
    SlackMethod("conversations.join", ("channels:join",), Tier.TIER_3),
    SlackMethod("files.getUploadURLExternal", ("files:write",), Tier.TIER_4),
    SlackMethod("files.completeUploadExternal", ("files:write",), Tier.TIER_4),
    SlackMethod("oauth.v2.access", (), Tier.TIER_4),
]

METHODS: Mapping[str, SlackMethod] = {method.name: method for method in _ALL}

# Bot events and the bot scope each needs to be subscribed to (event pages' "Required
# scopes"); an event missing here needs none.
EVENT_SCOPES: Mapping[str, str] = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
}


def _manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"no Slack app manifest at {path}")
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a Slack app manifest")
    return loaded


def manifest_bot_scopes(path: Path = DEFAULT_MANIFEST) -> frozenset[str]:
    """The bot scopes an app made from the manifest at `path` is granted on install."""
    scopes = (_manifest(path).get("oauth_config") or {}).get("scopes") or {}
    return frozenset(str(scope) for scope in scopes.get("bot") or [])


def manifest_events(path: Path = DEFAULT_MANIFEST) -> frozenset[str]:
    """The bot events the manifest at `path` subscribes to."""
    settings = _manifest(path).get("settings") or {}
    events = (settings.get("event_subscriptions") or {}).get("bot_events") or []
    return frozenset(str(event) for event in events)
