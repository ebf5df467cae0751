"""The dialogs a thread opens pass Block Kit's rules and ask for what the channel needs."""

from __future__ import annotations

import json
from typing import Any

from factdesk.ids import CallbackId
from factdesk.models import ClaimStatus
from factdesk.render import dialogs
from standin.blockkit import validate_view
from tests.factdesk.render.rows import claim as claim_row


def _inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_verdict_modal_asks_for_what_the_channel_requires() -> None:
    view = dialogs.verdict_modal(
        claim_row(),
        ClaimStatus.DISPUTED,
        number=3,
        total=12,
        channel_id="C1",
        evidence_required=True,
    )

    assert validate_view(view) == []
    assert view["callback_id"] == CallbackId.VERDICT_MODAL
    assert view["title"]["text"] == "Mark as Disputed"
    assert view["submit"]["text"] == "Save verdict"
    assert json.loads(view["private_metadata"]) == {
        "claim_id": 7,
        "status": "disputed",
        "channel_id": "C1",
    }
    inputs = _inputs(view)
    assert list(inputs) == ["note", "evidence", "explanation"]
    assert inputs["note"]["optional"] is False
    assert inputs["evidence"]["optional"] is False
    assert "needs at least one for Disputed" in str(inputs["evidence"]["hint"])
    assert inputs["explanation"]["optional"] is True
    assert all(b["element"]["multiline"] for b in inputs.values())


def test_changing_a_verdict_starts_from_the_current_one() -> None:
    claim = claim_row(
        status=ClaimStatus.CONFIRMED,
        verdict_note="Matches the report.",
        evidence_urls=["https://a.example/1", "https://b.example/2"],
        rating_explanation="Exact figure.",
    )

    view = dialogs.verdict_modal(
        claim, ClaimStatus.UNVERIFIED, number=1, total=1, channel_id="C1", evidence_required=False
    )

    inputs = _inputs(view)
    assert inputs["note"]["optional"] is True
    assert inputs["evidence"]["optional"] is True
    assert "Optional for Unverified" in str(inputs["evidence"]["hint"])
    assert inputs["note"]["element"]["initial_value"] == "Matches the report."
    assert inputs["evidence"]["element"]["initial_value"] == (
        "https://a.example/1\nhttps://b.example/2"
    )
    assert inputs["explanation"]["element"]["initial_value"] == "Exact figure."
    assert validate_view(view) == []


def test_an_added_claim_must_be_written_and_short_enough() -> None:
    assert dialogs.add_claim_problem("") == "Write the claim you want to add."
    too_long = "x" * (dialogs.ADD_CLAIM_LIMIT + 1)
    assert dialogs.add_claim_problem(too_long) == "Keep the claim under 1000 characters."
    assert dialogs.add_claim_problem("Crime fell 40% last year.") is None
