"""Multi-workspace installs: slack_sdk's SQLAlchemy installation and OAuth state stores on
our database (tables from migration 0007), and each team's bot token."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sqlalchemy import select

from factdesk.db import engine_for
from factdesk.oauth_tables import (
    SLACK_BOTS_TABLE,
    SLACK_INSTALLATIONS_TABLE,
    SLACK_OAUTH_STATES_TABLE,
)
from factdesk.settings import Settings

if TYPE_CHECKING:
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

# An install link is good for ten minutes, as Slack's own examples have it.
STATE_EXPIRATION_SECONDS = 600

_stores: dict[tuple[str, str], SQLAlchemyInstallationStore] = {}
_stores_lock = threading.Lock()


def installation_store(settings: Settings) -> SQLAlchemyInstallationStore:
    """The process's installation store for the configured app and database."""
    # Imported here: slack_sdk's module needs SQLAlchemy's asyncio extra (greenlet), which
    # only the OAuth mode uses.
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    key = (settings.resolved_database_url, settings.slack_client_id or "")
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = SQLAlchemyInstallationStore(
                client_id=settings.slack_client_id or "",
                engine=engine_for(settings.resolved_database_url),
                bots_table_name=SLACK_BOTS_TABLE,
                installations_table_name=SLACK_INSTALLATIONS_TABLE,
            )
        return store


def state_store(settings: Settings) -> SQLAlchemyOAuthStateStore:
    """The store of install links' one-time `state` values."""
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    return SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRATION_SECONDS,
        engine=engine_for(settings.resolved_database_url),
        table_name=SLACK_OAUTH_STATES_TABLE,
    )


def bot_token(settings: Settings, *, team_id: str) -> str | None:
    """The bot token of the newest install in `team_id`, or None when the app is not
    (or no longer) installed there."""
    store = installation_store(settings)
    bots = store.bots.c
    # Not store.find_bot(): without the Enterprise Grid org's id, which articles don't
    # keep, it matches only workspaces outside any org. A team id is unique across orgs.
    newest = (
        select(bots.bot_token)
        .where(
            bots.client_id == store.client_id,
            bots.team_id == team_id,
            bots.bot_token.is_not(None),
        )
        .order_by(bots.installed_at.desc())
        .limit(1)
    )
    with store.engine.connect() as connection:
        token = connection.scalar(newest)
    return str(token) if token is not None else None
