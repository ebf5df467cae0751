""" "@factdesk <link>": a mention of the bot, delivered as Slack does (an `app_mention` event
and, where the bot reads the channel, a `message` event for the same message)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from factdesk.models import Article, ArticleState, ChannelSettings
from standin.signing import DEFAULT_BOT_USER_ID, app_mention_event, message_event, post_event
from tests.conftest import SIGNING_SECRET, System

pytestmark = pytest.mark.scenario

TEAM = "T0MENTION"
BY_COMMAND = "C0MENTIONCMD"  # links are checked only when asked for
AUTO = "C0MENTIONAUTO"  # links in any message are checked
BOT = f"<@{DEFAULT_BOT_USER_ID}>"


@pytest.fixture(scope="module", autouse=True)
def channels(system: System) -> None:
    system.slack.add_channel(BY_COMMAND, "mention-by-command")
    system.slack.add_channel(AUTO, "mention-auto")
    with system.session() as session:
        session.add(
            ChannelSettings(slack_team_id=TEAM, slack_channel_id=BY_COMMAND, auto_links=False)
        )


def _mention(system: System, channel: str, text: str, *, together: bool = True) -> str:
    """A person posts `text` mentioning the bot; Slack delivers its `message` and its
    `app_mention` events, at once as separate deliveries do arrive."""
    ts = system.slack.add_message(channel, text, user="U0ANA")
    shape = {"text": text, "channel": channel, "user": "U0ANA", "ts": ts, "team_id": TEAM}
    envelopes = [message_event(**shape), app_mention_event(**shape)]
    answers: list[tuple[int, str]] = []

    def deliver(envelope: dict[str, Any]) -> None:
        answers.append(post_event(system.events_url, envelope, SIGNING_SECRET))

    threads = [threading.Thread(target=deliver, args=(e,)) for e in envelopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert [status for status, _ in answers] == [200, 200], answers
    return ts


def _articles(system: System, channel: str, ts: str) -> list[Article]:
    with system.session() as session:
        query = select(Article).where(
            Article.slack_channel_id == channel, Article.slack_message_ts == ts
        )
        return list(session.scalars(query))


def _claim_tasks(system: System, channel: str, ts: str) -> list[dict[str, Any]]:
    return [m for m in system.slack.thread(channel, ts) if m["text"].startswith("Claim ")]


def test_a_mention_with_a_link_checks_it_where_links_are_checked_by_command_only(
    system: System,
) -> None:
    link = system.pages.article_url("press-release.txt")

    ts = _mention(system, BY_COMMAND, f"{BOT} can you check <{link}>?")

    assert system.wait_until_done(ts, channel=BY_COMMAND) == "white_check_mark"
    [article] = _articles(system, BY_COMMAND, ts)
    assert article.state is ArticleState.DONE
    assert article.slack_thread_ts == ts  # the thread hangs on the mention itself
    assert _claim_tasks(system, BY_COMMAND, ts)


def test_a_mention_where_links_are_checked_anyway_makes_one_set_of_tasks(
    system: System,
) -> None:
    link = system.pages.article_url("north-korean-troops-russia.html")

    ts = _mention(system, AUTO, f"{BOT} <{link}>")

    assert system.wait_until_done(ts, channel=AUTO) == "white_check_mark"
    # Both events were handled; one article for the link in this thread, one set of tasks.
    [article] = _articles(system, AUTO, ts)
    tasks = _claim_tasks(system, AUTO, ts)
    assert tasks
    assert len({t["text"] for t in tasks}) == len(tasks)
    with system.session() as session:
        stored = session.get(Article, article.id)
        assert stored is not None
        assert len(tasks) == len([c for c in stored.claims if c.slack_ts is not None])


def test_a_mention_without_a_link_gets_a_short_help_in_its_thread(system: System) -> None:
    ts = _mention(system, BY_COMMAND, f"{BOT} hello, what can you do?")

    system.slack.wait_for(lambda s: bool(s.thread(BY_COMMAND, ts)), timeout=15)
    [reply] = system.slack.thread(BY_COMMAND, ts)
    assert "Mention me with a link to an article" in reply["text"]
    assert "/factcheck help" in reply["text"]
    assert _articles(system, BY_COMMAND, ts) == []
