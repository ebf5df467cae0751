"""A channel's settings modal passes Block Kit's rules and reads back what was chosen."""

from __future__ import annotations

import json

import pytest

from factdesk.ids import CallbackId
from factdesk.models import ClaimStatus
from factdesk.render import channel_settings
from factdesk.services.channels import Config
from standin.blockkit import validate_view
from standin.signing import view_state
from tests.factdesk.render.rows import DEFAULT_CONFIG


def test_settings_modal_is_prefilled_and_reads_back() -> None:
    current = Config(
        claim_cap=7,
        evidence_required_for=frozenset({ClaimStatus.DISPUTED}),
        editors=("U0ANA",),
        auto_links=False,
        digest_enabled=False,
        digest_weekday=4,
        digest_hour=17,
        digest_timezone="Europe/Berlin",
    )

    view = channel_settings.settings_modal("C0DESK", current)

    assert validate_view(view) == []
    assert view["callback_id"] == CallbackId.SETTINGS_MODAL.value
    assert channel_settings.settings_channel(view) == "C0DESK"
    assert "Only this channel's editors" in json.dumps(view)
    values = view_state(
        view,
        {
            "claim_cap": "7",
            "evidence_required_for": ["disputed"],
            "editors": ["U0ANA"],
            "auto_links": "command",
            "digest_enabled": "off",
            "digest_weekday": "4",
            "digest_hour": "17",
            "digest_timezone": "Europe/Berlin",
        },
    )
    assert channel_settings.read_settings(values) == current
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["claim_cap"]["initial_value"] == "7"
    assert inputs["editors"]["initial_users"] == ["U0ANA"]
    assert inputs["digest_weekday"]["initial_option"]["value"] == "4"


def test_settings_modal_defaults_say_anyone_may_change_them() -> None:
    view = channel_settings.settings_modal("C0DESK", DEFAULT_CONFIG)

    assert validate_view(view) == []
    assert "Anyone in the channel can change these settings" in json.dumps(view)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert [o["value"] for o in inputs["evidence_required_for"]["initial_options"]] == [
        "confirmed",
        "disputed",
    ]
    assert "initial_users" not in inputs["editors"]
    assert inputs["digest_hour"]["initial_option"]["text"]["text"] == "09:00"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"claim_cap": "twelve"}, -1),
        ({"claim_cap": None}, -1),
        ({"claim_cap": " 12 "}, 12),
    ],
)
def test_unreadable_numbers_fail_the_check(answers: dict[str, str | None], expected: int) -> None:
    view = channel_settings.settings_modal("C0DESK", DEFAULT_CONFIG)

    config = channel_settings.read_settings(view_state(view, answers))

    assert config.claim_cap == expected
    assert config.digest_timezone is None


def test_settings_saved_describes_the_choice() -> None:
    text = channel_settings.settings_saved("C0DESK", DEFAULT_CONFIG)

    assert text.startswith(":gear: Saved the Factdesk settings for <#C0DESK>: up to 15 claims")
    assert "evidence links needed for Confirmed and Disputed" in text
    assert "weekly digest on Mondays at 09:00 (the workspace's timezone)" in text
