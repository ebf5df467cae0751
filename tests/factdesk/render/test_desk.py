"""The desk's Slack surfaces pass Block Kit's rules, whatever the content."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from factdesk.ids import ActionId
from factdesk.models import Article, ArticleState, Claim, ClaimEvent, ClaimStatus, EventAction
from factdesk.render import channel_settings
from factdesk.render import desk as render_desk
from factdesk.services.channels import Config
from factdesk.services.claims import Tally
from factdesk.services.desk import Checked, Listing
from standin.blockkit import validate_view
from tests.factdesk.render.rows import DEFAULT_CONFIG
from tests.hostile import HOSTILE, problems

WORKSPACE = "https://factdesk-demo.slack.com/"
WHEN = datetime(2024, 11, 24, 22, 11, tzinfo=UTC)


def _article(**overrides: object) -> Article:
    fields: dict[str, object] = {
        "id": 1,
        "url": "https://news.example/story",
        "title": "Troops | <sent> & counted",
        "slack_channel_id": "C0DESK",
        "slack_thread_ts": "1732480000.000100",
        "slack_summary_ts": "1732480001.000200",
        "state": ArticleState.DONE,
    }
    return Article(**{**fields, **overrides})


def _claim(number: int, **overrides: object) -> Claim:
    fields: dict[str, object] = {
        "id": number,
        "article": _article(),
        "text": f"Officials said {number} * 1,000 troops were sent. " * 20,
        "slack_ts": f"1732480002.{number:06d}",
        "status": ClaimStatus.OPEN,
        "claimed_at": WHEN,
        "created_at": WHEN,
    }
    return Claim(**{**fields, **overrides})


def _verdict(number: int) -> ClaimEvent:
    return ClaimEvent(
        id=number,
        claim=_claim(number),
        actor="U0ANA",
        action=EventAction.STATUS_CHANGED,
        from_value="open",
        to_value="disputed",
        note="The ministry says 1,500. " * 30,
        created_at=WHEN,
    )


def test_home_with_long_lists_stays_within_slacks_limits() -> None:
    mine = Listing([_claim(n, assignee="U0ANA") for n in range(1, 16)], 40)
    unclaimed = Listing([_claim(n) for n in range(16, 31)], 90)
    verdicts = [_verdict(n) for n in range(31, 41)]

    view = render_desk.home(
        mine=mine, unclaimed=unclaimed, verdicts=verdicts, workspace_url=WORKSPACE
    )

    assert validate_view(view) == []
    assert len(view["blocks"]) <= render_desk.HOME_BLOCK_LIMIT
    text = json.dumps(view, ensure_ascii=False)
    assert "+25 more" in text
    assert "+75 more" in text
    buttons = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert len(buttons) == 40
    assert {b["action_id"] for b in buttons} == {ActionId.OPEN_THREAD.value}
    assert buttons[0]["url"].startswith(f"{WORKSPACE}archives/C0DESK/p")
    assert "Troops | &lt;sent&gt; &amp; counted" in text
    assert ":x: Disputed" in text


def test_home_empty_states_say_what_to_do() -> None:
    view = render_desk.home(
        mine=Listing([], 0), unclaimed=Listing([], 0), verdicts=[], workspace_url=None
    )

    assert validate_view(view) == []
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == [
        "Your open tasks",
        "Unclaimed tasks in your channels",
        "Your recent verdicts",
    ]
    text = json.dumps(view)
    assert "Nothing assigned to you. Claim a task in any fact-check thread." in text
    assert "No unclaimed tasks in your channels" in text
    assert "No verdicts yet" in text


def test_help_and_unknown_words() -> None:
    help_text = render_desk.command_help()
    for word in ("mine", "open [#channel]", "status &lt;link&gt;", "settings", "help"):
        assert f"/factcheck {word}" in help_text
    unknown = render_desk.unknown_subcommand("<foo>")
    assert unknown.startswith(":warning: I don't know `&lt;foo&gt;`.")
    assert help_text in unknown


def test_my_tasks_and_open_tasks() -> None:
    mine = render_desk.my_tasks(Listing([_claim(1, assignee="U0ANA")], 3), WORKSPACE)
    assert "*Your open tasks (3)*" in mine
    assert f"<{WORKSPACE}archives/C0DESK/p1732480002000001?thread_ts=" in mine
    assert "…and 2 more." in mine
    assert render_desk.my_tasks(Listing([], 0), WORKSPACE).startswith("Nothing assigned to you.")
    waiting = render_desk.open_tasks("C0DESK", Listing([_claim(2)], 1), WORKSPACE)
    assert "*Unclaimed tasks in <#C0DESK> (1)*" in waiting
    assert "Nothing unclaimed in <#C0DESK>" in render_desk.open_tasks(
        "C0DESK", Listing([], 0), None
    )


def test_link_status() -> None:
    tally = Tally(total=4, open=1, claimed=1, confirmed=1, disputed=1, unverified=0)
    done = render_desk.link_status(
        "https://news.example/story", [Checked(_article(), tally)], WORKSPACE
    )
    assert "*2 of 4 checked*" in done
    assert ":x: 1 disputed" in done
    assert f"<{WORKSPACE}archives/C0DESK/p1732480001000200?thread_ts=" in done
    failed = _article(state=ArticleState.FAILED, error_message="I couldn't fetch that page.")
    assert "I couldn't fetch that page." in render_desk.link_status(
        "https://news.example/story", [Checked(failed, tally)], WORKSPACE
    )
    never = render_desk.link_status("https://news.example/new", [], WORKSPACE)
    assert never == (
        "https://news.example/new hasn't been checked yet. "
        "Run `/factcheck https://news.example/new` to check it."
    )


def _hostile_claim(number: int, **overrides: object) -> Claim:
    article = _article(title=HOSTILE, url="https://news.example/a?b=1&c=2")
    return _claim(number, article=article, text=HOSTILE, **overrides)


def test_hostile_titles_claims_and_notes_are_shown_not_acted_on() -> None:
    mine = Listing([_hostile_claim(1, assignee="U0ANA")], 3)
    unclaimed = Listing([_hostile_claim(2), _hostile_claim(3, slack_ts=None)], 2)
    note = ClaimEvent(
        id=9,
        claim=_hostile_claim(4),
        actor="U0ANA",
        action=EventAction.STATUS_CHANGED,
        from_value="open",
        to_value=HOSTILE,
        note=HOSTILE,
        created_at=WHEN,
    )
    failed = _article(title=HOSTILE, state=ArticleState.FAILED, error_message=HOSTILE)
    tally = Tally(total=2, open=1, claimed=0, confirmed=1, disputed=0, unverified=0)
    zone = Config(**{**DEFAULT_CONFIG.__dict__, "digest_timezone": HOSTILE, "editors": ("U0ED",)})

    texts = [
        render_desk.my_tasks(mine, WORKSPACE),
        render_desk.open_tasks("C0DESK", unclaimed, WORKSPACE),
        render_desk.link_status(
            HOSTILE, [Checked(failed, tally), Checked(_hostile_claim(5).article, tally)], WORKSPACE
        ),
        render_desk.link_status(HOSTILE, [], WORKSPACE),
        render_desk.unknown_subcommand(HOSTILE),
        channel_settings.settings_saved("C0DESK", zone),
    ]
    home = render_desk.home(
        mine=mine, unclaimed=unclaimed, verdicts=[note], workspace_url=WORKSPACE
    )

    for text in texts:
        assert problems({"text": text}) == [], text
    assert problems(home) == []
    assert "&lt;!channel&gt;" in str(home)
    assert validate_view(home) == []


def test_thread_links_escape_the_ampersand_in_their_query() -> None:
    text = render_desk.my_tasks(Listing([_claim(1, assignee="U0ANA")], 1), WORKSPACE)

    assert "?thread_ts=1732480000.000100&amp;cid=C0DESK|" in text
    assert problems({"text": text}) == []
