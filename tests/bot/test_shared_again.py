"""The same story shared again gets a pointer to its thread, not a second extraction."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from factdesk.models import Article, ArticleState, ChannelSettings, Claim
from standin.signing import post_command, slash_command
from tests.conftest import SIGNING_SECRET, System, share_in

pytestmark = pytest.mark.scenario

TEAM = "T0AGAIN"
FIRST, SECOND, THIRD, QUIET, COMMANDS = "C0AGAIN1", "C0AGAIN2", "C0AGAIN3", "C0AGAIN4", "C0AGAIN5"
SEED = "north-korean-troops-russia.html"


@pytest.fixture(scope="module")
def original(system: System) -> dict[str, Any]:
    """The seed article's thread in the first channel, done."""
    for channel in (FIRST, SECOND, THIRD, QUIET, COMMANDS):
        system.slack.add_channel(channel, channel.lower())
    ts = share_in(system, f"<{system.pages.article_url(SEED)}>", team=TEAM, channel=FIRST)
    assert system.wait_until_done(ts, channel=FIRST) == "white_check_mark"
    summary, *tasks = system.slack.thread(FIRST, ts)
    return {"ts": ts, "summary": summary, "tasks": tasks}


def _articles(system: System, ts: str) -> list[Article]:
    with system.session() as session:
        return list(
            session.scalars(
                select(Article).where(Article.slack_message_ts == ts).order_by(Article.id)
            )
        )


def _seed_fetches(system: System) -> int:
    return sum(1 for _, target in system.pages.requests if SEED in target)


def _thread_link(channel: str, original: dict[str, Any]) -> str:
    """The thread's summary, the link that opens the thread, as mrkdwn writes it."""
    summary = original["summary"]["ts"].replace(".", "")
    return (
        f"<https://factdesk-demo.slack.com/archives/{channel}/p{summary}"
        f"?thread_ts={original['ts']}&amp;cid={channel}|Open the thread>"
    )


def _command(system: System, text: str) -> dict[str, Any]:
    form = slash_command(
        command="/factcheck",
        text=text,
        user="U0BEN",
        channel=COMMANDS,
        team_id=TEAM,
        response_url=system.slack.response_url(f"again-{time.monotonic_ns()}"),
    )
    status, body = post_command(system.events_url, form, SIGNING_SECRET)
    assert status == 200, body
    answer: dict[str, Any] = json.loads(body)
    return answer


def test_a_tracked_variant_in_another_channel_points_at_the_thread(
    system: System, original: dict[str, Any]
) -> None:
    fetches = _seed_fetches(system)
    link = system.pages.article_url(SEED) + "?utm_source=newsletter&fbclid=abc#comments"

    ts = share_in(system, f"Has anyone seen this? <{link}>", team=TEAM, channel=SECOND)

    assert system.wait_until_done(ts, channel=SECOND) == "white_check_mark"
    [reply] = system.slack.thread(SECOND, ts)
    total = len(original["tasks"])
    assert f"Already being checked in <#{FIRST}>: 0 of {total} checked" in reply["text"]
    assert _thread_link(FIRST, original) in reply["text"]
    [article] = _articles(system, ts)
    assert article.state is ArticleState.DUPLICATE
    [first] = _articles(system, original["ts"])
    assert article.duplicate_of_id == first.id
    assert _seed_fetches(system) == fetches, "a known link is not fetched again"


def test_a_link_found_to_be_the_same_story_by_its_canonical_link(
    system: System, original: dict[str, Any]
) -> None:
    # An address the bot has not seen: only the page's canonical link shows it is the seed.
    link = system.pages.article_url(SEED) + "?edition=uk"

    ts = share_in(system, f"<{link}>", team=TEAM, channel=THIRD)

    assert system.wait_until_done(ts, channel=THIRD) == "white_check_mark"
    [reply] = system.slack.thread(THIRD, ts)
    assert f"Already being checked in <#{FIRST}>" in reply["text"]
    assert _thread_link(FIRST, original) in reply["text"]
    [article] = _articles(system, ts)
    assert article.state is ArticleState.DUPLICATE
    with system.session() as session:
        claims = session.scalars(select(Claim).where(Claim.article_id == article.id)).all()
    assert claims == []


def test_factcheck_answers_with_the_thread_and_again_starts_over(
    system: System, original: dict[str, Any]
) -> None:
    link = system.pages.article_url(SEED)

    answer = _command(system, link)

    assert answer["response_type"] == "ephemeral"
    assert f"Already being checked in <#{FIRST}>" in answer["text"]
    assert _thread_link(FIRST, original) in answer["text"]
    assert "again" in answer["text"]

    answer = _command(system, f"{link} again")

    assert "On it" in answer["text"]

    def fresh(_: Any = None) -> list[Article]:
        with system.session() as session:
            return list(
                session.scalars(
                    select(Article).where(
                        Article.slack_channel_id == COMMANDS, Article.slack_team_id == TEAM
                    )
                )
            )

    system.slack.wait_for(lambda _: [a.state for a in fresh()] == [ArticleState.DONE], timeout=60)
    [article] = fresh()
    assert article.slack_thread_ts is not None
    summary, *tasks = system.slack.thread(COMMANDS, article.slack_thread_ts)
    assert "to check in" in summary["text"]
    assert len(tasks) == len(original["tasks"])


def test_links_are_left_alone_where_auto_links_is_off(system: System) -> None:
    with system.session() as session:
        session.add(ChannelSettings(slack_team_id=TEAM, slack_channel_id=QUIET, auto_links=False))

    ts = share_in(
        system, f"<{system.pages.article_url('press-release.txt')}>", team=TEAM, channel=QUIET
    )

    time.sleep(1)  # the listener runs after the ack; give it time to do something wrong
    assert _articles(system, ts) == []
    assert system.slack.thread(QUIET, ts) == []
