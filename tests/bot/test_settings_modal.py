"""`/factcheck settings`: the modal opens, a bad value comes back as Slack's field errors,
a good one is saved and confirmed; once a channel has editors only they (or admins) may."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from factdesk.ids import CallbackId
from factdesk.models import ClaimStatus
from factdesk.services import channels
from standin.signing import post_command, slash_command, submit_view_state
from standin.slack_api import SlackStandIn
from tests.conftest import SIGNING_SECRET, System

pytestmark = pytest.mark.scenario

CHANNEL = "C0DESKSET"
EDITOR, OTHER, ADMIN = "U0SETED", "U0SETOTHER", "U0SETADMIN"
TEAM = "T0FACTDESK"

GOOD: dict[str, str | list[str] | None] = {
    "claim_cap": "8",
    "evidence_required_for": ["disputed"],
    "editors": [EDITOR],
    "auto_links": "command",
    "digest_enabled": "on",
    "digest_weekday": "2",
    "digest_hour": "14",
    "digest_timezone": "Europe/Lisbon",
}


@pytest.fixture(scope="module", autouse=True)
def workspace(system: System) -> None:
    system.slack.add_channel(CHANNEL, "deskset")
    system.slack.add_user(EDITOR, "seted")
    system.slack.add_user(OTHER, "setother")
    system.slack.add_user(ADMIN, "setadmin", is_admin=True)


def _command(system: System, user: str) -> tuple[int, str]:
    form = slash_command(
        command="/factcheck",
        text="settings",
        user=user,
        channel=CHANNEL,
        response_url=system.slack.response_url(f"set-{uuid.uuid4().hex[:8]}"),
    )
    return post_command(system.events_url, form, SIGNING_SECRET)


def _open(system: System, user: str) -> dict[str, Any]:
    """Run `/factcheck settings` in CHANNEL as `user`; the modal the bot opened."""
    before = len(system.slack.calls_to("views.open"))
    status, body = _command(system, user)
    assert (status, body) == (200, "")
    system.slack.wait_for(lambda s: len(s.calls_to("views.open")) > before, timeout=10)
    call = system.slack.calls_to("views.open")[-1]
    assert call.response["ok"], call.response
    view: dict[str, Any] = call.response["view"]
    assert view["callback_id"] == CallbackId.SETTINGS_MODAL
    return view


@pytest.fixture(scope="module")
def first_view(system: System, workspace: None) -> dict[str, Any]:
    """The modal as OTHER saw it while the channel had no editors."""
    return _open(system, OTHER)


def _submit(
    system: System, view: dict[str, Any], user: str, **changes: str | list[str] | None
) -> dict[str, Any] | None:
    status, body = submit_view_state(
        system.events_url, SIGNING_SECRET, view=view, user=user, answers={**GOOD, **changes}
    )
    assert status == 200, body
    return json.loads(body) if body else None


def _config(system: System) -> channels.Config:
    with system.session() as session:
        return channels.config(session=session, team_id=TEAM, channel_id=CHANNEL, default_cap=15)


def test_bad_values_come_back_as_field_errors(system: System, first_view: dict[str, Any]) -> None:
    view = first_view
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["claim_cap"]["initial_value"] == "15"
    assert "Anyone in the channel can change these settings" in json.dumps(view)

    answer = _submit(system, view, OTHER, claim_cap="0", digest_timezone="Mars/Olympus")

    assert answer is not None
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"claim_cap", "digest_timezone"}
    assert "from 1 to 45" in answer["errors"]["claim_cap"]
    assert _config(system).claim_cap == 15, "nothing is saved"


def test_good_values_are_saved_and_confirmed(system: System) -> None:
    view = _open(system, OTHER)

    assert _submit(system, view, OTHER) is None

    assert _config(system) == channels.Config(
        claim_cap=8,
        evidence_required_for=frozenset({ClaimStatus.DISPUTED}),
        editors=(EDITOR,),
        auto_links=False,
        digest_enabled=True,
        digest_weekday=2,
        digest_hour=14,
        digest_timezone="Europe/Lisbon",
    )

    def confirmed(slack: SlackStandIn) -> bool:
        return any(
            m["user"] == OTHER and "Saved the Factdesk settings" in m["text"]
            for m in slack.ephemeral_messages(CHANNEL)
        )

    system.slack.wait_for(confirmed, timeout=10)


def test_once_there_are_editors_only_they_or_admins_may_change_them(
    system: System, first_view: dict[str, Any]
) -> None:
    stale = first_view
    assert _config(system).editors == (EDITOR,), "runs after the settings above are saved"

    status, body = _command(system, OTHER)
    refused = _submit(system, stale, OTHER, claim_cap="3")

    assert status == 200
    assert "Only this channel's editors (<@U0SETED>)" in json.loads(body)["text"]
    assert refused is not None
    assert "Only this channel's editors" in refused["errors"]["editors"]
    view = _open(system, EDITOR)
    assert "Only this channel's editors and workspace admins" in json.dumps(view)
    assert _submit(system, view, EDITOR, claim_cap="3") is None
    assert _submit(system, _open(system, ADMIN), ADMIN, claim_cap="4") is None
    assert _config(system).claim_cap == 4


def test_a_dialog_slack_will_not_open_is_answered_in_the_ack(system: System) -> None:
    # Told in the command's own answer, every time (the dialog opens before the ack).
    for _ in range(5):
        system.slack.fail_next("views.open", "expired_trigger_id")
        status, body = _command(system, ADMIN)
        assert status == 200
        answer = json.loads(body)
        assert answer["response_type"] == "ephemeral"
        assert answer["text"].startswith(":warning:")
