"""When and for whom digests go out: digest weeks, when each is due, the channels, the people.

A digest week is seven local days from 00:00 on the channel's digest weekday in its
timezone; the digest posted on that weekday at the digest hour covers the week that ended
at 00:00 that day (docs/digests.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.models import Article, ArticleState, Claim

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Week:
    """Seven local days from `start`, in `timezone`; `begins`/`ends` are the UTC instants."""

    start: date
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def begins(self) -> datetime:
        return datetime.combine(self.start, time(0), self.zone).astimezone(UTC)

    @property
    def ends(self) -> datetime:
        return datetime.combine(self.start + WEEK, time(0), self.zone).astimezone(UTC)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(7)]

    @property
    def previous(self) -> Week:
        return Week(self.start - WEEK, self.timezone)


def current_week(now: datetime, *, weekday: int, timezone: str) -> Week:
    """The digest week `now` falls in: it began on the latest `weekday` on or before today."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return Week(today - timedelta(days=(today.weekday() - weekday) % 7), timezone)


def scheduled_at(week: Week, *, hour: int) -> datetime:
    """When the digest of the week *before* `week` is due: `hour` on `week`'s first day."""
    return datetime.combine(week.start, time(hour), week.zone).astimezone(UTC)


def due_week(
    now: datetime, *, weekday: int, hour: int, timezone: str, catch_up: timedelta
) -> Week | None:
    """The week whose digest should be out by `now`, or None outside the catch-up window.

    The window keeps a bot that was down for days (or a channel whose schedule just
    changed) from posting a stale digest long after its time.
    """
    week = current_week(now, weekday=weekday, timezone=timezone)
    due = scheduled_at(week, hour=hour)
    if now < due:
        week = week.previous
        due = scheduled_at(week, hour=hour)
    if now - due > catch_up:
        return None
    return week.previous


def channels_with_articles(*, session: Session) -> list[tuple[str, str]]:
    """Every (team, channel) that has had an article: the channels a digest may be for."""
    rows = session.execute(
        select(Article.slack_team_id, Article.slack_channel_id)
        .where(Article.state != ArticleState.DUPLICATE)
        .distinct()
        .order_by(Article.slack_team_id, Article.slack_channel_id)
    ).all()
    return [(team, channel) for team, channel in rows]


def desk_people(*, session: Session, team_id: str, limit: int = 25) -> list[str]:
    """People who recently shared links or took tasks in the workspace, most recent first."""
    requested = session.execute(
        select(Article.requested_by, Article.created_at)
        .where(Article.slack_team_id == team_id, Article.requested_by.is_not(None))
        .order_by(Article.created_at.desc())
        .limit(limit)
    ).all()
    assigned = session.execute(
        select(Claim.assignee, Claim.claimed_at)
        .join(Claim.article)
        .where(Article.slack_team_id == team_id, Claim.assignee.is_not(None))
        .order_by(Claim.claimed_at.desc())
        .limit(limit)
    ).all()
    recent = sorted(
        [(at, user) for user, at in [*requested, *assigned] if user and at],
        key=lambda item: item[0],
        reverse=True,
    )
    return list(dict.fromkeys(user for _, user in recent))[:limit]
