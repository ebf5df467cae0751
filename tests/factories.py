"""factory_boy factories for database rows; `bind` points them at the test's session."""

from __future__ import annotations

from typing import Any

import factory
from sqlalchemy.orm import Session

from factdesk.links import normalize_url
from factdesk.models import Article, ArticleState, Claim, ClaimStatus


class _Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


class ArticleFactory(_Base):
    class Meta:
        model = Article

    url = factory.Sequence(lambda n: f"http://127.0.0.1:9/articles/story-{n}.html")
    normalized_url = factory.LazyAttribute(lambda article: normalize_url(article.url))
    title = factory.Sequence(lambda n: f"Story {n}")
    site = "The Meridian Post"
    state = ArticleState.DONE
    slack_team_id = "T0FACTDESK"
    slack_channel_id = "C0NEWSDESK"
    slack_thread_ts = factory.Sequence(lambda n: f"1732480000.{n:06d}")
    slack_message_ts = factory.SelfAttribute("slack_thread_ts")
    requested_by = "U0ANA"


class ClaimFactory(_Base):
    class Meta:
        model = Claim

    article = factory.SubFactory(ArticleFactory)
    text = factory.Sequence(lambda n: f"Officials said {n * 100} troops were sent in 2024.")
    start_char = factory.Sequence(lambda n: n * 100)
    end_char = factory.LazyAttribute(lambda claim: claim.start_char + len(claim.text))
    score = 0.8
    reasons = factory.LazyFunction(lambda: ["number or statistic", "attribution"])
    rank = factory.Sequence(lambda n: n + 1)
    status = ClaimStatus.OPEN


def bind(session: Session) -> None:
    """Make every factory create its rows in `session`."""
    for model_factory in (ArticleFactory, ClaimFactory):
        model_factory._meta.sqlalchemy_session = session  # type: ignore[attr-defined]


# Typed entry points: factory_boy's calls return Any as far as mypy can tell.
def article(**fields: Any) -> Article:
    made = ArticleFactory(**fields)
    assert isinstance(made, Article)
    return made


def claim(**fields: Any) -> Claim:
    made = ClaimFactory(**fields)
    assert isinstance(made, Claim)
    return made


def claims(count: int, **fields: Any) -> list[Claim]:
    made: list[Claim] = ClaimFactory.create_batch(count, **fields)
    return made
