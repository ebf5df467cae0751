"""A hostile page through the whole desk: nothing it, or a person, writes goes live in Slack.

The seed page `hostile-mrkdwn.html` carries `<!channel>`, `<!here>`, `<!everyone>`,
`<@U0EVIL>`, `<#C0EVIL|general>`, `<http://evil.example|click>` and `A <b> & C` in its
title, site name, byline and claim sentences. Each test drives part of the desk through
signed requests and a real worker, then reads every payload the bot sent (and the acks it
answered with) the way Slack would: a live mention, or a link the bot did not make, is a
failure, and so is an `&` that starts no entity.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from factdesk.ids import ActionId, CallbackId
from factdesk.models import Article, Claim, utcnow
from standin.mrkdwn import mrkdwn_fields
from standin.signing import (
    app_home_opened,
    message_action,
    post_command,
    post_event,
    post_interaction,
    slash_command,
    submit_view,
)
from standin.slack_api import SlackStandIn
from tests.bot.interactions import click_as, submit, verdict_modal, wait_for_text
from tests.conftest import SIGNING_SECRET, System
from tests.hostile import HOSTILE, problems
from workers.context import WorkerContext
from workers.reminders import send_reminders

pytestmark = pytest.mark.scenario

CHANNEL = "C0HOSTILE"
OTHER = "C0HOSTILE2"
ANA, BEN = "U0ANA", "U0BEN"
PAGE = "hostile-mrkdwn.html"
# Evidence links people paste: a query with `&`, and a `|` that must not end the link.
EVIDENCE = "https://gov.example/report?year=2023&table=4"
PIPED = "https://gov.example/tables|harbor"
PIPED_AS_LINKED = "https://gov.example/tables%7Charbor"
ADDED = f"{HOSTILE} The port paid $9 million in fines in 2022, the harbor authority said."


class Walk:
    """The hostile thread: where it is, and which links the bot may make."""

    def __init__(self, system: System, start: int, root: str, summary: dict[str, Any]) -> None:
        self.system = system
        self.start = start  # the first call the walk made
        self.root = root
        self.summary = summary
        self.page = system.pages.article_url(PAGE)
        self.links = {self.page, f"{self.page}?x=1&y=2", EVIDENCE, PIPED_AS_LINKED}

    def tasks(self) -> list[dict[str, Any]]:
        return [m for m in self.system.slack.thread(CHANNEL, self.root) if _is_task(m)]

    def check(self, since: int, acks: Iterable[str] = ()) -> list[str]:
        """Every problem in what the bot sent since call `since`; asserts it sent something."""
        calls = self.system.slack.calls_since(since)
        payloads = [(f"{c.method} ", c.args) for c in calls] + [
            ("ack ", {"text": text}) for text in acks
        ]
        assert any(mrkdwn_fields(args) for _, args in payloads), "the walk sent nothing"
        return [
            problem
            for where, args in payloads
            for problem in problems(args, links=self.links, where=where)
        ]


def _is_task(message: dict[str, Any]) -> bool:
    return str(message.get("text", "")).startswith("Claim ")


@pytest.fixture(scope="module")
def walk(system: System) -> Walk:
    system.slack.add_channel(CHANNEL, "hostile")
    system.slack.add_channel(OTHER, "hostile-two")
    system.slack.set_members(CHANNEL, [ANA, BEN])
    start = len(system.slack.calls)
    link = system.pages.article_url(PAGE)

    ts = system.share(f"Worth a look <{link}>", channel=CHANNEL, user=ANA)

    assert system.wait_until_done(ts, channel=CHANNEL) == "white_check_mark"
    summary, *_ = system.slack.thread(CHANNEL, ts)
    return Walk(system, start, ts, summary)


def _command(system: System, text: str, *, user: str = BEN, channel: str = CHANNEL) -> str:
    form = slash_command(
        command="/factcheck",
        text=text,
        user=user,
        channel=channel,
        response_url=system.slack.response_url(f"hostile-{uuid.uuid4().hex[:8]}"),
    )
    status, body = post_command(system.events_url, form, SIGNING_SECRET)
    assert status == 200, body
    return str(json.loads(body)["text"]) if body.startswith("{") else body


def test_the_summary_and_tasks_show_the_page_and_ping_nobody(walk: Walk) -> None:
    tasks = walk.tasks()

    assert len(tasks) >= 5
    texts = " ".join(str(m["text"]) + json.dumps(m["blocks"]) for m in [walk.summary, *tasks])
    for shown in ("&lt;!here&gt;", "&lt;@U0EVIL&gt;", "&lt;#C0EVIL|general&gt;", "A &lt;b&gt;"):
        assert shown in texts, shown
    assert f"<{walk.page}|&lt;!channel&gt; Harbor budget" in walk.summary["text"]
    assert walk.check(walk.start) == []


def test_claims_verdicts_and_added_claims_ping_nobody(walk: Walk) -> None:
    system = walk.system
    start = len(system.slack.calls)
    with system.session() as session:
        # A byline as a site could send it, had extraction kept its brackets: the summary
        # is drawn again after the verdict below.
        article = session.scalars(select(Article).where(Article.slack_message_ts == walk.root))
        article.one().author = HOSTILE
    task = walk.tasks()[0]
    click_as(system, task, ActionId.CLAIM_TASK, user=BEN, channel=CHANNEL)
    claimed = wait_for_text(system, CHANNEL, task["ts"], f"Claimed by <@{BEN}>")
    assert "(claimed)" in claimed["text"]

    view = verdict_modal(system, claimed, ActionId.MARK_DISPUTED, user=BEN, channel=CHANNEL)
    answered = submit(
        system,
        view,
        user=BEN,
        answers={
            "note": HOSTILE,
            "evidence": f"{EVIDENCE}\n{PIPED}",
            "explanation": HOSTILE,
        },
    )
    assert answered is None
    judged = wait_for_text(system, CHANNEL, task["ts"], "(disputed)")
    assert f"<{EVIDENCE.replace('&', '&amp;')}|gov.example>" in json.dumps(judged["blocks"])
    system.slack.wait_for(
        lambda s: any("marked claim" in m["text"] for m in s.thread(CHANNEL, walk.root)),
        timeout=20,
    )
    redrawn = wait_for_text(system, CHANNEL, walk.summary["ts"], "1 disputed")
    assert "&lt;!subteam^S0EVIL|@all&gt;" in json.dumps(redrawn["blocks"]), "the byline"

    before = {v["id"] for v in system.slack.views()}
    system.click(walk.summary, ActionId.ADD_CLAIM, user=BEN, channel=CHANNEL)

    def dialogs(slack: SlackStandIn) -> list[dict[str, Any]]:
        # Home tabs republished meanwhile are views too; the dialog is the one opened here.
        return [
            v
            for v in slack.views()
            if v["id"] not in before and v.get("callback_id") == CallbackId.ADD_CLAIM_MODAL
        ]

    system.slack.wait_for(lambda s: bool(dialogs(s)), timeout=10)
    [dialog] = dialogs(system.slack)
    status, body = submit_view(
        system.events_url, SIGNING_SECRET, view=dialog, user=BEN, answers={"claim": ADDED}
    )
    assert (status, body) == (200, "")
    system.slack.wait_for(
        lambda s: any("fines in 2022" in m["text"] for m in s.thread(CHANNEL, walk.root)),
        timeout=30,
    )

    assert walk.check(start) == []


def test_home_desk_answers_digest_and_a_reshare_ping_nobody(walk: Walk) -> None:
    system = walk.system
    start = len(system.slack.calls)
    # One whose sentence carries hostile markup, so the Home tab and the DM must escape it.
    open_task = next(t for t in walk.tasks() if "(open)" in t["text"] and "&lt;" in t["text"])
    click_as(system, open_task, ActionId.CLAIM_TASK, user=BEN, channel=CHANNEL)
    wait_for_text(system, CHANNEL, open_task["ts"], f"Claimed by <@{BEN}>")
    published = len(system.slack.calls_to("views.publish"))

    status, body = post_event(system.events_url, app_home_opened(user=BEN), SIGNING_SECRET)
    assert status == 200, body
    system.slack.wait_for(lambda s: len(s.calls_to("views.publish")) > published, timeout=20)
    acks = [
        _command(system, "mine"),
        _command(system, "open"),
        _command(system, f"status {walk.page}"),
        _command(system, "digest this-week"),
        # Slack escapes the `&` of a command's text, as in any message.
        _command(system, f"<{walk.page}?x=1&amp;y=2>", channel=OTHER),
    ]
    system.slack.wait_for(
        lambda s: any("preview" in json.dumps(m["blocks"]) for m in s.ephemeral_messages(CHANNEL)),
        timeout=30,
    )
    system.slack.wait_for(
        lambda s: any("Already being checked" in m["text"] for m in _replies(s, OTHER)),
        timeout=60,
    )

    home = system.slack.home_view(BEN)
    assert "&lt;" in json.dumps(home), "the home tab lists the hostile claims"
    anchor = next(m for m in system.slack.messages(OTHER) if "asked me" in m["text"])
    assert f"<{walk.page}?x=1&amp;y=2>" in anchor["text"]
    assert walk.check(start, acks) == []


def _replies(slack: SlackStandIn, channel: str) -> list[dict[str, Any]]:
    return [r for m in slack.messages(channel) for r in slack.thread(channel, m["ts"])]


def test_reminders_and_exports_ping_nobody(walk: Walk) -> None:
    system = walk.system
    start = len(system.slack.calls)
    files = len(system.slack.files())

    # Every stale task of the session is due, so the limits are lifted to reach this walk's,
    # and tasks @ben claimed in earlier modules are handed back: they would fill his DM's
    # 3,000 characters before this walk's came.
    with system.session() as session:
        walks = select(Article.id).where(Article.slack_message_ts == walk.root)
        session.execute(
            update(Claim)
            .where(Claim.assignee == BEN, Claim.article_id.not_in(walks))
            .values(assignee=None)
        )
    settings = system.settings.model_copy(
        update={"reminder_max_nudges_per_run": 10_000, "reminder_max_pings_per_run": 10_000}
    )
    sent = send_reminders(WorkerContext(settings), now=utcnow() + timedelta(days=30))
    ack = _command(system, "export all csv")
    system.slack.wait_for(lambda s: len(s.files()) > files, timeout=30)

    assert BEN in sent.nudged
    with system.session() as session:
        mine = session.scalars(
            select(Claim).join(Article).where(Article.slack_message_ts == walk.root)
        ).all()
        assert {c.article_id for c in mine} & set(sent.pinged)
    dm = system.slack.dm_channel(BEN)
    assert dm is not None
    assert any("&lt;" in m["text"] for m in system.slack.messages(dm)), "the DM lists them"
    assert walk.check(start, [ack]) == []


def test_a_shortcut_on_a_hostile_message_pings_nobody(walk: Walk) -> None:
    system = walk.system
    start = len(system.slack.calls)
    # What Slack sends for a message that typed mentions literally (escaped), next to a real
    # mention and a real <!here>. (A URL typed literally would be fetched as a link.)
    typed = (
        "&lt;!channel&gt; &lt;!everyone&gt; &lt;@U0EVIL&gt; &lt;#C0EVIL|general&gt; "
        "A &lt;b&gt; &amp; C"
    )
    text = (
        f"{typed} <!here> <@{BEN}> said the harbor authority spent $2.3 billion on "
        "dredging in 2023, up 40% from 2019. The council voted 7 to 2 to raise fees by 12%."
    )
    ts = system.slack.add_message(CHANNEL, text, user=ANA)
    key = f"shortcut-{uuid.uuid4().hex[:8]}"
    payload = message_action(
        callback_id=CallbackId.FACTCHECK_MESSAGE,
        message=system.slack.message(CHANNEL, ts),
        user=ANA,
        channel=CHANNEL,
        response_url=system.slack.response_url(key),
    )

    status, body = post_interaction(system.events_url, payload, SIGNING_SECRET)

    assert status == 200, body
    assert system.wait_until_done(ts, channel=CHANNEL) == "white_check_mark"
    tasks = [m for m in system.slack.thread(CHANNEL, ts) if _is_task(m)]
    assert tasks, "the message's own claims became tasks"
    assert any("&lt;!channel&gt;" in m["text"] for m in tasks)
    assert walk.check(start) == []
