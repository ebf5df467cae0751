"""What every listener reads from Slack's payloads the same way: the workspace, a button's id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt import BoltContext

from factdesk.errors import InvalidRequest


def team_id(context: BoltContext, *payloads: Mapping[str, Any]) -> str:
    """The workspace a request comes from: Bolt's reading of the request (in a channel
    shared between workspaces, the one the app is installed in), else the first the
    payloads name; "" when none does."""
    if context.team_id:
        return context.team_id
    for payload in payloads:
        # Commands, event envelopes and views say `team_id`; an event says `team`, and a
        # click or a dialog's submission `team: {id}`.
        team = payload.get("team_id") or payload.get("team")
        if isinstance(team, Mapping):
            team = team.get("id")
        if team:
            return str(team)
    return ""


def button_id(action: Mapping[str, Any]) -> int:
    """The id a button carries as its value (a claim's, an article's or a match's)."""
    value = str(action.get("value", ""))
    if not value.isdigit():
        raise InvalidRequest(detail=f"{action.get('action_id')} value {value!r}")
    return int(value)
