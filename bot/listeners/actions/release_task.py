"""Release: give a task back to the pool."""

from __future__ import annotations

from bot import task_changes
from factdesk.services import claims

handle_release_task = task_changes.button_listener(claims.release)
