"""`/factcheck` and its subcommands: signed slash commands, answered ephemerally."""

from __future__ import annotations

import json
import uuid

import pytest

from bot.subcommands import Request, Word, parse
from factdesk.errors import BadArgument, InvalidLink
from factdesk.ids import CallbackId
from factdesk.models import ClaimStatus
from factdesk.services import claims
from standin.signing import post_command, slash_command
from standin.slack_api import RecordedCall, SlackStandIn
from tests.bot.desk_rows import seed_thread
from tests.conftest import SIGNING_SECRET, System

pytestmark = pytest.mark.scenario

CHANNEL = "C0DESKCMD"
OTHER = "C0DESKCMD2"
USER = "U0DESKCMD"
WORKSPACE = "https://factdesk-demo.slack.com/"
STORY = "https://news.example/desk-command-story?id=7"
BOT_AGENT = "factdesk-bot"


def _run(system: System, text: str, *, user: str = "U0ANA", channel: str = "C0GENERAL") -> str:
    """Run `/factcheck text`; the text of the ephemeral answer in the ack."""
    form = slash_command(
        command="/factcheck",
        text=text,
        user=user,
        channel=channel,
        response_url=system.slack.response_url(f"cmd-{uuid.uuid4().hex[:8]}"),
    )
    status, body = post_command(system.events_url, form, SIGNING_SECRET)
    assert status == 200, body
    if not body.startswith("{"):
        return body  # a plain-text ack: Slack shows it to the person alone
    answer = json.loads(body)
    assert answer.get("response_type", "ephemeral") == "ephemeral"
    return str(answer["text"])


@pytest.fixture(scope="module")
def thread(system: System) -> list[int]:
    """A checked link in CHANNEL: one task claimed by USER, one judged, the rest open."""
    system.slack.add_user(USER, "deskcmd")
    system.slack.add_channel(CHANNEL, "deskcmd")
    system.slack.add_channel(OTHER, "deskcmd2")
    _, ids = seed_thread(system, channel=CHANNEL, url=STORY, claims=4)
    with system.session() as session:
        claims.claim_task(session=session, claim_id=ids[0], user_id=USER)
        claims.set_status(
            session=session,
            claim_id=ids[1],
            user_id="U0ANA",
            status=ClaimStatus.CONFIRMED,
        )
    return ids


def test_link_gets_an_ephemeral_answer_and_a_thread(system: System) -> None:
    link = system.pages.article_url("press-release.txt")

    answer = _run(system, link)

    assert "On it" in answer

    def anchored(slack: SlackStandIn) -> bool:
        return any(
            link in m["text"] and "asked me to fact-check" in m["text"]
            for m in slack.messages("C0GENERAL")
        )

    system.slack.wait_for(anchored, timeout=30)
    anchor = next(
        m
        for m in system.slack.messages("C0GENERAL")
        if link in m["text"] and "asked me" in m["text"]
    )
    system.slack.wait_for(
        lambda s: any("to check in" in m["text"] for m in s.thread("C0GENERAL", anchor["ts"])),
        timeout=60,
    )


@pytest.mark.parametrize("text", ["", "help", "HELP"])
def test_help_lists_every_subcommand(system: System, text: str) -> None:
    answer = _run(system, text)

    for word in ("&lt;link&gt;", "mine", "open [#channel]", "status &lt;link&gt;", "settings"):
        assert f"/factcheck {word}" in answer


def test_an_unknown_subcommand_shows_help(system: System) -> None:
    answer = _run(system, "exampl")

    assert answer.startswith(":warning: I don't know `exampl`.")
    assert "/factcheck mine" in answer


def test_not_a_link_is_explained(system: System) -> None:
    assert "I don't know `the`" in _run(system, "the mayor's speech")
    assert "isn't a full web link" in _run(system, "example.com/story")
    assert "doesn't look like a web link" in _run(system, "status nonsense")
    assert "only understand `again`" in _run(system, f"{STORY} please")


def test_mine_lists_my_open_tasks_with_thread_links(system: System, thread: list[int]) -> None:
    answer = _run(system, "mine", user=USER)

    assert "*Your open tasks (1)*" in answer
    assert "claim 0" in answer
    assert f"<{WORKSPACE}archives/{CHANNEL}/p" in answer
    assert f"&amp;cid={CHANNEL}|" in answer, "an & in a link is escaped as Slack asks"
    assert _run(system, "mine", user="U0BEN").startswith("Nothing assigned to you.")


