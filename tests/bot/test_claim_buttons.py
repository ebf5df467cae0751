"""Claim and verdict buttons: signed interaction requests, DB changes, messages updated."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from factdesk.ids import ActionId
from factdesk.models import Claim, ClaimEvent, ClaimStatus
from tests.conftest import System

pytestmark = pytest.mark.scenario

CHANNEL = "C0NEWSDESK"


@pytest.fixture(scope="module")
def thread(system: System) -> tuple[str, list[dict[str, Any]]]:
    ts = system.share(f"<{system.pages.article_url('north-korean-troops-russia.html')}>")
    system.wait_until_done(ts)
    messages = system.slack.thread(CHANNEL, ts)
    return messages[0]["ts"], messages[1:]


def _claim(system: System, slack_ts: str) -> Claim:
    with system.session() as session:
        claim = session.scalars(select(Claim).where(Claim.slack_ts == slack_ts)).one()
        claim.events  # noqa: B018  # load the audit trail before the session closes
        return claim


def _updated(system: System, ts: str, needle: str) -> dict[str, Any]:
    system.slack.wait_for(lambda s: needle in s.message(CHANNEL, ts)["text"], timeout=20)
    return system.slack.message(CHANNEL, ts)


def test_claim_then_dispute(system: System, thread: tuple[str, list[dict[str, Any]]]) -> None:
    summary_ts, tasks = thread
    task = tasks[0]

    system.click(task, ActionId.CLAIM_TASK, user="U0BEN")
    system.slack.wait_for(
        lambda s: "Claimed by <@U0BEN>" in str(s.message(CHANNEL, task["ts"])["blocks"])
    )
    claim = _claim(system, task["ts"])
    assert claim.assignee == "U0BEN"
    assert claim.status is ClaimStatus.OPEN

    system.click(system.slack.message(CHANNEL, task["ts"]), ActionId.MARK_DISPUTED, user="U0BEN")
    updated = _updated(system, task["ts"], "(disputed)")

    claim = _claim(system, task["ts"])
    assert claim.status is ClaimStatus.DISPUTED
    assert claim.status_set_by == "U0BEN"
    assert [(e.action, e.from_value, e.to_value) for e in claim.events] == [
        ("claimed", None, "U0BEN"),
        ("status_changed", "open", "disputed"),
    ]
    blocks = str(updated["blocks"])
    assert "Disputed* by <@U0BEN>" in blocks or ":x: Disputed by <@U0BEN>" in blocks
    assert ActionId.CLAIM_TASK.value not in blocks, "a claimed task offers no Claim button"
    summary = _updated(system, summary_ts, f"1 of {len(tasks)} checked")
    assert "1 disputed" in str(summary["blocks"])
    updates = [c for c in system.slack.calls_to("chat.update") if c.args["ts"] == task["ts"]]
    assert len(updates) == 2


def test_someone_else_cannot_take_a_claimed_task(
    system: System, thread: tuple[str, list[dict[str, Any]]]
) -> None:
    _, tasks = thread
    task = tasks[1]
    system.click(task, ActionId.CLAIM_TASK, user="U0BEN")
    system.slack.wait_for(
        lambda s: "Claimed by <@U0BEN>" in str(s.message(CHANNEL, task["ts"])["blocks"])
    )

    system.click(task, ActionId.CLAIM_TASK, user="U0ANA")  # a stale copy still shows the button

    def told(slack) -> bool:  # type: ignore[no-untyped-def]
        return any(
            c.args.get("user") == "U0ANA"
            and "already claimed by <@U0BEN>" in c.args.get("text", "")
            for c in slack.calls_to("chat.postEphemeral")
        )

    system.slack.wait_for(told, timeout=20)
    assert _claim(system, task["ts"]).assignee == "U0BEN"


def test_confirm_without_claiming_first(
    system: System, thread: tuple[str, list[dict[str, Any]]]
) -> None:
    _, tasks = thread
    task = tasks[2]

    system.click(task, ActionId.MARK_CONFIRMED, user="U0ANA")

    _updated(system, task["ts"], "(confirmed)")
    claim = _claim(system, task["ts"])
    assert (claim.status, claim.assignee) == (ClaimStatus.CONFIRMED, "U0ANA")


def test_a_button_for_a_deleted_claim_is_explained(
    system: System, thread: tuple[str, list[dict[str, Any]]]
) -> None:
    _, tasks = thread
    stale = {
        **tasks[3],
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ActionId.CLAIM_TASK.value,
                        "value": "999999",
                        "text": {"type": "plain_text", "text": "Claim"},
                    }
                ],
            }
        ],
    }

    system.click(stale, ActionId.CLAIM_TASK, user="U0ANA")

    system.slack.wait_for(
        lambda s: any(
            "no longer exists" in c.args.get("text", "") for c in s.calls_to("chat.postEphemeral")
        ),
        timeout=20,
    )
    with system.session() as session:
        assert session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == 999999)).all() == []
