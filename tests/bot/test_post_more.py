"""A channel's cap holds back lower-scored claims; the summary offers them on request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from factdesk.archive_models import ArchiveEntry
from factdesk.ids import ActionId
from factdesk.models import Claim
from factdesk.services import channels
from tests.conftest import System

pytestmark = pytest.mark.scenario

CHANNEL = "C0SMALLCAP"


def test_post_more_posts_the_held_back_claims(system: System) -> None:
    system.slack.add_channel(CHANNEL, "smallcap")
    with system.session() as session:
        channels.set_claim_cap(session=session, team_id="T0FACTDESK", channel_id=CHANNEL, cap=4)
    link = system.pages.article_url("north-korean-troops-russia.html")
    before = archived(system)

    ts = system.share(f"<{link}>", channel=CHANNEL)
    system.wait_until_done(ts, channel=CHANNEL)

    summary, *tasks = system.slack.thread(CHANNEL, ts)
    assert len(tasks) == 4
    assert summary["text"].startswith("4 claims to check in")
    offer = str(summary["blocks"])
    assert "more lower-scored claims not posted" in offer
    match = re.search(r"Post (\d+) more", offer)
    assert match is not None
    held = int(match.group(1))
    assert held >= 6
    # Held-back claims are matched when asked for, not during the article's processing.
    assert archived(system) == before + 4

    system.click(summary, ActionId.POST_MORE_CLAIMS, user="U0BEN", channel=CHANNEL)

    system.slack.wait_for(lambda s: len(s.thread(CHANNEL, ts)) == 1 + 4 + held, timeout=30)
    system.slack.wait_for(
        lambda s: f"0 of {4 + held} checked" in s.message(CHANNEL, summary["ts"])["text"],
        timeout=30,
    )
    assert ActionId.POST_MORE_CLAIMS.value not in str(
        system.slack.message(CHANNEL, summary["ts"])["blocks"]
    )
    assert archived(system) == before + 4 + held


def archived(system: System) -> int:
    with system.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(ArchiveEntry)
                .join(Claim, Claim.id == ArchiveEntry.claim_id)
            )
            or 0
        )
