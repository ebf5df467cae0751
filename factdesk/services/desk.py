"""The desk as one person sees it: their tasks, the open work around them, their verdicts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from factdesk.links import normalize_url
from factdesk.models import Article, ArticleState, Claim, ClaimEvent, ClaimStatus, EventAction
from factdesk.services import claims
from factdesk.services.claims import Tally


@dataclass(frozen=True)
class Listing:
    """The first `limit` rows of a longer list, and how long the list is."""

    items: list[Claim]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class Checked:
    """A link's fact-check thread and how far it has come."""

    article: Article
    tally: Tally = field(compare=False)


def _posted_tasks(team_id: str) -> Select[Claim]:
    # Only tasks that are posted: held-back claims and claims still being posted have no
    # message to link to yet.
    return (
        select(Claim)
        .join(Claim.article)
        .options(contains_eager(Claim.article))
        .where(
            Article.slack_team_id == team_id,
            Claim.held_back.is_(False),
            Claim.slack_ts.is_not(None),
        )
    )


def _listing(session: Session, query: Select[Claim], limit: int) -> Listing:
    # Counted without the ORDER BY: sorting every match only to count them cost most of
    # the time at a million claims.
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return Listing(list(session.scalars(query.limit(limit)).unique()), total)


def my_open_tasks(*, session: Session, team_id: str, user_id: str, limit: int = 15) -> Listing:
    """Tasks assigned to the person and not yet judged, the longest-held first."""
    query = (
        _posted_tasks(team_id)
        .where(Claim.assignee == user_id, Claim.status == ClaimStatus.OPEN)
        .order_by(Claim.claimed_at, Claim.id)
    )
    return _listing(session, query, limit)


def unclaimed_tasks(
    *, session: Session, team_id: str, channel_ids: Collection[str], limit: int = 15
) -> Listing:
    """Open tasks nobody has claimed in these channels, the oldest first."""
    if not channel_ids:
        return Listing([], 0)
    query = (
        _posted_tasks(team_id)
        .where(
            Article.slack_channel_id.in_(list(channel_ids)),
            Claim.assignee.is_(None),
            Claim.status == ClaimStatus.OPEN,
        )
        .order_by(Claim.created_at, Article.id, Claim.start_char)
    )
    return _listing(session, query, limit)


def recent_verdicts(
    *, session: Session, team_id: str, user_id: str, limit: int = 10
) -> list[ClaimEvent]:
    """The verdicts the person gave most recently, newest first."""
    query = (
        select(ClaimEvent)
        .join(ClaimEvent.claim)
        .join(Claim.article)
        .options(contains_eager(ClaimEvent.claim).contains_eager(Claim.article))
        .where(
            Article.slack_team_id == team_id,
            ClaimEvent.actor == user_id,
            ClaimEvent.action == EventAction.STATUS_CHANGED,
        )
        .order_by(ClaimEvent.created_at.desc(), ClaimEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query).unique())


def channels_worked_in(*, session: Session, team_id: str, user_id: str) -> list[str]:
    """Channels where the person shared a link or worked on a task, for when Slack can't say."""
    shared = select(Article.slack_channel_id).where(
        Article.slack_team_id == team_id, Article.requested_by == user_id
    )
    assigned = (
        select(Article.slack_channel_id)
        .join(Claim, Claim.article_id == Article.id)
        .where(Article.slack_team_id == team_id, Claim.assignee == user_id)
    )
    acted = (
        select(Article.slack_channel_id)
        .join(Claim, Claim.article_id == Article.id)
        .join(ClaimEvent, ClaimEvent.claim_id == Claim.id)
        .where(Article.slack_team_id == team_id, ClaimEvent.actor == user_id)
    )
    found = session.scalars(shared.union(assigned, acted)).all()
    return sorted(set(found))


def checks_of(
    *, session: Session, team_id: str, url: str, channel_id: str | None = None, limit: int = 5
) -> list[Checked]:
    """The threads that checked this link (matched after normalizing), this channel's first."""
    key = normalize_url(url)
    query = (
        select(Article)
        .where(
            Article.slack_team_id == team_id,
            or_(Article.normalized_url == key, Article.canonical_key == key),
            # A re-share points at the first thread; that thread holds the work.
            Article.state != ArticleState.DUPLICATE,
            Article.slack_thread_ts.is_not(None),
        )
        .order_by(Article.created_at.desc(), Article.id.desc())
    )
    found = list(session.scalars(query))
    found.sort(key=lambda article: article.slack_channel_id != channel_id)
    return [
        Checked(article, claims.tally(session=session, article_id=article.id))
        for article in found[:limit]
    ]
