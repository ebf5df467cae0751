"""Checked before?: the match line on a task, reusing its verdict, "not the same claim",
and the repeat alert in a disputed claim's thread, all through signed HTTP."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from factdesk.archive_models import ArchiveEntry, ArchiveKind, ClaimMatch, MatchFeedback
from factdesk.ids import ActionId, CallbackId
from factdesk.models import ClaimStatus, EventAction
from factdesk.services import archive, claims
from standin.signing import message_action, post_command, post_interaction, slash_command
from tests.bot.interactions import click_as, stored_claim, wait_for_text
from tests.conftest import SIGNING_SECRET, System
from workers.nlp.embedder import embedder

pytestmark = pytest.mark.scenario

TEAM = "T0MATCHES"
DESK, POLITICS, SECRET = "C0MATCHDESK", "C0MATCHPOL", "C0MATCHSECRET"
FACT_CHECKED = "Violent crime fell 40% in 2023, the biggest drop since 1990."
REPORTED = (
    "At the council meeting the mayor said violent crime fell 40% in 2023, "
    "the biggest drop since 1990."
)
SPENDING = "The city spent $2.3 billion on policing last year, the council's budget office said."
SPENDING_AGAIN = (
    "The council's budget office said the city spent 2.3 billion dollars on policing last year."
)


@pytest.fixture(scope="module", autouse=True)
def channels(system: System) -> None:
    system.slack.add_channel(DESK, "match-desk")
    system.slack.add_channel(POLITICS, "match-politics")
    system.slack.add_channel(SECRET, "match-secret", is_private=True)


def _fact_check(system: System) -> None:
    with system.session() as session:
        session.add(
            ArchiveEntry(
                kind=ArchiveKind.FACT_CHECK,
                slack_team_id=TEAM,
                channel_private=False,
                text=FACT_CHECKED,
                rating="False",
                publisher="PolitiFact",
                reviewed_on=date(2024, 5, 2),
                url="https://factcheck.example/crime?a=1&b=<2>",
                vector=archive.encode_vector(embedder().embed([FACT_CHECKED])[0]),
                vector_model=embedder().name,
            )
        )


def _check_message(
    system: System, channel: str, text: str, *, team: str = TEAM
) -> list[dict[str, Any]]:
    """Post `text`, run "Fact-check this message" on it; the tasks posted in its thread
    (the message's ts is each task's thread_ts)."""
    ts = system.slack.add_message(channel, text, user="U0BEN")
    key = f"match-{uuid.uuid4().hex[:8]}"
    payload = message_action(
        callback_id=CallbackId.FACTCHECK_MESSAGE,
        message=system.slack.message(channel, ts),
        user="U0ANA",
        channel=channel,
        team_id=team,
        response_url=system.slack.response_url(key),
    )
    status, body = post_interaction(system.events_url, payload, SIGNING_SECRET)
    assert status == 200, body
    system.wait_until_done(ts, channel=channel)
    return [m for m in system.slack.thread(channel, ts)[1:] if "Claim 1 of" in str(m["blocks"])]


def test_a_fact_checked_claim_shows_the_fact_check_and_its_verdict_can_be_reused(
    system: System,
) -> None:
    _fact_check(system)

    [task] = _check_message(system, DESK, REPORTED)

    blocks = str(task["blocks"])
    assert ":repeat: PolitiFact rated this *False* on 2 May 2024" in blocks
    # Outside text is escaped for mrkdwn, inside the link target too.
    assert "https://factcheck.example/crime?a=1&amp;b=&lt;2&gt;|link" in blocks
    assert ActionId.REUSE_VERDICT.value in blocks
    assert ActionId.NOT_SAME_CLAIM.value in blocks

    click_as(system, task, ActionId.REUSE_VERDICT, user="U0ANA", channel=DESK)

    updated = wait_for_text(system, DESK, task["ts"], "(disputed)")
    assert ActionId.REUSE_VERDICT.value not in str(updated["blocks"])
    claim = stored_claim(system, task["ts"])
    assert claim.status is ClaimStatus.DISPUTED
    assert claim.verdict_note == "PolitiFact rated this False (reused from their fact-check)."
    assert claim.evidence_urls == ["https://factcheck.example/crime?a=1&b=<2>"]
    assert [(e.action, e.actor) for e in claim.events][-1] == (EventAction.STATUS_CHANGED, "U0ANA")


def test_a_repeated_disputed_claim_alerts_its_thread_once_and_can_be_waved_off(
    system: System,
) -> None:
    [first] = _check_message(system, DESK, SPENDING)
    original = stored_claim(system, first["ts"])
    with system.session() as session:
        claims.set_status(
            session=session,
            claim_id=original.id,
            user_id="U0CARL",
            status=ClaimStatus.DISPUTED,
            note="The budget says 1.3 billion.",
        )

    [task] = _check_message(system, POLITICS, SPENDING_AGAIN)

    blocks = str(task["blocks"])
    assert ":repeat: Checked before: :x: Disputed by <@U0CARL> on" in blocks
    assert f"in <#{DESK}>" in blocks
    root = first["thread_ts"]
    alerts = [
        m["text"]
        for m in system.slack.thread(DESK, root)
        if "This disputed claim appeared again" in m["text"]
    ]
    assert len(alerts) == 1
    assert f"(<#{POLITICS}>)" in alerts[0]

    click_as(system, task, ActionId.NOT_SAME_CLAIM, user="U0ANA", channel=POLITICS)

    system.slack.wait_for(
        lambda s: "Checked before" not in str(s.message(POLITICS, task["ts"])["blocks"]),
        timeout=20,
    )
    with system.session() as session:
        claim_id = stored_claim(system, task["ts"]).id
        feedback = session.scalars(
            select(MatchFeedback).where(MatchFeedback.claim_id == claim_id)
        ).one()
        assert (feedback.same_claim, feedback.user_id) == (False, "U0ANA")
        hidden = session.scalars(select(ClaimMatch).where(ClaimMatch.claim_id == claim_id)).one()
        assert hidden.hidden is True


def test_factcheck_search_answers_privately_with_the_archive(system: System) -> None:
    with system.session() as session:
        session.add(
            ArchiveEntry(
                kind=ArchiveKind.FACT_CHECK,
                slack_team_id=TEAM,
                channel_private=False,
                text="Wind turbines kill more birds than cats do.",
                rating="Mostly False",
                publisher="Full <Fact> & Co",
                url="https://fullfact.example/birds",
            )
        )
    before = len(system.slack.ephemeral_messages(POLITICS))
    form = slash_command(
        command="/factcheck",
        text="search turbines birds",
        user="U0ANA",
        channel=POLITICS,
        team_id=TEAM,
        response_url=system.slack.response_url(f"search-{uuid.uuid4().hex[:8]}"),
    )

    status, body = post_command(system.events_url, form, SIGNING_SECRET)

    assert status == 200, body
    assert "Looking in the archive" in json.loads(body)["text"]
    system.slack.wait_for(lambda s: len(s.ephemeral_messages(POLITICS)) > before, timeout=30)
    answer = system.slack.ephemeral_messages(POLITICS)[-1]
    assert answer["user"] == "U0ANA"
    blocks = str(answer["blocks"])
    assert "Wind turbines kill more birds than cats do." in blocks
    assert "Full &lt;Fact&gt; &amp; Co: Mostly False" in blocks


FERRY = "The harbour authority said it paid $4.7 million for the new ferry terminal in 2022."
FERRY_AGAIN = "In 2022 the harbour authority paid 4.7 million dollars for a new ferry terminal."


def test_a_private_channel_verdict_is_matched_only_in_that_channel(system: System) -> None:
    [secret] = _check_message(system, SECRET, FERRY)
    with system.session() as session:
        claims.set_status(
            session=session,
            claim_id=stored_claim(system, secret["ts"]).id,
            user_id="U0CARL",
            status=ClaimStatus.DISPUTED,
            note="It was 3.1 million.",
        )

    [public] = _check_message(system, POLITICS, FERRY_AGAIN)
    [elsewhere] = _check_message(system, POLITICS, FERRY_AGAIN, team="T0OTHERDESK")
    [inside] = _check_message(system, SECRET, FERRY_AGAIN)

    assert "Checked before" not in str(public["blocks"])
    assert "Checked before" not in str(elsewhere["blocks"])
    assert f"in <#{SECRET}>" in str(inside["blocks"])
    # Nothing about the private thread was said in the public one, nor the other way round.
    assert not [
        m
        for m in system.slack.thread(POLITICS, public["thread_ts"])
        if "appeared again" in m["text"]
    ]


BRIDGE = "The state transport agency said the new river bridge cost $812 million in 2021."
BRIDGE_AGAIN = (
    "In 2021 the new river bridge cost 812 million dollars, the state transport agency said."
)


def test_a_repeat_in_a_private_channel_is_not_announced_in_a_public_thread(
    system: System,
) -> None:
    [original] = _check_message(system, DESK, BRIDGE)
    with system.session() as session:
        claims.set_status(
            session=session,
            claim_id=stored_claim(system, original["ts"]).id,
            user_id="U0CARL",
            status=ClaimStatus.DISPUTED,
            note="It cost 640 million.",
        )

    [repeat] = _check_message(system, SECRET, BRIDGE_AGAIN)

    # The private channel may see the public verdict...
    assert f"in <#{DESK}>" in str(repeat["blocks"])
    # ...but the public thread is not told about the private channel's article.
    assert not [
        m for m in system.slack.thread(DESK, original["thread_ts"]) if "appeared again" in m["text"]
    ]
