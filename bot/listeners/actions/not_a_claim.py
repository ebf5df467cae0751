"""Not a claim: dismiss a task and keep the sentence as feedback."""

from __future__ import annotations

from bot import task_changes
from factdesk.services import claims

handle_not_a_claim = task_changes.button_listener(claims.dismiss)
