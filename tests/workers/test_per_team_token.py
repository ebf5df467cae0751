"""With multi-workspace installs, each task body talks to Slack with its team's token."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from factdesk import logs
from factdesk.db import migrate
from factdesk.errors import NotInstalled
from factdesk.services import articles, installations
from factdesk.settings import Settings
from standin.slack_api import SlackStandIn
from workers.context import WorkerContext, for_article, for_team

pytest.importorskip("greenlet", reason="slack_sdk's SQLAlchemy stores need greenlet")


@pytest.fixture
def ctx(tmp_path: Path, slack: SlackStandIn) -> WorkerContext:
    settings = Settings(
        slack_client_id="1111.2222",
        slack_client_secret=SecretStr("client-secret"),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{tmp_path / 'teams.db'}",
        var_dir=tmp_path,
    )
    migrate(settings.resolved_database_url)
    return WorkerContext(settings)


def _install(
    ctx: WorkerContext, team_id: str, token: str, *, enterprise_id: str | None = None
) -> None:
    from slack_sdk.oauth.installation_store import Installation

    installations.installation_store(ctx.settings).save(
        Installation(
            app_id="A0FACTDESK",
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=token,
            bot_id="BFACTBOT",
            bot_user_id="UFACTBOT",
            user_id="U0ANA",
        )
    )


def test_each_team_gets_a_client_with_its_own_token(ctx: WorkerContext) -> None:
    _install(ctx, "T0ONE", "xoxb-one")
    _install(ctx, "T0TWO", "xoxb-two")

    assert ctx.slack_for("T0ONE").token == "xoxb-one"
    assert ctx.slack_for("T0TWO").token == "xoxb-two"
    with pytest.raises(NotInstalled):
        ctx.slack_for("T0NEVER")


def test_a_workspace_of_an_enterprise_grid_org_gets_its_token(ctx: WorkerContext) -> None:
    # Articles keep the team, not the org: the team alone must find the install.
    _install(ctx, "T0GRID", "xoxb-grid", enterprise_id="E0ORG")

    assert ctx.slack_for("T0GRID").token == "xoxb-grid"


@pytest.mark.parametrize("team_id", [None, ""])
def test_without_a_team_nothing_is_sent_even_with_a_bot_token_set(
    ctx: WorkerContext, team_id: str | None
) -> None:
    with_token = WorkerContext(
        ctx.settings.model_copy(update={"slack_bot_token": SecretStr("xoxb-someone-else")})
    )

    with pytest.raises(NotInstalled), with_token.acting_for(team_id):
        pass


def test_a_reinstall_replaces_the_token(ctx: WorkerContext) -> None:
    _install(ctx, "T0ONE", "xoxb-old")
    assert ctx.slack_for("T0ONE").token == "xoxb-old"

    _install(ctx, "T0ONE", "xoxb-new")

    assert ctx.slack_for("T0ONE").token == "xoxb-new"


def test_task_bodies_act_for_their_articles_team(ctx: WorkerContext) -> None:
    _install(ctx, "T0ONE", "xoxb-one")
    with ctx.session() as session:
        one, _ = articles.create(
            session=session,
            url="https://example.org/a",
            team_id="T0ONE",
            channel_id="C0NEWSDESK",
            thread_ts=None,
            message_ts="1.000001",
            requested_by="U0ANA",
        )
        gone, _ = articles.create(
            session=session,
            url="https://example.org/b",
            team_id="T0GONE",
            channel_id="C0NEWSDESK",
            thread_ts=None,
            message_ts="1.000002",
            requested_by="U0ANA",
        )
        ids = (one.id, gone.id)

    @for_article
    def body(article_id: int, ctx: WorkerContext) -> tuple[str | None, str | None]:
        return ctx.slack.token, logs.current("team_id")

    @for_team
    def by_team(team_id: str, ctx: WorkerContext) -> str | None:
        return ctx.slack.token

    assert body(ids[0], ctx) == ("xoxb-one", "T0ONE")
    assert body(ids[1], ctx) is None  # uninstalled: skipped, nothing to post with
    assert by_team("T0ONE", ctx) == "xoxb-one"
    assert logs.current("team_id") is None
