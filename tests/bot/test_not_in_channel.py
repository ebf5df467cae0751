"""A check asked for in a channel the bot has not joined: Slack refuses its posts with
`not_in_channel`, and the person who asked hears what to do, through their request's
response_url, once; asking again after inviting the bot works."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from factdesk.ids import CallbackId
from factdesk.models import Article, ArticleState
from standin.signing import message_action, post_command, post_interaction, slash_command
from standin.slack_api import SlackStandIn
from tests.conftest import SIGNING_SECRET, System

pytestmark = pytest.mark.scenario

# A workspace each, so the shortcut's link is not already checked by the command's test.
COMMAND_TEAM, SHORTCUT_TEAM = "T0NOTJOINED", "T0NOTJOINED2"
COMMAND_CHANNEL = "C0NOTJOINCMD"
SHORTCUT_CHANNEL = "C0NOTJOINSHORT"
USER = "U0ANA"


@pytest.fixture(scope="module", autouse=True)
def channels(system: System) -> None:
    system.slack.add_channel(COMMAND_CHANNEL, "not-joined-cmd", is_member=False)
    system.slack.add_channel(SHORTCUT_CHANNEL, "not-joined-shortcut", is_member=False)


def _answers(slack: SlackStandIn, key: str) -> list[dict[str, Any]]:
    return [c.args for c in slack.calls_to("response_url") if c.path.endswith(f"/{key}")]


def _factcheck(system: System, link: str, key: str) -> str:
    form = slash_command(
        command="/factcheck",
        text=link,
        user=USER,
        channel=COMMAND_CHANNEL,
        team_id=COMMAND_TEAM,
        response_url=system.slack.response_url(key),
    )
    status, body = post_command(system.events_url, form, SIGNING_SECRET)
    assert status == 200, body
    return str(json.loads(body)["text"])


def _shortcut(system: System, ts: str, key: str) -> None:
    payload = message_action(
        callback_id=CallbackId.FACTCHECK_MESSAGE,
        message=system.slack.message(SHORTCUT_CHANNEL, ts),
        user=USER,
        channel=SHORTCUT_CHANNEL,
        team_id=SHORTCUT_TEAM,
        response_url=system.slack.response_url(key),
    )
    status, body = post_interaction(system.events_url, payload, SIGNING_SECRET)
    assert status == 200, body


def _articles(system: System, channel: str) -> list[Article]:
    with system.session() as session:
        query = select(Article).where(Article.slack_channel_id == channel).order_by(Article.id)
        return list(session.scalars(query))


def _wait_for_states(system: System, channel: str, states: list[ArticleState]) -> None:
    system.slack.wait_for(
        lambda _: [a.state for a in _articles(system, channel)] == states, timeout=60
    )


def test_factcheck_in_a_channel_without_the_bot_says_to_invite_it(system: System) -> None:
    link = system.pages.article_url("press-release.txt")
    key = f"notjoined-{uuid.uuid4().hex[:8]}"

    assert "On it" in _factcheck(system, link, key)

    system.slack.wait_for(lambda s: bool(_answers(s, key)), timeout=60)
    [notice] = _answers(system.slack, key)
    assert notice["response_type"] == "ephemeral"
    assert notice["replace_original"] is False
    assert f"<#{COMMAND_CHANNEL}>" in notice["text"]
    assert "/invite @factdesk" in notice["text"]
    assert f"/factcheck {link}" in notice["text"]
    [failed] = _articles(system, COMMAND_CHANNEL)
    assert failed.state is ArticleState.FAILED
    assert failed.response_url is None  # used, and not kept

    # Invited, the same command checks the link.
    system.slack.add_channel(COMMAND_CHANNEL, "not-joined-cmd", is_member=True)
    assert "On it" in _factcheck(system, link, f"{key}-again")
    _wait_for_states(system, COMMAND_CHANNEL, [ArticleState.FAILED, ArticleState.DONE])
    assert any(link in m["text"] for m in system.slack.messages(COMMAND_CHANNEL))


def test_the_shortcut_in_a_channel_without_the_bot_says_so_once_and_can_be_run_again(
    system: System,
) -> None:
    release = system.pages.article_url("press-release.txt")
    text = (
        "The mayor said violent crime fell 40% in 2023, the biggest drop since 1990, and "
        f"that the city spent $2.3 billion on policing last year: <{release}>"
    )
    ts = system.slack.add_message(SHORTCUT_CHANNEL, text, user="U0BEN")
    key = f"notjoined-{uuid.uuid4().hex[:8]}"

    _shortcut(system, ts, key)

    # The message's text and its link both fail; the person hears it once.
    _wait_for_states(system, SHORTCUT_CHANNEL, [ArticleState.FAILED] * 2)
    system.slack.wait_for(lambda s: len(_answers(s, key)) == 2, timeout=10)
    time.sleep(0.5)  # a second notice would be on its way by now
    accepted, notice = _answers(system.slack, key)
    assert "On it" in accepted["text"]
    assert notice["response_type"] == "ephemeral"
    assert "/invite @factdesk" in notice["text"]
    assert "*Fact-check this message*" in notice["text"]

    system.slack.add_channel(SHORTCUT_CHANNEL, "not-joined-shortcut", is_member=True)
    _shortcut(system, ts, f"{key}-again")

    _wait_for_states(system, SHORTCUT_CHANNEL, [ArticleState.DONE] * 2)
    thread = system.slack.thread(SHORTCUT_CHANNEL, ts)
    assert any(m["text"].startswith("Claim ") for m in thread)
