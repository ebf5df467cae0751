from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from factdesk.models import Article, ArticleState, Claim, ClaimStatus, utcnow
from factdesk.services import claims, desk
from factdesk.services.claims import Actor
from tests import factories

TEAM = "T0FACTDESK"
_ts = itertools.count(1)


def _task(**fields: Any) -> Claim:
    """A claim whose task message is posted in its thread."""
    fields.setdefault("slack_ts", f"1732490000.{next(_ts):06d}")
    return factories.claim(**fields)


def test_my_open_tasks_are_assigned_unjudged_and_posted(session: Session) -> None:
    now = utcnow()
    older = _task(assignee="U0ME", claimed_at=now - timedelta(hours=2))
    newer = _task(assignee="U0ME", claimed_at=now - timedelta(minutes=5))
    _task(assignee="U0ME", status=ClaimStatus.CONFIRMED, claimed_at=now)
    _task(assignee="U0ME", status=ClaimStatus.DISMISSED, claimed_at=now)
    _task(assignee="U0ME", held_back=True, claimed_at=now)
    _task(assignee="U0ME", slack_ts=None, claimed_at=now)
    _task(assignee="U0OTHER", claimed_at=now)
    _task(assignee="U0ME", claimed_at=now, article=factories.article(slack_team_id="T0ELSEWHERE"))

    listing = desk.my_open_tasks(session=session, team_id=TEAM, user_id="U0ME")

    assert [claim.id for claim in listing.items] == [older.id, newer.id]
    assert (listing.total, listing.more) == (2, 0)
    assert listing.items[0].article.title  # loaded with the claim


def test_a_long_list_is_clipped_with_its_full_length(session: Session) -> None:
    for _ in range(4):
        _task(assignee="U0ME", claimed_at=utcnow())

    listing = desk.my_open_tasks(session=session, team_id=TEAM, user_id="U0ME", limit=3)

    assert (len(listing.items), listing.total, listing.more) == (3, 4, 1)


def test_unclaimed_tasks_in_the_given_channels(session: Session) -> None:
    here = factories.article(slack_channel_id="C0HERE")
    there = factories.article(slack_channel_id="C0THERE")
    waiting = _task(article=here)
    _task(article=here, assignee="U0ME", claimed_at=utcnow())
    _task(article=here, status=ClaimStatus.DISPUTED)
    elsewhere = _task(article=there)

    listing = desk.unclaimed_tasks(session=session, team_id=TEAM, channel_ids=["C0HERE"])
    both = desk.unclaimed_tasks(session=session, team_id=TEAM, channel_ids=["C0HERE", "C0THERE"])
    none = desk.unclaimed_tasks(session=session, team_id=TEAM, channel_ids=[])

    assert [claim.id for claim in listing.items] == [waiting.id]
    assert {claim.id for claim in both.items} == {waiting.id, elsewhere.id}
    assert none.total == 0


def test_recent_verdicts_are_mine_and_newest_first(session: Session) -> None:
    first, second, theirs = _task(), _task(), _task()
    me = Actor("U0ME")
    for claim, status in ((first, ClaimStatus.CONFIRMED), (second, ClaimStatus.DISPUTED)):
        claims.set_verdict(
            session=session,
            claim_id=claim.id,
            actor=me,
            status=status,
            note="Figures differ.",
            evidence_urls=["https://example.org/source"],
            evidence_required_for=[],
        )
    claims.claim_task(session=session, claim_id=theirs.id, user_id="U0ME")  # not a verdict
    claims.set_status(
        session=session, claim_id=theirs.id, user_id="U0OTHER", status=ClaimStatus.UNVERIFIED
    )

    events = desk.recent_verdicts(session=session, team_id=TEAM, user_id="U0ME")

    assert [(e.claim_id, e.to_value) for e in events] == [
        (second.id, "disputed"),
        (first.id, "confirmed"),
    ]
    assert events[0].claim.article.slack_channel_id == "C0NEWSDESK"


def test_channels_worked_in(session: Session) -> None:
    factories.article(slack_channel_id="C0SHARED", requested_by="U0ME")
    _task(article=factories.article(slack_channel_id="C0ASSIGNED"), assignee="U0ME")
    acted = _task(article=factories.article(slack_channel_id="C0ACTED"))
    claims.claim_task(session=session, claim_id=acted.id, user_id="U0ME")
    claims.release(session=session, claim_id=acted.id, actor=Actor("U0ME"))
    factories.article(slack_channel_id="C0NOTMINE", requested_by="U0OTHER")

    found = desk.channels_worked_in(session=session, team_id=TEAM, user_id="U0ME")

    assert found == ["C0ACTED", "C0ASSIGNED", "C0SHARED"]


def _article(url: str, **fields: Any) -> Article:
    return factories.article(url=url, **fields)


def test_checks_of_a_link_match_after_normalizing(session: Session) -> None:
    url = "https://news.example/desk-story-1?id=4"
    other_channel = _article(url, slack_channel_id="C0OTHER")
    here = _article(url + "&utm_source=twitter#comments", slack_channel_id="C0HERE")
    _task(article=here)
    _task(article=here, status=ClaimStatus.CONFIRMED)
    _article(
        url,
        slack_channel_id="C0HERE",
        state=ArticleState.DUPLICATE,
        duplicate_of_id=here.id,
    )

    found = desk.checks_of(session=session, team_id=TEAM, url=url, channel_id="C0HERE")

    assert [check.article.id for check in found] == [here.id, other_channel.id]
    assert (found[0].tally.total, found[0].tally.confirmed) == (2, 1)


def test_checks_of_a_link_by_its_canonical_address(session: Session) -> None:
    amp = _article(
        "https://news.example/amp/desk-story-2",
        canonical_key="https://news.example/desk-story-2",
    )

    found = desk.checks_of(session=session, team_id=TEAM, url="https://news.example/desk-story-2")
    unknown = desk.checks_of(session=session, team_id=TEAM, url="https://news.example/nothing")

    assert [check.article.id for check in found] == [amp.id]
    assert unknown == []
