"""Rendered messages must pass Slack's Block Kit rules, whatever the content."""

from __future__ import annotations

from datetime import UTC, date, datetime

from factdesk import render
from factdesk.ids import ActionId
from factdesk.models import Article, Claim, ClaimStatus
from factdesk.services.claims import Tally
from standin.blockkit import validate_blocks


def _article(**overrides: object) -> Article:
    fields: dict[str, object] = {
        "id": 1,
        "url": "https://news.example/story",
        "title": "USA: North Korean troops are in Russia",
        "site": "The Meridian Post",
        "author": "Dana Whitfield",
        "published_date": date(2024, 10, 23),
    }
    return Article(**{**fields, **overrides})


def _claim(**overrides: object) -> Claim:
    fields: dict[str, object] = {
        "id": 7,
        "text": "U.S. officials estimate that Russia is recruiting 25,000 new troops a month.",
        "score": 0.91,
        "reasons": ["number or statistic", "attribution"],
        "status": ClaimStatus.OPEN,
        "assignee": None,
    }
    return Claim(**{**fields, **overrides})


def _actions(message: render.Message) -> list[str]:
    return [
        e["action_id"] for b in message.blocks for e in b.get("elements", []) if "action_id" in e
    ]


def test_summary_headline_and_tally() -> None:
    tally = Tally(total=12, open=7, claimed=2, confirmed=1, disputed=1, unverified=1)

    message = render.summary(_article(), tally)

    assert message.text.startswith("12 claims to check in <https://news.example/story|USA: North")
    assert message.text.endswith("(3 of 12 checked)")
    assert validate_blocks(message.blocks, surface="message") == []


def test_summary_with_no_claims_says_so() -> None:
    message = render.summary(_article(), Tally(0, 0, 0, 0, 0, 0))
    assert "found no checkable claims" in message.text


def test_open_task_offers_claim_and_every_verdict() -> None:
    message = render.claim_task(_claim(), number=3, total=12)

    assert message.text.startswith("Claim 3 of 12 (open): U.S. officials")
    assert _actions(message) == [
        ActionId.CLAIM_TASK,
        ActionId.MARK_CONFIRMED,
        ActionId.MARK_DISPUTED,
        ActionId.MARK_UNVERIFIED,
    ]
    assert validate_blocks(message.blocks, surface="message") == []


def test_disputed_task_shows_who_and_when() -> None:
    when = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    claim = _claim(
        status=ClaimStatus.DISPUTED,
        assignee="U0BEN",
        claimed_at=when,
        status_set_by="U0BEN",
        status_set_at=when,
    )

    message = render.claim_task(claim, number=1, total=2)

    context = str(message.blocks)
    assert "Disputed by <@U0BEN> <!date^1795512600^" in context
    assert "Claimed by <@U0BEN>" in context
    assert _actions(message) == [ActionId.MARK_CONFIRMED, ActionId.MARK_UNVERIFIED]


def test_hostile_text_is_escaped_and_clipped() -> None:
    claim = _claim(text="<!channel> & <https://evil.example|click> " + "x" * 5000)
    article = _article(title="<b>" * 200, author="A & B")

    task = render.claim_task(claim, number=1, total=1)
    summary = render.summary(article, Tally(1, 1, 0, 0, 0, 0))

    assert "<!channel>" not in str(task.blocks)
    assert "&lt;!channel&gt; &amp;" in str(task.blocks)
    assert validate_blocks(task.blocks, surface="message") == []
    assert validate_blocks(summary.blocks, surface="message") == []


def test_progress_bar() -> None:
    assert render.progress_bar(3, 12) == "▰▰▰▱▱▱▱▱▱▱▱▱ 25%"
    assert render.progress_bar(0, 0) == ""
