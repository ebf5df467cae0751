"""The app removed from a workspace: its installation is deleted (OAuth mode only).

Its articles, claims and verdicts stay, for its exports and for a reinstall.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_bolt.listener.builtins import TokenRevocationListeners

from bot import deps
from factdesk.services import installations


def handle_app_uninstalled(context: BoltContext, logger: logging.Logger) -> None:
    store = installations.installation_store(deps.settings(context))
    TokenRevocationListeners(store).handle_app_uninstalled_events(context)
    logger.info("app uninstalled team_id=%s: installation deleted", context.team_id)
