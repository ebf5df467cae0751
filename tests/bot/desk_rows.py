"""Rows for the desk's scenario tests, written straight to the running system's database.

The desk's answers read only the database, so these tests seed it directly instead of
waiting for a worker to read an article: the requests under test are still signed HTTP.
"""

from __future__ import annotations

import itertools

from factdesk.links import normalize_url
from factdesk.models import Article, ArticleState, Claim
from tests.conftest import System

TEAM = "T0FACTDESK"
_numbers = itertools.count(1)


def seed_thread(
    system: System,
    *,
    channel: str,
    url: str,
    claims: int = 3,
    requested_by: str = "U0ANA",
) -> tuple[int, list[int]]:
    """An article with a posted summary and `claims` posted, open tasks; their ids."""
    n = next(_numbers)
    base = 1732600000 + n * 100
    with system.session() as session:
        article = Article(
            url=url,
            normalized_url=normalize_url(url),
            title=f"Desk story {n}",
            state=ArticleState.DONE,
            slack_team_id=TEAM,
            slack_channel_id=channel,
            slack_thread_ts=f"{base}.000100",
            slack_message_ts=f"{base}.000100",
            slack_summary_ts=f"{base}.000200",
            requested_by=requested_by,
        )
        session.add(article)
        for i in range(claims):
            session.add(
                Claim(
                    article=article,
                    text=f"Story {n} claim {i}: officials said {i + 1},000 troops were sent.",
                    start_char=i * 100,
                    end_char=i * 100 + 60,
                    score=0.8,
                    rank=i + 1,
                    slack_ts=f"{base}.{300 + i:06d}",
                )
            )
        session.flush()
        return article.id, [claim.id for claim in article.claims]
