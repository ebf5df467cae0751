"""A task's whole life in the thread: not a claim, reopen, and a summary that keeps up."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from sqlalchemy import select

from factdesk.ids import ActionId
from factdesk.models import ClaimFeedback, ClaimStatus, EventAction, FeedbackLabel
from tests.bot.interactions import (
    click_as,
    stored_claim,
    submit,
    thread_lines,
    verdict_modal,
    wait_for_text,
)
from tests.conftest import System

pytestmark = pytest.mark.scenario

CHANNEL = "C0DESK1"
Thread = tuple[str, str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def thread(system: System) -> Thread:
    system.slack.add_channel(CHANNEL, "desk-workflow")
    link = system.pages.article_url("north-korean-troops-russia.html")
    ts = system.share(f"<{link}>", channel=CHANNEL)
    system.wait_until_done(ts, channel=CHANNEL)
    messages = system.slack.thread(CHANNEL, ts)
    return ts, messages[0]["ts"], messages[1:]


def _counts(system: System, summary_ts: str) -> dict[str, int]:
    blocks = str(system.slack.message(CHANNEL, summary_ts)["blocks"])
    found = re.findall(r"(\d+) (confirmed|disputed|unverified|claimed|open)", blocks)
    return {name: int(count) for count, name in found}


def test_the_summary_offers_to_add_a_missed_claim(system: System, thread: Thread) -> None:
    _, summary_ts, _ = thread
    summary = system.slack.message(CHANNEL, summary_ts)
    assert ActionId.ADD_CLAIM.value in str(summary["blocks"])


def test_not_a_claim_dismisses_the_task_and_keeps_feedback(system: System, thread: Thread) -> None:
    root, summary_ts, tasks = thread
    task = tasks[0]
    before = _counts(system, summary_ts)

    click_as(system, task, ActionId.NOT_A_CLAIM, user="U0ANA", channel=CHANNEL)

    dismissed = wait_for_text(system, CHANNEL, task["ts"], "Not a claim — dismissed by <@U0ANA>")
    assert [e["action_id"] for e in dismissed["blocks"][-1]["elements"]] == [ActionId.REOPEN_TASK]
    claim = stored_claim(system, task["ts"])
    assert claim.status is ClaimStatus.DISMISSED
    with system.session() as session:
        feedback = session.scalars(
            select(ClaimFeedback).where(ClaimFeedback.claim_id == claim.id)
        ).one()
        assert (feedback.label, feedback.text, feedback.user_id) == (
            FeedbackLabel.NOT_A_CLAIM,
            claim.text,
            "U0ANA",
        )
    system.slack.wait_for(lambda s: _counts(system, summary_ts)["open"] == before["open"] - 1)
    assert "marked claim 1 as not a claim" in str(thread_lines(system, CHANNEL, root))

    click_as(system, dismissed, ActionId.REOPEN_TASK, user="U0ANA", channel=CHANNEL)

    wait_for_text(system, CHANNEL, task["ts"], ActionId.CLAIM_TASK.value)
    assert stored_claim(system, task["ts"]).status is ClaimStatus.OPEN
    system.slack.wait_for(lambda s: _counts(system, summary_ts) == before)
    assert "reopened claim 1 (was not a claim)" in str(thread_lines(system, CHANNEL, root))


def test_a_verdict_can_be_reopened(system: System, thread: Thread) -> None:
    root, summary_ts, tasks = thread
    task = tasks[1]
    click_as(system, task, ActionId.CLAIM_TASK, user="U0BEN", channel=CHANNEL)
    claimed = wait_for_text(system, CHANNEL, task["ts"], "Claimed by <@U0BEN>")
    view = verdict_modal(system, claimed, ActionId.MARK_UNVERIFIED, user="U0BEN", channel=CHANNEL)
    assert submit(system, view, user="U0BEN", answers={"note": "No source answered."}) is None
    judged = wait_for_text(system, CHANNEL, task["ts"], "(unverified)")
    system.slack.wait_for(lambda s: _counts(system, summary_ts).get("unverified") == 1)

    click_as(system, judged, ActionId.REOPEN_TASK, user="U0BEN", channel=CHANNEL)

    # Open again, and still U0BEN's: its fallback text says so, as its status line does.
    reopened = wait_for_text(system, CHANNEL, task["ts"], "(claimed)")
    assert "No source answered" not in str(reopened["blocks"])
    claim = stored_claim(system, task["ts"])
    assert (claim.status, claim.assignee, claim.verdict_note) == (ClaimStatus.OPEN, "U0BEN", None)
    assert [e.action for e in claim.events] == [
        EventAction.CLAIMED,
        EventAction.STATUS_CHANGED,
        EventAction.REOPENED,
    ]
    system.slack.wait_for(lambda s: _counts(system, summary_ts).get("unverified") == 0)
    lines = thread_lines(system, CHANNEL, root)
    assert sum("marked claim 2 *Unverified*: No source answered." in line for line in lines) == 1
    assert sum("reopened claim 2 (was Unverified)." in line for line in lines) == 1


def test_changes_landing_together_all_reach_the_summary(system: System, thread: Thread) -> None:
    _, summary_ts, tasks = thread
    picked = tasks[4:10]
    before = _counts(system, summary_ts)
    barrier = threading.Barrier(len(picked))

    def take(task: dict[str, Any], user: str) -> None:
        barrier.wait()
        click_as(system, task, ActionId.CLAIM_TASK, user=user, channel=CHANNEL)

    clickers = [
        threading.Thread(target=take, args=(task, f"U0DESK{n}")) for n, task in enumerate(picked)
    ]
    for clicker in clickers:
        clicker.start()
    for clicker in clickers:
        clicker.join(30)

    def settled(_: object) -> bool:
        counts = _counts(system, summary_ts)
        return counts["claimed"] == before["claimed"] + len(picked)

    system.slack.wait_for(settled, timeout=30)
    assert _counts(system, summary_ts)["open"] == before["open"] - len(picked)
