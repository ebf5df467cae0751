"""The ingest task with a story already checked in the workspace: no second extraction."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from factdesk.db import migrate
from factdesk.links import normalize_url
from factdesk.models import Article, ArticleState, Claim, SlackPost
from factdesk.settings import Settings
from standin.articles import ArticleServer
from standin.slack_api import SlackStandIn
from workers import ingest
from workers.context import WorkerContext

CHANNEL = "C0INGEST"
CANONICAL = (
    "https://www.meridianpost.example/international/2024/10/23/north-korean-troops-russia-ukraine/"
)


@pytest.fixture
def ctx(tmp_path: Path, slack: SlackStandIn) -> WorkerContext:
    slack.add_channel(CHANNEL, "ingest")
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{tmp_path / 'ingest.db'}",
        var_dir=tmp_path,
    )
    migrate(settings.resolved_database_url)
    return WorkerContext(settings)


def _article(ctx: WorkerContext, url: str, ts: str, **fields: object) -> int:
    with ctx.session() as session:
        article = Article(
            url=url,
            normalized_url=normalize_url(url),
            slack_team_id="T0INGEST",
            slack_channel_id=CHANNEL,
            slack_thread_ts=ts,
            slack_message_ts=ts,
            **fields,
        )
        session.add(article)
        session.flush()
        return article.id


def _replies(slack: SlackStandIn, ts: str) -> list[str]:
    return [m["text"] for m in slack.thread(CHANNEL, ts)]


def test_a_page_whose_canonical_link_is_known_is_answered_with_that_thread(
    ctx: WorkerContext, slack: SlackStandIn, pages: ArticleServer
) -> None:
    first_ts = slack.add_message(CHANNEL, "first", user="U0ANA")
    original = _article(
        ctx,
        "https://amp.meridianpost.example/north-korea",
        first_ts,
        state=ArticleState.DONE,
        canonical_key=normalize_url(CANONICAL),
    )
    ts = slack.add_message(CHANNEL, "again", user="U0BEN")
    article_id = _article(
        ctx, pages.article_url("north-korean-troops-russia.html") + "?edition=uk", ts
    )

    ingest.ingest_article(article_id, ctx)
    ingest.ingest_article(article_id, ctx)  # a redelivered task posts nothing twice

    [reply] = _replies(slack, ts)
    assert f"Already being checked in <#{CHANNEL}>" in reply
    assert f"/archives/{CHANNEL}/p{first_ts.replace('.', '')}" in reply
    with ctx.session() as session:
        article = session.get(Article, article_id)
        assert article is not None
        assert article.state is ArticleState.DUPLICATE
        assert article.duplicate_of_id == original
        assert article.canonical_key == normalize_url(CANONICAL)
        assert session.scalars(select(Claim).where(Claim.article_id == article_id)).all() == []
        assert session.scalars(select(SlackPost.key)).all() == [f"already-checked:{article_id}"]


def test_a_duplicate_stored_by_the_listener_is_answered_without_fetching(
    ctx: WorkerContext, slack: SlackStandIn, pages: ArticleServer
) -> None:
    first_ts = slack.add_message(CHANNEL, "first", user="U0ANA")
    url = pages.article_url("press-release.txt")
    original = _article(ctx, url, first_ts, state=ArticleState.PROCESSING)
    ts = slack.add_message(CHANNEL, "again", user="U0BEN")
    article_id = _article(ctx, url, ts, state=ArticleState.DUPLICATE, duplicate_of_id=original)
    pages.clear_requests()

    ingest.ingest_article(article_id, ctx)

    [reply] = _replies(slack, ts)
    assert f"Already being checked in <#{CHANNEL}>." in reply
    assert pages.requests == []
    reactions = {r["name"] for r in slack.message(CHANNEL, ts).get("reactions", [])}
    assert reactions == {ingest.DONE_REACTION}
