"""Multi-workspace installs over HTTP: Bolt's OAuth flow on /slack/install and
/slack/oauth_redirect, with slack_sdk's SQLAlchemy stores on our database.

A workspace that uninstalls the app (or revokes its bot token) loses its installation
row (bot/listeners/events/app_uninstalled.py, tokens_revoked.py), so Bolt stops
authorizing its requests and the workers stop posting there.
"""

from __future__ import annotations

from slack_bolt.oauth.oauth_settings import OAuthSettings

from factdesk.services import installations
from factdesk.settings import Settings, secret

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
