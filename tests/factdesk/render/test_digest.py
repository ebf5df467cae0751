"""The digest in Block Kit: valid, every figure, hostile claims shown and not acted on."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.models import Article, Claim
from factdesk.render import digest as render_digest
from factdesk.services import digests
from factdesk.services.digests import Week
from standin.blockkit import validate_blocks
from tests.factdesk.services.digest_week import NOW, TEAM, seed
from tests.hostile import HOSTILE, problems

WEEK = Week(date(2024, 11, 18), "UTC")
WORKSPACE = "https://factdesk-demo.slack.com/"


def _digest(session: Session, channel: str) -> digests.Digest:
    seed(session, channel)
    return digests.build(session=session, team_id=TEAM, channel_id=channel, week=WEEK, now=NOW)


def test_durations_read_like_people_write_them() -> None:
    assert render_digest.duration(None) == "n/a"
    assert render_digest.duration(timedelta(seconds=40)) == "40 s"
    assert render_digest.duration(timedelta(minutes=12)) == "12 min"
    assert render_digest.duration(timedelta(hours=5, minutes=12)) == "5 h 12 min"
    assert render_digest.duration(timedelta(days=4)) == "4 d 0 h"
    assert render_digest.change(3, 1) == "+2"
    assert render_digest.change(1, 3) == "-2"
    assert render_digest.change(2, 2) == "±0"


def test_the_digest_is_valid_block_kit_with_every_figure(session: Session) -> None:
    digest = _digest(session, "C0DIGRENDER")

    message = render_digest.message(digest, WORKSPACE)

    assert validate_blocks(message.blocks, surface="message") == []
    text = str(message.blocks)
    assert "*Articles processed*\\n2   _+1 vs last week_" in text
    assert "*Claims found*\\n7   _+5 vs last week_" in text
    assert "Disputed*\\n2   _+2 vs last week_" in text
    assert "Confirmed*\\n1   _±0 vs last week_" in text
    assert "Unverified*\\n1   _+1 vs last week_" in text
    assert "median *1 h 00 min* · 90th percentile *5 h 12 min*" in text
    assert "median *1 d 0 h* · 90th percentile *4 d 0 h*" in text
    assert "Disputed this week (2)*" in text
    assert f"<{WORKSPACE}archives/C0DIGRENDER/p" in text
    assert "Oldest unclaimed tasks (1)*" in text
    assert "<@U0CAT> for 6 d 17 h" in text
    assert "<@U0ANA> 2 · <@U0BEN> 2" in text
    assert "Mon 18 Nov to Sun 24 Nov 2024" in message.text
    assert render_digest.metadata(digest) == {
        "event_type": "factdesk_digest",
        "event_payload": {"week_start": "2024-11-18", "channel": "C0DIGRENDER"},
    }


def test_the_preview_says_it_is_private(session: Session) -> None:
    digest = _digest(session, "C0DIGPREVIEW")

    blocks = render_digest.blocks(digest, None, preview=render_digest.THIS_WEEK)

    assert validate_blocks(blocks, surface="message") == []
    assert "(so far)" in str(blocks)
    assert "Only you can see this preview" in str(blocks)


def test_hostile_claims_in_the_digest_are_shown_not_acted_on(session: Session) -> None:
    seed(session, "C0DIGHOSTILE")
    for claim in session.scalars(
        select(Claim).join(Article).where(Article.slack_channel_id == "C0DIGHOSTILE")
    ):
        claim.text = HOSTILE
    digest = digests.build(
        session=session,
        team_id=TEAM,
        channel_id="C0DIGHOSTILE",
        week=Week(date(2024, 11, 18), "UTC"),
        now=NOW,
    )

    for preview in (None, render_digest.THIS_WEEK):
        message = render_digest.message(digest, WORKSPACE, preview=preview)
        assert problems({"text": message.text, "blocks": message.blocks}) == []
        assert "&lt;!channel&gt;" in str(message.blocks)
        assert validate_blocks(message.blocks, surface="message") == []
