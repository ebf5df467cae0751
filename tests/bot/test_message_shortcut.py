""" "Fact-check this message": the message's own text and its links become tasks in its thread."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from factdesk.ids import ActionId, CallbackId
from factdesk.models import Article, ArticleSource, ArticleState
from standin.signing import message_action, post_interaction
from tests.conftest import SIGNING_SECRET, System

pytestmark = pytest.mark.scenario

TEAM = "T0SHORTCUT"
CHANNEL = "C0SHORTCUT"


def _statement(link: str) -> str:
    return (
        "At the council meeting <@U0BEN> said violent crime fell 40% in 2023, the biggest "
        "drop since 1990. He added that the city spent $2.3 billion on policing last year, "
        f"according to <{link}|the city's own budget figures>."
    )


@pytest.fixture(scope="module", autouse=True)
def channel(system: System) -> None:
    system.slack.add_channel(CHANNEL, "shortcut")


def _run_shortcut(system: System, ts: str) -> list[dict[str, Any]]:
    """Run the shortcut on a stored message as U0ANA; the ephemeral answers it got."""
    key = f"shortcut-{uuid.uuid4().hex[:8]}"
    payload = message_action(
        callback_id=CallbackId.FACTCHECK_MESSAGE,
        message=system.slack.message(CHANNEL, ts),
        user="U0ANA",
        channel=CHANNEL,
        team_id=TEAM,
        response_url=system.slack.response_url(key),
    )
    status, body = post_interaction(system.events_url, payload, SIGNING_SECRET)
    assert status == 200, body
    system.slack.wait_for(
        lambda s: any(c.path.endswith(key) for c in s.calls_to("response_url")), timeout=10
    )
    return [c.args for c in system.slack.calls_to("response_url") if c.path.endswith(key)]


def _articles(system: System, ts: str) -> list[Article]:
    with system.session() as session:
        return list(
            session.scalars(
                select(Article).where(Article.slack_message_ts == ts).order_by(Article.id)
            )
        )


def test_the_message_text_becomes_tasks_in_its_thread(system: System) -> None:
    release = system.pages.article_url("press-release.txt")
    ts = system.slack.add_message(CHANNEL, _statement(release), user="U0BEN")

    [answer] = _run_shortcut(system, ts)

    assert answer["response_type"] == "ephemeral"
    assert "the claims in its text and the link" in answer["text"]
    system.slack.wait_for(
        lambda _: [a.state for a in _articles(system, ts)] == [ArticleState.DONE] * 2, timeout=60
    )
    own, link = _articles(system, ts)
    assert own.source is ArticleSource.MESSAGE
    assert own.url == f"https://factdesk-demo.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}"
    assert own.text is not None
    assert "@U0BEN said violent crime fell 40% in 2023" in own.text
    assert "according to the city's own budget figures." in own.text
    assert "<" not in own.text
    assert link.url == release
    assert link.source is ArticleSource.LINK
    thread = system.slack.thread(CHANNEL, ts)
    summaries = [m for m in thread if m["text"].startswith(("I read", "1 claim", "2 claims"))]
    assert any("this message" in m["text"] for m in summaries)
    tasks = [m for m in thread if m["text"].startswith("Claim ")]
    assert any("40%" in m["text"] for m in tasks)
    actions = {
        e.get("action_id") for m in tasks for b in m["blocks"] for e in b.get("elements", [])
    }
    assert ActionId.CLAIM_TASK in actions

    # Running it again finds the same articles: nothing is posted twice.
    posted = len(thread)
    _run_shortcut(system, ts)
    assert len(_articles(system, ts)) == 2
    assert len(system.slack.thread(CHANNEL, ts)) == posted


def test_a_reply_gets_its_tasks_in_the_same_thread(system: System) -> None:
    root = system.slack.add_message(CHANNEL, "Notes from the council meeting below.", user="U0BEN")
    text = _statement(system.pages.article_url("press-release.txt"))
    reply = system.slack.add_message(CHANNEL, text, user="U0BEN", thread_ts=root)

    _run_shortcut(system, reply)

    system.slack.wait_for(
        lambda _: ArticleState.DONE in [a.state for a in _articles(system, reply)], timeout=60
    )
    [own] = [a for a in _articles(system, reply) if a.source is ArticleSource.MESSAGE]
    assert own.slack_thread_ts == root
    assert any("this message" in m["text"] for m in system.slack.thread(CHANNEL, root))


def test_a_message_with_nothing_to_check_is_explained(system: System) -> None:
    ts = system.slack.add_message(CHANNEL, "wow, really?", user="U0BEN")

    [answer] = _run_shortcut(system, ts)

    assert "no text in that message" in answer["text"]
    assert _articles(system, ts) == []