def test_open_lists_the_channels_unclaimed_tasks(system: System, thread: list[int]) -> None:
    here = _run(system, "open", user=USER, channel=CHANNEL)
    picked = _run(system, f"open <#{CHANNEL}|deskcmd>", user=USER, channel=OTHER)
    elsewhere = _run(system, "open", user=USER, channel=OTHER)

    assert f"*Unclaimed tasks in <#{CHANNEL}> (2)*" in here
    assert ("claim 2" in here, "claim 3" in here, "claim 0" in here) == (True, True, False)
    assert picked == here
    assert elsewhere.startswith(f"Nothing unclaimed in <#{OTHER}>.")
    assert "can't tell which channel `#deskcmd` is" in _run(system, "open #deskcmd")


def test_status_shows_the_tally_and_the_thread(system: System, thread: list[int]) -> None:
    answer = _run(system, f"status <{STORY}&utm_source=newsletter>", channel=CHANNEL)

    assert "*1 of 4 checked*" in answer
    assert ":white_check_mark: 1 confirmed" in answer
    assert ":bust_in_silhouette: 1 claimed" in answer
    assert f"<{WORKSPACE}archives/{CHANNEL}/p" in answer
    assert "|Open the thread>" in answer


def test_status_of_a_new_link_says_how_to_check_it(system: System) -> None:
    answer = _run(system, "status https://news.example/never-shared")

    assert answer == (
        "https://news.example/never-shared hasn't been checked yet. "
        "Run `/factcheck https://news.example/never-shared` to check it."
    )
    assert "Add the link" in _run(system, "status")


def test_settings_opens_the_channel_modal(system: System, thread: list[int]) -> None:
    assert _run(system, "settings", user=USER, channel=CHANNEL) == ""

    def opened(slack: SlackStandIn) -> bool:
        return any(
            c.args["view"]["callback_id"] == CallbackId.SETTINGS_MODAL
            and CHANNEL in c.args["view"]["private_metadata"]
            for c in slack.calls_to("views.open")
            if c.response.get("ok")
        )

    system.slack.wait_for(opened, timeout=10)


def test_thread_links_need_no_api_call_per_answer(system: System, thread: list[int]) -> None:
    def bots(method: str) -> list[RecordedCall]:
        # The workers, other processes, may be asking too: only the bot's calls count.
        return [c for c in system.slack.calls_to(method) if c.user_agent.startswith(BOT_AGENT)]

    _run(system, "mine", user=USER)
    asked = len(bots("auth.test"))

    _run(system, "mine", user=USER)
    _run(system, "open", user=USER, channel=CHANNEL)

    assert asked >= 1, "the bot asked for its workspace's address once, and said who it is"
    assert len(bots("auth.test")) == asked
    assert bots("chat.getPermalink") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<https://news.example/a?b=1|news.example/a>",
            Request(Word.LINK, url="https://news.example/a?b=1"),
        ),
        (
            "https://news.example/a AGAIN",
            Request(Word.LINK, url="https://news.example/a", again=True),
        ),
        ("Mine", Request(Word.MINE)),
        ("  open  ", Request(Word.OPEN)),
        ("open <#C0ABCDEFGH|news>", Request(Word.OPEN, channel_id="C0ABCDEFGH")),
        ("open <#C0ABCDEFGH>", Request(Word.OPEN, channel_id="C0ABCDEFGH")),
        ("open C0ABCDEFGH", Request(Word.OPEN, channel_id="C0ABCDEFGH")),
        ("status <https://news.example/a>", Request(Word.STATUS, url="https://news.example/a")),
        ("settings", Request(Word.SETTINGS)),
        ("foo bar", Request(Word.UNKNOWN, text="foo")),
    ],
)
def test_parse(text: str, expected: Request) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("www.example.com", InvalidLink),
        ("http://", InvalidLink),
        ("status example", InvalidLink),
        ("status", BadArgument),
        ("settings now", BadArgument),
        ("open #news", BadArgument),
        ("open <#C0ABCDEFGH> <#C0ABCDEFGI>", BadArgument),
        ("https://news.example/a twice", BadArgument),
    ],
)
def test_parse_refuses_bad_arguments(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse(text)
