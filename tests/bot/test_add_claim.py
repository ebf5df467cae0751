"""'Add a claim' on the summary: a dialog, then the claim is a task like any other."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from factdesk.archive_models import ArchiveEntry
from factdesk.ids import ActionId, CallbackId
from factdesk.models import Article, Claim, ClaimFeedback, ClaimOrigin, FeedbackLabel
from standin.signing import submit_view
from tests.conftest import SIGNING_SECRET, System, share_in

pytestmark = pytest.mark.scenario

TEAM = "T0ADDCLAIM"
CHANNEL = "C0ADDCLAIM"
MISSED = "The agency said the new plant will create 1,200 jobs by 2026."


@pytest.fixture(scope="module")
def thread(system: System) -> dict[str, Any]:
    system.slack.add_channel(CHANNEL, "addclaim")
    ts = share_in(
        system, f"<{system.pages.article_url('press-release.txt')}>", team=TEAM, channel=CHANNEL
    )
    assert system.wait_until_done(ts, channel=CHANNEL) == "white_check_mark"
    summary, *tasks = system.slack.thread(CHANNEL, ts)
    with system.session() as session:
        article = session.scalars(select(Article).where(Article.slack_message_ts == ts)).one()
    return {"ts": ts, "summary": summary, "tasks": tasks, "article_id": article.id}


def _open_dialog(system: System, thread: dict[str, Any]) -> dict[str, Any]:
    before = {view["id"] for view in system.slack.views()}
    system.click(thread["summary"], ActionId.ADD_CLAIM, user="U0BEN", channel=CHANNEL)
    system.slack.wait_for(lambda s: {v["id"] for v in s.views()} - before != set(), timeout=10)
    [view] = [v for v in system.slack.views() if v["id"] not in before]
    assert view["callback_id"] == CallbackId.ADD_CLAIM_MODAL
    assert view["private_metadata"] == str(thread["article_id"])
    return view


def _submit(system: System, view: dict[str, Any], text: str) -> str:
    status, body = submit_view(
        system.events_url, SIGNING_SECRET, view=view, user="U0BEN", answers={"claim": text}
    )
    assert status == 200, body
    return body


def test_an_added_claim_is_posted_as_a_task_and_kept_as_feedback(
    system: System, thread: dict[str, Any]
) -> None:
    view = _open_dialog(system, thread)

    assert _submit(system, view, f"  {MISSED}\n") == ""

    def posted(slack: Any) -> bool:
        return any(MISSED in m["text"] for m in slack.thread(CHANNEL, thread["ts"]))

    system.slack.wait_for(posted, timeout=30)
    total = len(thread["tasks"]) + 1
    system.slack.wait_for(
        lambda s: f"0 of {total} checked" in s.message(CHANNEL, thread["summary"]["ts"])["text"],
        timeout=30,
    )
    task = next(m for m in system.slack.thread(CHANNEL, thread["ts"]) if MISSED in m["text"])
    assert task["text"].startswith(f"Claim {total} of {total} (open)")
    with system.session() as session:
        claim = session.scalars(select(Claim).where(Claim.text == MISSED)).one()
        feedback = session.scalars(
            select(ClaimFeedback).where(ClaimFeedback.claim_id == claim.id)
        ).one()
        assert (claim.origin, claim.added_by, claim.slack_ts) == (
            ClaimOrigin.PERSON,
            "U0BEN",
            task["ts"],
        )
        assert [e.action for e in claim.events] == ["added"]
        assert (feedback.label, feedback.text, feedback.user_id) == (
            FeedbackLabel.CLAIM,
            MISSED,
            "U0BEN",
        )
        # In the archive with its vector, like the finder's claims: matchable once judged.
        entry = session.scalars(select(ArchiveEntry).where(ArchiveEntry.claim_id == claim.id)).one()
        assert entry.vector is not None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("   ", "Write the claim you want to add."),
        ("x" * 1001, "Keep the claim under 1000 characters."),
    ],
)
def test_a_bad_claim_keeps_the_dialog_open_with_the_problem(
    system: System, thread: dict[str, Any], text: str, problem: str
) -> None:
    view = _open_dialog(system, thread)

    answer = json.loads(_submit(system, view, text))

    assert answer == {"response_action": "errors", "errors": {"claim": problem}}


def test_a_sentence_already_on_the_desk_is_refused(system: System, thread: dict[str, Any]) -> None:
    with system.session() as session:
        existing = session.scalars(
            select(Claim).where(Claim.article_id == thread["article_id"]).order_by(Claim.id)
        ).first()
        assert existing is not None
        sentence = existing.text
    view = _open_dialog(system, thread)

    answer = json.loads(_submit(system, view, sentence))

    assert answer["response_action"] == "errors"
    assert "already a task" in answer["errors"]["claim"]
