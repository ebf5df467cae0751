"""Who may call what on the stand-in: tokens and scopes, auth.test, Socket Mode's
apps.connections.open, and OAuth v2 installs (the consent page and oauth.v2.access).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

from standin.slack_methods import APP_TOKEN_SCOPES, METHODS, Conversation
from standin.slack_workspace import LOOPBACK_HOSTS, ApiError, SlackWorkspace

# The one Web API method an app-level (xapp-) token may call.
APP_TOKEN_METHOD = "apps.connections.open"  # noqa: S105 -- a method name, not a secret


class AuthMethods(SlackWorkspace):
    """Token and scope checks, auth.test, apps.connections.open and OAuth v2."""

    def _token_ok(self, token: str) -> bool:
        if token in self._revoked:
            return False
        if self._tokens is not None:
            return token in self._tokens
        return token.startswith(("xoxb-", "xoxp-", "xapp-"))

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
        if not redirect or urlsplit(redirect).hostname not in LOOPBACK_HOSTS:
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
            raise ApiError("socket_mode_not_enabled")
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
