"""Claim, Release and Reassign: signed interaction requests, DB changes, messages updated."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from factdesk.ids import ActionId
from factdesk.models import ClaimEvent, ClaimStatus, EventAction
from tests.bot.interactions import (
    answers,
    click_as,
    pick_as,
    stored_claim,
    thread_lines,
    wait_for_text,
    wait_told,
)
from tests.conftest import System

pytestmark = pytest.mark.scenario

CHANNEL = "C0NEWSDESK"


@pytest.fixture(scope="module")
def thread(system: System) -> tuple[str, str, list[dict[str, Any]]]:
    ts = system.share(f"<{system.pages.article_url('north-korean-troops-russia.html')}>")
    system.wait_until_done(ts)
    messages = system.slack.thread(CHANNEL, ts)
    return ts, messages[0]["ts"], messages[1:]


def test_claim_shows_on_the_task_and_in_the_tally(
    system: System, thread: tuple[str, str, list[dict[str, Any]]]
) -> None:
    root, summary_ts, tasks = thread
    task = tasks[0]

    key = click_as(system, task, ActionId.CLAIM_TASK, user="U0BEN", channel=CHANNEL)

    updated = wait_for_text(system, CHANNEL, task["ts"], "Claimed by <@U0BEN>")
    claim = stored_claim(system, task["ts"])
    assert (claim.assignee, claim.status) == ("U0BEN", ClaimStatus.OPEN)
    assert [(e.action, e.actor, e.to_value) for e in claim.events] == [
        (EventAction.CLAIMED, "U0BEN", "U0BEN")
    ]
    actions = str(updated["blocks"])
    assert ActionId.CLAIM_TASK.value not in actions, "a claimed task offers no Claim button"
    assert ActionId.RELEASE_TASK.value in actions
    assert "Reassign to…" in actions
    wait_for_text(system, CHANNEL, summary_ts, "1 claimed")
    assert answers(system.slack, key) == [], "a successful claim needs no ephemeral"
    assert not any("claim 1" in line for line in thread_lines(system, CHANNEL, root)), (
        "a plain claim is shown on the task, not announced"
    )


def test_someone_else_cannot_take_a_claimed_task(
    system: System, thread: tuple[str, str, list[dict[str, Any]]]
) -> None:
    _, _, tasks = thread
    task = tasks[1]
    click_as(system, task, ActionId.CLAIM_TASK, user="U0BEN", channel=CHANNEL)
    wait_for_text(system, CHANNEL, task["ts"], "Claimed by <@U0BEN>")

    # A stale copy of the message still shows the Claim button.
    key = click_as(system, task, ActionId.CLAIM_TASK, user="U0ANA", channel=CHANNEL)

    wait_told(system, key, "already claimed by <@U0BEN>")
    claim = stored_claim(system, task["ts"])
    assert claim.assignee == "U0BEN"
    assert [e.action for e in claim.events] == [EventAction.CLAIMED]


def test_release_then_reassign_with_the_user_menu(
    system: System, thread: tuple[str, str, list[dict[str, Any]]]
) -> None:
    root, _, tasks = thread
    task = tasks[2]
    click_as(system, task, ActionId.CLAIM_TASK, user="U0BEN", channel=CHANNEL)
    claimed = wait_for_text(system, CHANNEL, task["ts"], "Claimed by <@U0BEN>")

    click_as(system, claimed, ActionId.RELEASE_TASK, user="U0BEN", channel=CHANNEL)

    released = wait_for_text(system, CHANNEL, task["ts"], "Assign to…")
    assert stored_claim(system, task["ts"]).assignee is None
    system.slack.wait_for(
        lambda s: any(
            "<@U0BEN> released claim 3" in line for line in thread_lines(system, CHANNEL, root)
        )
    )

    pick_as(
        system,
        released,
        ActionId.REASSIGN_TASK,
        selected="U0ANA",
        user="U0BEN",
        channel=CHANNEL,
    )

    wait_for_text(system, CHANNEL, task["ts"], "Claimed by <@U0ANA>")
    claim = stored_claim(system, task["ts"])
    assert claim.assignee == "U0ANA"
    assert [(e.action, e.from_value, e.to_value) for e in claim.events] == [
        (EventAction.CLAIMED, None, "U0BEN"),
        (EventAction.RELEASED, "U0BEN", None),
        (EventAction.REASSIGNED, None, "U0ANA"),
    ]
    system.slack.wait_for(
        lambda s: (
            "<@U0BEN> assigned claim 3 to <@U0ANA>." in str(thread_lines(system, CHANNEL, root))
        )
    )


def test_only_the_assignee_or_an_editor_may_hand_a_task_on(
    system: System, thread: tuple[str, str, list[dict[str, Any]]]
) -> None:
    _, _, tasks = thread
    task = tasks[3]
    click_as(system, task, ActionId.CLAIM_TASK, user="U0BEN", channel=CHANNEL)
    claimed = wait_for_text(system, CHANNEL, task["ts"], "Claimed by <@U0BEN>")

    key = pick_as(
        system,
        claimed,
        ActionId.REASSIGN_TASK,
        selected="U0ANA",
        user="U0ANA",
        channel=CHANNEL,
    )

    told = wait_told(system, key, "claimed by <@U0BEN>")
    assert "editors" in told
    assert stored_claim(system, task["ts"]).assignee == "U0BEN"


def test_a_button_for_a_deleted_claim_is_explained(
    system: System, thread: tuple[str, str, list[dict[str, Any]]]
) -> None:
    _, _, tasks = thread
    stale = {
        **tasks[4],
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

    key = click_as(system, stale, ActionId.CLAIM_TASK, user="U0ANA", channel=CHANNEL)

    wait_told(system, key, "no longer exists")
    with system.session() as session:
        assert session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == 999999)).all() == []
