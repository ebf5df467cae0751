"""Rendered messages must pass Slack's Block Kit rules, whatever the content."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from factdesk.errors import FactdeskError
from factdesk.ids import ActionId
from factdesk.models import Article, Claim, ClaimEvent, ClaimStatus, EventAction
from factdesk.render import dialogs
from factdesk.render import thread as render_thread
from factdesk.render.blocks import Message
from factdesk.services.claims import Tally
from standin.blockkit import validate_blocks, validate_view
from tests.factdesk.render.rows import claim as claim_row
from tests.hostile import HOSTILE, problems


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


def _actions(message: Message) -> list[str]:
    return [
        e["action_id"] for b in message.blocks for e in b.get("elements", []) if "action_id" in e
    ]


def test_summary_headline_and_tally() -> None:
    tally = Tally(total=12, open=7, claimed=2, confirmed=1, disputed=1, unverified=1)

    message = render_thread.summary(_article(), tally)

    assert message.text.startswith("12 claims to check in <https://news.example/story|USA: North")
    assert message.text.endswith("(3 of 12 checked)")
    assert validate_blocks(message.blocks, surface="message") == []


def test_summary_with_no_claims_says_so() -> None:
    message = render_thread.summary(_article(), Tally(0, 0, 0, 0, 0, 0))
    assert "found no checkable claims" in message.text


def test_open_task_offers_claim_and_every_verdict() -> None:
    message = render_thread.claim_task(claim_row(), number=3, total=12)

    assert message.text.startswith("Claim 3 of 12 (open): U.S. officials")
    assert _actions(message) == [
        ActionId.CLAIM_TASK,
        ActionId.MARK_CONFIRMED,
        ActionId.MARK_DISPUTED,
        ActionId.MARK_UNVERIFIED,
        ActionId.NOT_A_CLAIM,
        ActionId.REASSIGN_TASK,
    ]
    picker = message.blocks[-1]["elements"][-1]
    assert picker["type"] == "users_select"
    assert picker["placeholder"]["text"] == "Assign to…"
    assert message.blocks[-1]["block_id"] == "claim-7", "the menu finds its claim by block"
    assert validate_blocks(message.blocks, surface="message") == []


def test_disputed_task_shows_who_and_when() -> None:
    when = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    claim = claim_row(
        status=ClaimStatus.DISPUTED,
        assignee="U0BEN",
        claimed_at=when,
        status_set_by="U0BEN",
        status_set_at=when,
    )

    message = render_thread.claim_task(claim, number=1, total=2)

    context = str(message.blocks)
    assert "Disputed by <@U0BEN> <!date^1795512600^" in context
    assert "Claimed by <@U0BEN>" in context
    assert _actions(message) == [
        ActionId.REOPEN_TASK,
        ActionId.MARK_CONFIRMED,
        ActionId.MARK_UNVERIFIED,
    ]


def test_hostile_text_is_escaped_and_clipped() -> None:
    claim = claim_row(text="<!channel> & <https://evil.example|click> " + "x" * 5000)
    article = _article(title="<b>" * 200, author="A & B")

    task = render_thread.claim_task(claim, number=1, total=1)
    summary = render_thread.summary(article, Tally(1, 1, 0, 0, 0, 0))

    assert "<!channel>" not in str(task.blocks)
    assert "&lt;!channel&gt; &amp;" in str(task.blocks)
    assert validate_blocks(task.blocks, surface="message") == []
    assert validate_blocks(summary.blocks, surface="message") == []


def test_progress_bar() -> None:
    assert render_thread.progress_bar(3, 12) == "▰▰▰▱▱▱▱▱▱▱▱▱ 25%"
    assert render_thread.progress_bar(0, 0) == ""


def test_summary_offers_to_add_a_claim_beside_the_post_more_offer() -> None:
    tally = Tally(total=3, open=3, claimed=0, confirmed=0, disputed=0, unverified=0)

    message = render_thread.summary(_article(), tally, held_back=4)

    assert _actions(message) == [ActionId.ADD_CLAIM]
    assert message.blocks[-1]["elements"][0]["value"] == "1"
    assert "Post 4 more" in str(message.blocks), "the post-more offer stays"
    assert validate_blocks(message.blocks, surface="message") == []
    empty = render_thread.summary(_article(), Tally(0, 0, 0, 0, 0, 0))
    assert _actions(empty) == [ActionId.ADD_CLAIM], "a missed claim can be added to any thread"


def test_claimed_task_offers_release_reassign_and_verdicts() -> None:
    claim = claim_row(assignee="U0BEN", claimed_at=datetime(2026, 11, 24, tzinfo=UTC))

    message = render_thread.claim_task(claim, number=1, total=2)

    assert _actions(message) == [
        ActionId.MARK_CONFIRMED,
        ActionId.MARK_DISPUTED,
        ActionId.MARK_UNVERIFIED,
        ActionId.RELEASE_TASK,
        ActionId.REASSIGN_TASK,
        ActionId.NOT_A_CLAIM,
    ]
    assert ":bust_in_silhouette: Claimed" in message.blocks[0]["text"]["text"]
    assert "Reassign to…" in str(message.blocks[-1])
    assert all(
        e.get("value") == "7" for e in message.blocks[-1]["elements"] if e["type"] == "button"
    )
    assert validate_blocks(message.blocks, surface="message") == []


def test_verdict_shows_note_excerpt_evidence_and_explanation() -> None:
    when = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    urls = [f"https://www.source{n}.example/report?a=1&b=<2>" for n in range(7)]
    claim = claim_row(
        status=ClaimStatus.DISPUTED,
        assignee="U0ANA",
        claimed_at=when,
        status_set_by="U0ANA",
        status_set_at=when,
        verdict_note="The ministry says 1,500. " + "More detail. " * 60,
        evidence_urls=urls,
        rating_explanation="Off by an order of <magnitude>.",
    )

    message = render_thread.claim_task(claim, number=2, total=9)

    details = str(message.blocks)
    assert ":memo: _The ministry says 1,500." in details
    assert "More detail. " * 30 not in details, "only an excerpt of a long note"
    assert "<https://www.source0.example/report?a=1&amp;b=&lt;2&gt;|source0.example>" in details
    assert "source4.example" in details
    assert "source5.example" not in details
    assert "+2 more" in details
    assert "Off by an order of &lt;magnitude&gt;." in details
    assert validate_blocks(message.blocks, surface="message") == []


def test_dismissed_task_is_one_line_and_can_be_reopened() -> None:
    claim = claim_row(status=ClaimStatus.DISMISSED, status_set_by="U0ED")

    message = render_thread.claim_task(claim, number=4, total=9)

    assert ":no_entry_sign: Not a claim — dismissed by <@U0ED>" in message.blocks[0]["text"]["text"]
    assert _actions(message) == [ActionId.REOPEN_TASK]
    assert message.text.startswith("Claim 4 of 9 (dismissed):")
    assert validate_blocks(message.blocks, surface="message") == []


def _event(
    action: EventAction, from_value: str | None, to_value: str | None, **extra: object
) -> ClaimEvent:
    return ClaimEvent(
        claim_id=7, actor="U0ANA", action=action, from_value=from_value, to_value=to_value, **extra
    )


def test_thread_lines_announce_each_change() -> None:
    claim = claim_row()

    def line(event: ClaimEvent) -> str | None:
        message = render_thread.event_line(event, claim, number=3)
        return message.text if message else None

    assert (
        line(
            _event(
                EventAction.STATUS_CHANGED,
                "open",
                "disputed",
                note="The ministry says 1,500.",
                evidence_urls=["https://a.example", "https://b.example"],
            )
        )
        == ":x: <@U0ANA> marked claim 3 *Disputed*: The ministry says 1,500. (2 evidence links)"
    )
    assert line(_event(EventAction.STATUS_CHANGED, "disputed", "confirmed", evidence_urls=[])) == (
        ":white_check_mark: <@U0ANA> changed claim 3 from Disputed to *Confirmed*"
    )
    assert line(_event(EventAction.REOPENED, "disputed", "open")) == (
        ":arrows_counterclockwise: <@U0ANA> reopened claim 3 (was Disputed)."
    )
    assert line(_event(EventAction.REASSIGNED, None, "U0BEN")) == (
        ":bust_in_silhouette: <@U0ANA> assigned claim 3 to <@U0BEN>."
    )
    assert line(_event(EventAction.REASSIGNED, "U0ED", "U0BEN")) == (
        ":bust_in_silhouette: <@U0ANA> reassigned claim 3 from <@U0ED> to <@U0BEN>."
    )
    assert line(_event(EventAction.DISMISSED, "open", "dismissed")) == (
        ":no_entry_sign: <@U0ANA> marked claim 3 as not a claim."
    )
    assert "released claim 3" in (line(_event(EventAction.RELEASED, "U0ANA", None)) or "")
    assert line(_event(EventAction.CLAIMED, None, "U0ANA")) is None


# -- hostile text: nothing from outside goes live ---------------------------------------

EVIDENCE = "https://gov.example/report?a=1&b=2|3"
EVIDENCE_AS_LINKED = "https://gov.example/report?a=1&b=2%7C3"
EVIDENCE_WITH_BRACKETS = "https://gov.example/a>b?<!here>"
HOSTILE_URL = "https://news.example/story?a=1&b=<!channel>|x"
HOSTILE_URL_AS_LINKED = "https://news.example/story?a=1&b=<!channel>%7Cx"


def _hostile_claim(**overrides: object) -> Claim:
    fields: dict[str, object] = {
        "text": f"{HOSTILE} spent $2.3 billion in 2023.",
        "speaker": HOSTILE,
        "context": HOSTILE,
        "reasons": [HOSTILE],
        **overrides,
    }
    return claim_row(**fields)


def _hostile_article() -> Article:
    return _article(url=HOSTILE_URL, title=HOSTILE, site=HOSTILE, author=HOSTILE)


def _problems(message: Message, *links: str) -> list[str]:
    return problems({"text": message.text, "blocks": message.blocks}, links=links)


@pytest.mark.parametrize(
    "claim",
    [
        _hostile_claim(),
        _hostile_claim(assignee="U0BEN", claimed_at=datetime(2026, 11, 24, tzinfo=UTC)),
        _hostile_claim(
            status=ClaimStatus.DISPUTED,
            assignee="U0BEN",
            status_set_by="U0BEN",
            status_set_at=datetime(2026, 11, 24, tzinfo=UTC),
            verdict_note=HOSTILE,
            rating_explanation=HOSTILE,
            evidence_urls=[EVIDENCE, EVIDENCE_WITH_BRACKETS],
        ),
        _hostile_claim(status=ClaimStatus.DISMISSED, status_set_by="U0ED"),
    ],
    ids=["open", "claimed", "disputed", "dismissed"],
)
def test_a_hostile_claim_is_shown_not_acted_on(claim: Claim) -> None:
    message = render_thread.claim_task(claim, number=1, total=2)

    assert _problems(message, EVIDENCE_AS_LINKED, EVIDENCE_WITH_BRACKETS) == []
    assert "&lt;!channel&gt;" in message.text
    assert validate_blocks(message.blocks, surface="message") == []


def test_a_claimed_tasks_fallback_text_says_claimed() -> None:
    claimed = claim_row(assignee="U0BEN", claimed_at=datetime(2026, 11, 24, tzinfo=UTC))

    assert render_thread.claim_task(claimed, number=1, total=2).text.startswith(
        "Claim 1 of 2 (claimed):"
    )
    assert render_thread.claim_task(claim_row(), number=1, total=2).text.startswith(
        "Claim 1 of 2 (open):"
    )


def test_a_hostile_article_is_shown_not_acted_on() -> None:
    article = _hostile_article()
    tally = Tally(total=3, open=1, claimed=1, confirmed=1, disputed=0, unverified=0)

    rendered = [
        render_thread.summary(article, tally, held_back=2, unposted=1),
        render_thread.summary(article, Tally(0, 0, 0, 0, 0, 0)),
        render_thread.anchor(HOSTILE_URL, "U0ANA"),
        render_thread.failure(article, FactdeskError(f"The site answered HTTP 418 {HOSTILE}.")),
        render_thread.already_checked(
            _article(slack_channel_id="C0DESK"),
            tally,
            "https://factdesk-demo.slack.com/archives/C0DESK/p1?thread_ts=1.2&cid=C0DESK",
        ),
        Message(render_thread.command_accepted(HOSTILE_URL)),
    ]

    for message in rendered:
        assert _problems(message, HOSTILE_URL_AS_LINKED) == [], message.text
    summary = rendered[0]
    assert summary.text.startswith("3 claims to check in <https://news.example/story?a=1&amp;b=")
    view = dialogs.add_claim_modal(article)
    assert problems(view, links=[HOSTILE_URL_AS_LINKED]) == []
    assert validate_view(view) == []


def test_a_hostile_note_in_a_thread_line_is_shown_not_acted_on() -> None:
    claim = _hostile_claim()
    event = ClaimEvent(
        actor="U0BEN",
        action=EventAction.STATUS_CHANGED,
        from_value="open",
        to_value="disputed",
        note=HOSTILE,
        evidence_urls=[EVIDENCE],
    )

    line = render_thread.event_line(event, claim, number=1)

    assert line is not None
    assert _problems(line) == []
    assert "&lt;!channel&gt;" in line.text
    view = dialogs.verdict_modal(
        claim, ClaimStatus.CONFIRMED, number=1, total=1, channel_id="C1", evidence_required=True
    )
    assert problems(view) == []
