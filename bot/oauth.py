"""Multi-workspace installs over HTTP: Bolt's OAuth flow on /slack/install and
/slack/oauth_redirect, and forgetting a workspace that removes the app.

A workspace that uninstalls the app (or revokes its bot token) loses its installation
row, so Bolt stops authorizing its requests and the workers stop posting there; its
articles, claims and verdicts stay in the database, for its exports and for a reinstall.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_bolt.oauth.oauth_settings import OAuthSettings

from factdesk.services import installations
from factdesk.settings import Settings, secret

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"


def authorize_url(settings: Settings) -> str:
    """Slack's consent page, or the stand-in's when SLACK_API_URL points at one."""
    if settings.slack_api_url:
        base = settings.slack_api_url.rstrip("/").removesuffix("/api")
        return f"{base}/oauth/v2/authorize"
    return SLACK_AUTHORIZE_URL


def oauth_settings(settings: Settings) -> OAuthSettings:
    """Bolt's OAuth flow with slack_sdk's SQLAlchemy stores on our database."""
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=secret(settings.slack_client_secret),
        scopes=settings.scopes,
        redirect_uri=settings.slack_install_redirect_url,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorize_url(settings),
        installation_store=installations.installation_store(settings),
        state_store=installations.state_store(settings),
        # The bot needs no user tokens: authorize requests by the workspace's bot.
        installation_store_bot_only=True,
    )


def register_uninstall(app: App) -> None:
    """Delete a workspace's installation when it removes the app or revokes its tokens."""
    store = app.installation_store
    assert store is not None, "OAuth mode has an installation store"
    revocation = TokenRevocationListeners(store)

    @app.event("app_uninstalled")
    def forget_workspace(context: BoltContext) -> None:
        revocation.handle_app_uninstalled_events(context)
        log.info("app uninstalled team_id=%s: installation deleted", context.team_id)

    @app.event("tokens_revoked")
    def forget_tokens(event: dict[str, Any], context: BoltContext) -> None:
        revocation.handle_tokens_revoked_events(event, context)
        if (event.get("tokens") or {}).get("bot"):
            # The bot token is the only one Factdesk uses; without it the install is gone.
            store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
        log.info("tokens revoked team_id=%s: installation deleted", context.team_id)
