"""The tables of slack_sdk's OAuth stores, which keep each workspace's install."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, func

from factdesk.model_base import Base

# slack_sdk's OAuth stores (multi-workspace installs; migration 0007): the tables of
# SQLAlchemyInstallationStore and SQLAlchemyOAuthStateStore, column for column, which
# read and write them (factdesk/services/installations.py). Declared here, not imported
# from slack_sdk, because its module needs SQLAlchemy's asyncio extra at import.
SLACK_BOTS_TABLE = "slack_bots"
SLACK_INSTALLATIONS_TABLE = "slack_installations"
SLACK_OAUTH_STATES_TABLE = "slack_oauth_states"


def _slack_team_columns() -> list[Column[Any]]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]


def _slack_bot_columns() -> list[Column[Any]]:
    return [
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
    ]


slack_bots = Table(
    SLACK_BOTS_TABLE,
    Base.metadata,
    *_slack_team_columns(),
    *_slack_bot_columns(),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(f"{SLACK_BOTS_TABLE}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
slack_installations = Table(
    SLACK_INSTALLATIONS_TABLE,
    Base.metadata,
    *_slack_team_columns(),
    Column("enterprise_url", String(200)),
    *_slack_bot_columns(),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(
        f"{SLACK_INSTALLATIONS_TABLE}_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)
slack_oauth_states = Table(
    SLACK_OAUTH_STATES_TABLE,
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
