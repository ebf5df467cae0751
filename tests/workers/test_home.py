"""publish_home against the Slack stand-in and a database of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from factdesk.db import migrate, session_scope
from factdesk.models import Article, Claim, ClaimStatus
from factdesk.services import claims
from factdesk.services.claims import Actor
from factdesk.settings import Settings
from standin.slack_api import SlackStandIn
from workers.context import WorkerContext
from workers.home import publish_home

TEAM = "T0FACTDESK"
USER = "U0HOMEW"
MINE, THEIRS = "C0HOMEW1", "C0HOMEW2"


@pytest.fixture(scope="module")
def ctx(slack: SlackStandIn, tmp_path_factory: pytest.TempPathFactory) -> WorkerContext:
    var: Path = tmp_path_factory.mktemp("home")
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{var / 'home.db'}",
        var_dir=var,
    )
    migrate(settings.resolved_database_url)
    slack.add_user(USER, "homew")
    for channel in (MINE, THEIRS):
        slack.add_channel(channel, channel.lower())
    slack.set_members(MINE, [USER, "U0ANA"])
    slack.set_members(THEIRS, ["U0ANA"])
    return WorkerContext(settings)


@pytest.fixture(scope="module")
def seeded(ctx: WorkerContext) -> dict[str, int]:
    """A task of mine, unclaimed tasks in a channel I'm in and one I'm not, a verdict."""
    with ctx.session() as session:
        ids: dict[str, int] = {}
        for channel, n in ((MINE, 1), (THEIRS, 2)):
            article = Article(
                url=f"https://news.example/home-{n}",
                normalized_url=f"https://news.example/home-{n}",
                title=f"Home story {n}",
                slack_team_id=TEAM,
                slack_channel_id=channel,
                slack_thread_ts=f"1732480000.00000{n}",
                slack_summary_ts=f"1732480001.00000{n}",
            )
            session.add(article)
            for i, name in enumerate(("open", "assigned", "judged")):
                claim = Claim(
                    article=article,
                    text=f"Claim {name} in story {n}: 5,000 troops were sent.",
                    start_char=i * 100,
                    end_char=i * 100 + 50,
                    score=0.8,
                    rank=i + 1,
                    slack_ts=f"1732480002.00{n}{i}00",
                )
                session.add(claim)
                session.flush()
                ids[f"{name}-{channel}"] = claim.id
        claims.claim_task(session=session, claim_id=ids[f"assigned-{THEIRS}"], user_id=USER)
        claims.claim_task(session=session, claim_id=ids[f"assigned-{MINE}"], user_id="U0ANA")
        claims.set_verdict(
            session=session,
            claim_id=ids[f"judged-{MINE}"],
            actor=Actor(USER),
            status=ClaimStatus.DISPUTED,
            note="The ministry's own report says 1,500.",
            evidence_urls=["https://example.org/report"],
            evidence_required_for=[],
        )
        claims.set_verdict(
            session=session,
            claim_id=ids[f"judged-{THEIRS}"],
            actor=Actor("U0ANA"),
            status=ClaimStatus.CONFIRMED,
            evidence_urls=["https://example.org/report"],
            evidence_required_for=[],
        )
        return ids


def _sections(view: dict[str, Any]) -> dict[str, list[str]]:
    """The Home tab's text under each header."""
    found: dict[str, list[str]] = {}
    current = ""
    for block in view["blocks"]:
        if block["type"] == "header":
            current = block["text"]["text"]
            found[current] = []
        elif block["type"] in ("section", "context"):
            text = block.get("text") or block["elements"][0]
            found[current].append(text["text"])
    return found


def test_home_shows_my_tasks_my_channels_and_my_verdicts(
    ctx: WorkerContext, seeded: dict[str, int], slack: SlackStandIn
) -> None:
    publish_home(TEAM, USER, ctx)

    view = slack.home_view(USER)
    sections = _sections(view)
    assert list(sections) == [
        "Your open tasks",
        "Unclaimed tasks in your channels",
        "Your recent verdicts",
    ]
    assert len(sections["Your open tasks"]) == 1
    assert "Claim assigned in story 2" in sections["Your open tasks"][0]
    assert f"<#{THEIRS}>" in sections["Your open tasks"][0]
    assert len(sections["Unclaimed tasks in your channels"]) == 1
    assert "Claim open in story 1" in sections["Unclaimed tasks in your channels"][0]
    [verdict] = sections["Your recent verdicts"]
    assert ":x: Disputed" in verdict
    assert "The ministry's own report says 1,500." in verdict
    button = next(b["accessory"] for b in view["blocks"] if "accessory" in b)
    assert button["url"] == (
        f"https://factdesk-demo.slack.com/archives/{THEIRS}/p1732480002002100"
        f"?thread_ts=1732480000.000002&cid={THEIRS}"
    )


def test_publishing_again_reflects_a_change(
    ctx: WorkerContext, seeded: dict[str, int], slack: SlackStandIn
) -> None:
    publish_home(TEAM, USER, ctx)
    before = slack.home_view(USER)
    with session_scope(ctx.settings.resolved_database_url) as session:
        claims.claim_task(session=session, claim_id=seeded[f"open-{MINE}"], user_id=USER)
    try:
        publish_home(TEAM, USER, ctx)
    finally:
        with session_scope(ctx.settings.resolved_database_url) as session:
            claims.release(session=session, claim_id=seeded[f"open-{MINE}"], actor=Actor(USER))

    after = slack.home_view(USER)
    assert after["id"] == before["id"]
    sections = _sections(after)
    assert len(sections["Your open tasks"]) == 2
    [empty] = sections["Unclaimed tasks in your channels"]
    assert empty.startswith("No unclaimed tasks in your channels.")


def test_without_membership_it_falls_back_to_where_i_worked(
    ctx: WorkerContext, seeded: dict[str, int], slack: SlackStandIn
) -> None:
    slack.fail_next("users.conversations", "missing_scope")

    publish_home(TEAM, USER, ctx)

    unclaimed = _sections(slack.home_view(USER))["Unclaimed tasks in your channels"]
    # Both channels: I hold a task in one and gave a verdict in the other.
    assert len(unclaimed) == 2
    assert any("Claim open in story 2" in text for text in unclaimed)
