"""The Home tab: a signed app_home_opened event, published by the worker from the DB."""

from __future__ import annotations

from typing import Any

import pytest

from factdesk.ids import ActionId
from factdesk.models import ClaimStatus
from factdesk.services import claims
from factdesk.services.claims import Actor
from standin.signing import app_home_opened, click, post_event
from standin.slack_api import SlackStandIn
from tests.bot.desk_rows import seed_thread
from tests.conftest import SIGNING_SECRET, System

pytestmark = pytest.mark.scenario

CHANNEL = "C0DESKHOME"
USER = "U0DESKHOME"


@pytest.fixture(scope="module")
def tasks(system: System) -> list[int]:
    system.slack.add_user(USER, "deskhome")
    system.slack.add_channel(CHANNEL, "deskhome")
    system.slack.set_members(CHANNEL, [USER, "U0ANA"])
    _, ids = seed_thread(system, channel=CHANNEL, url="https://news.example/desk-home", claims=3)
    return ids


def _publishes(slack: SlackStandIn) -> int:
    return sum(1 for c in slack.calls_to("views.publish") if c.args.get("user_id") == USER)


def _open_home(system: System, *, tab: str = "home") -> None:
    status, body = post_event(
        system.events_url, app_home_opened(user=USER, tab=tab), SIGNING_SECRET
    )
    assert status == 200, body


def _sections(view: dict[str, Any]) -> dict[str, str]:
    """The Home tab's text under each header."""
    found: dict[str, list[str]] = {}
    current = ""
    for block in view["blocks"]:
        if block["type"] == "header":
            current = block["text"]["text"]
            found[current] = []
        elif block["type"] in ("section", "context"):
            found[current].append((block.get("text") or block["elements"][0])["text"])
    return {header: "\n".join(texts) for header, texts in found.items()}


def test_opening_home_publishes_the_desk(system: System, tasks: list[int]) -> None:
    before = _publishes(system.slack)

    _open_home(system)

    system.slack.wait_for(lambda s: _publishes(s) > before, timeout=20)
    sections = _sections(system.slack.home_view(USER))
    assert sections["Your open tasks"].startswith("Nothing assigned to you.")
    unclaimed = sections["Unclaimed tasks in your channels"]
    assert unclaimed.count(f"<#{CHANNEL}>") == 3
    assert "No verdicts yet" in sections["Your recent verdicts"]


def test_a_change_shows_on_the_next_publish(system: System, tasks: list[int]) -> None:
    with system.session() as session:
        claims.claim_task(session=session, claim_id=tasks[0], user_id=USER)
        claims.set_verdict(
            session=session,
            claim_id=tasks[1],
            actor=Actor(USER),
            status=ClaimStatus.DISPUTED,
            note="The agency's own count is lower.",
            evidence_urls=["https://example.org/count"],
            evidence_required_for=[],
        )

    _open_home(system)

    def updated(slack: SlackStandIn) -> bool:
        return "claim 0" in _sections(slack.home_view(USER))["Your open tasks"]

    system.slack.wait_for(updated, timeout=20)
    view = system.slack.home_view(USER)
    sections = _sections(view)
    assert "claim 2" in sections["Unclaimed tasks in your channels"]
    assert "claim 0" not in sections["Unclaimed tasks in your channels"]
    assert ":x: Disputed" in sections["Your recent verdicts"]
    assert "The agency's own count is lower." in sections["Your recent verdicts"]

    # The "Open thread" link button still sends an action, which must be acked.
    status, body = click(
        system.events_url,
        SIGNING_SECRET,
        message={"ts": "", "blocks": view["blocks"]},
        action_id=ActionId.OPEN_THREAD.value,
        user=USER,
        channel=CHANNEL,
    )
    assert (status, body) == (200, "")


def test_other_tabs_publish_nothing(system: System, tasks: list[int]) -> None:
    before = _publishes(system.slack)

    _open_home(system, tab="messages")
    _open_home(system)

    system.slack.wait_for(lambda s: _publishes(s) > before, timeout=20)
    assert _publishes(system.slack) == before + 1
