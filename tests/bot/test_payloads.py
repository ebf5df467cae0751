"""Reading the workspace and a button's id from Slack's payloads, one way everywhere."""

from __future__ import annotations

import pytest
from slack_bolt import BoltContext

from bot.payloads import button_id, team_id
from factdesk.errors import InvalidRequest


def test_the_team_is_bolts_reading_of_the_request_when_it_has_one() -> None:
    # In a channel shared between workspaces Bolt reads the installing workspace from
    # the request's authorizations; the payload's own team is the sender's.
    context = BoltContext({"team_id": "T0INSTALLED"})

    assert team_id(context, {"team_id": "T0SENDER"}) == "T0INSTALLED"


@pytest.mark.parametrize(
    "payload",
    [
        {"team_id": "T0NAMED"},  # a command, an event envelope, a view
        {"team": "T0NAMED"},  # an event
        {"team": {"id": "T0NAMED", "domain": "newsroom"}},  # a click, a dialog submitted
    ],
)
def test_else_the_team_the_payload_names(payload: dict[str, object]) -> None:
    assert team_id(BoltContext(), payload) == "T0NAMED"


def test_the_first_payload_naming_a_team_wins_and_none_gives_an_empty_team() -> None:
    assert team_id(BoltContext(), {"team": None}, {"team_id": "T0VIEW"}) == "T0VIEW"
    assert team_id(BoltContext(), {}) == ""


def test_a_button_carries_its_id_as_its_value() -> None:
    assert button_id({"action_id": "claim_task", "value": "42"}) == 42


@pytest.mark.parametrize("value", ["", "4 2", "-1", "42; drop", None])
def test_a_button_without_a_number_is_an_invalid_request(value: object) -> None:
    with pytest.raises(InvalidRequest):
        button_id({"action_id": "claim_task", "value": value})
