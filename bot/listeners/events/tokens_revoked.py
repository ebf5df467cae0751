"""A workspace revoked the app's tokens: without its bot token the install is gone."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners

from bot import deps
from factdesk.services import installations


def handle_tokens_revoked(
    event: dict[str, Any], context: BoltContext, logger: logging.Logger
) -> None:
    store = installations.installation_store(deps.settings(context))
    TokenRevocationListeners(store).handle_tokens_revoked_events(event, context)
    if (event.get("tokens") or {}).get("bot"):
        # The bot token is the only one Factdesk uses; user tokens are never stored.
        store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
    logger.info("tokens revoked team_id=%s: installation deleted", context.team_id)
