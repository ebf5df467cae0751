"""Reopen: take a verdict or a dismissal back."""

from __future__ import annotations

from bot import task_changes
from factdesk.services import claims

handle_reopen_task = task_changes.button_listener(claims.reopen)
