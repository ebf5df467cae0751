"""Verdicts through the dialog: note, evidence links, the channel's rules, who may judge."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from factdesk.ids import ActionId
from factdesk.models import ChannelSettings, ClaimStatus, EventAction
from tests.bot.interactions import (
    click_as,
    metadata,
    stored_claim,
    submit,
    thread_lines,
    verdict_modal,
    wait_for_text,
    wait_told,
)
from tests.conftest import System

pytestmark = pytest.mark.scenario

CHANNEL = "C0DESK2"
TEAM = "T0FACTDESK"
BEN, ANA, CARL, EDITOR, ADMIN = "U0BEN", "U0ANA", "U0CARL", "U0EDIT", "U0ADMIN"
REPORT = "https://gov.example/figures/2024"

Thread = tuple[str, str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def thread(system: System) -> Thread:
    system.slack.add_channel(CHANNEL, "desk-verdicts")
    system.slack.add_user(CARL, "carl")
    system.slack.add_user(EDITOR, "edith")
    system.slack.add_user(ADMIN, "adele", is_admin=True)
    with system.session() as session:
        session.add(ChannelSettings(slack_team_id=TEAM, slack_channel_id=CHANNEL, editors=[EDITOR]))
    link = system.pages.article_url("north-korean-troops-russia.html")
    ts = system.share(f"<{link}>", channel=CHANNEL)
    system.wait_until_done(ts, channel=CHANNEL)
    messages = system.slack.thread(CHANNEL, ts)
    return ts, messages[0]["ts"], messages[1:]


def _claimed(system: System, task: dict[str, Any], user: str) -> dict[str, Any]:
    click_as(system, task, ActionId.CLAIM_TASK, user=user, channel=CHANNEL)
    return wait_for_text(system, CHANNEL, task["ts"], f"Claimed by <@{user}>")


def _lines_about(system: System, root: str, needle: str) -> list[str]:
    return [line for line in thread_lines(system, CHANNEL, root) if needle in line]


def test_dispute_with_a_note_and_evidence(system: System, thread: Thread) -> None:
    root, summary_ts, tasks = thread
    task = _claimed(system, tasks[0], BEN)

    view = verdict_modal(system, task, ActionId.MARK_DISPUTED, user=BEN, channel=CHANNEL)

    assert view["title"]["text"] == "Mark as Disputed"
    assert metadata(view)["channel_id"] == CHANNEL
    answered = submit(
        system,
        view,
        user=BEN,
        answers={
            "note": "The Pentagon said 'up to' 10,000 troops; the story states it as fact.",
            "evidence": f"{REPORT}\n\n  https://www.archive.example/briefing  \n",
            "explanation": None,
        },
    )

    assert answered is None, "a valid verdict closes the dialog"
    updated = wait_for_text(system, CHANNEL, task["ts"], "(disputed)")
    blocks = str(updated["blocks"])
    assert ":x: Disputed by <@U0BEN>" in blocks
    assert "The Pentagon said" in blocks
    assert f"<{REPORT}|gov.example>" in blocks
    assert "<https://www.archive.example/briefing|archive.example>" in blocks
    assert ActionId.REOPEN_TASK.value in blocks
    claim = stored_claim(system, task["ts"])
    assert claim.evidence_urls == [REPORT, "https://www.archive.example/briefing"]
    assert [(e.action, e.from_value, e.to_value) for e in claim.events][-1] == (
        EventAction.STATUS_CHANGED,
        "open",
        "disputed",
    )
    summary = wait_for_text(system, CHANNEL, summary_ts, "1 of ")
    assert "1 disputed" in str(summary["blocks"])
    system.slack.wait_for(lambda s: bool(_lines_about(system, root, "marked claim 1")))
    assert _lines_about(system, root, "marked claim 1") == [
        ":x: <@U0BEN> marked claim 1 *Disputed*: The Pentagon said 'up to' 10,000 troops; "
        "the story states it as fact. (2 evidence links)"
    ]


def test_a_bad_link_keeps_the_dialog_open_with_slacks_errors_shape(
    system: System, thread: Thread
) -> None:
    _, _, tasks = thread
    view = verdict_modal(system, tasks[1], ActionId.MARK_CONFIRMED, user=ANA, channel=CHANNEL)

    answered = submit(
        system, view, user=ANA, answers={"note": None, "evidence": f"{REPORT}\nsee the report"}
    )

    assert answered == {
        "response_action": "errors",
        "errors": {
            "evidence": "“see” is not a web link. Put one full link (https://…) on each line."
        },
    }
    claim = stored_claim(system, tasks[1]["ts"])
    assert (claim.status, claim.assignee, claim.events) == (ClaimStatus.OPEN, None, [])


def test_disputed_needs_a_note_and_confirmed_needs_evidence(system: System, thread: Thread) -> None:
    _, _, tasks = thread
    disputed = verdict_modal(system, tasks[2], ActionId.MARK_DISPUTED, user=ANA, channel=CHANNEL)
    confirmed = verdict_modal(system, tasks[2], ActionId.MARK_CONFIRMED, user=ANA, channel=CHANNEL)

    no_note = submit(system, disputed, user=ANA, answers={"note": "  ", "evidence": REPORT})
    no_evidence = submit(system, confirmed, user=ANA, answers={"note": "Checked.", "evidence": ""})

    assert no_note is not None
    assert no_note["response_action"] == "errors"
    assert set(no_note["errors"]) == {"note"}
    assert "note is required for Disputed" in no_note["errors"]["note"]
    assert no_evidence is not None
    assert set(no_evidence["errors"]) == {"evidence"}
    assert "at least one evidence link for Confirmed" in no_evidence["errors"]["evidence"]
    assert stored_claim(system, tasks[2]["ts"]).status is ClaimStatus.OPEN


def test_someone_else_is_told_why_and_gets_no_dialog(system: System, thread: Thread) -> None:
    _, _, tasks = thread
    task = _claimed(system, tasks[3], BEN)
    views_before = len(system.slack.views())

    key = click_as(system, task, ActionId.MARK_CONFIRMED, user=CARL, channel=CHANNEL)

    told = wait_told(system, key, "Only <@U0BEN> (who claimed this task)")
    assert "editors" in told
    assert len(system.slack.views()) == views_before
    assert stored_claim(system, task["ts"]).status is ClaimStatus.OPEN


def test_a_task_claimed_while_the_dialog_was_open_is_refused_in_the_dialog(
    system: System, thread: Thread
) -> None:
    _, _, tasks = thread
    view = verdict_modal(system, tasks[4], ActionId.MARK_UNVERIFIED, user=CARL, channel=CHANNEL)
    _claimed(system, tasks[4], BEN)

    answered = submit(system, view, user=CARL, answers={"note": "Could not reach the source."})

    assert answered is not None
    assert answered["response_action"] == "errors"
    assert "Only <@U0BEN>" in answered["errors"]["note"]
    assert stored_claim(system, tasks[4]["ts"]).status is ClaimStatus.OPEN


def test_editors_and_admins_may_change_anyones_verdict(system: System, thread: Thread) -> None:
    root, _, tasks = thread
    task = tasks[0]  # disputed by its assignee in the first test
    wait_for_text(system, CHANNEL, task["ts"], "Disputed by <@U0BEN>")

    for judge, status, action in (
        (EDITOR, ClaimStatus.UNVERIFIED, ActionId.MARK_UNVERIFIED),
        (ADMIN, ClaimStatus.CONFIRMED, ActionId.MARK_CONFIRMED),
    ):
        current = system.slack.message(CHANNEL, task["ts"])
        view = verdict_modal(system, current, action, user=judge, channel=CHANNEL)
        prefilled = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"][1:]}
        answered = submit(
            system,
            view,
            user=judge,
            answers={"note": prefilled["note"], "evidence": prefilled["evidence"]},
        )

        assert answered is None, judge
        assert prefilled["evidence"], "changing a verdict starts from the current evidence"
        wait_for_text(system, CHANNEL, task["ts"], f"({status.value})")
        claim = stored_claim(system, task["ts"])
        assert (claim.status, claim.status_set_by, claim.assignee) == (status, judge, BEN)
        announced = f"<@{judge}> changed claim 1"
        system.slack.wait_for(lambda s: bool(_lines_about(system, root, announced)))  # noqa: B023
    assert [e.actor for e in claim.events if e.action is EventAction.STATUS_CHANGED] == [
        BEN,
        EDITOR,
        ADMIN,
    ]


def test_a_channel_can_drop_the_evidence_rule(system: System, thread: Thread) -> None:
    _, _, tasks = thread
    with system.session() as session:
        row = session.scalars(
            select(ChannelSettings).where(ChannelSettings.slack_channel_id == CHANNEL)
        ).one()
        row.evidence_required_for = []
    try:
        view = verdict_modal(system, tasks[5], ActionId.MARK_CONFIRMED, user=ANA, channel=CHANNEL)
        hints = str(view["blocks"])

        answered = submit(system, view, user=ANA, answers={"note": None, "evidence": None})

        assert "Optional for Confirmed in this channel" in hints
        assert answered is None
        wait_for_text(system, CHANNEL, tasks[5]["ts"], "(confirmed)")
        claim = stored_claim(system, tasks[5]["ts"])
        assert (claim.status, claim.assignee, claim.evidence_urls) == (
            ClaimStatus.CONFIRMED,
            ANA,
            [],
        )
    finally:
        with system.session() as session:
            session.scalars(
                select(ChannelSettings).where(ChannelSettings.slack_channel_id == CHANNEL)
            ).one().evidence_required_for = None
