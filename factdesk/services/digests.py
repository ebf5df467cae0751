"""Weekly digests: the week's figures for a channel, and the marker that posts each once.

Definitions (docs/digests.md says the same):

- A digest week is seven local days, from 00:00 on the channel's digest weekday in its
  timezone. The digest posted on that weekday at the digest hour covers the week that
  ended at 00:00 that day; with the defaults, Monday to Sunday.
- *Articles processed*: articles shared in the channel during the week whose text was read
  (state done); re-shares of a checked link don't count.
- *Claims found*: claims stored during the week (posted or held back, found or added by a
  person), less those later marked "Not a claim".
- *Verdicts*: each claim counts once, under the last verdict given to it during the week,
  unless it was reopened or dismissed after that verdict within the week. The person who
  gave that verdict is credited with a completed task.
- *Time to claim*: from the claim's creation to the first time someone took it (Claim,
  Reassign to someone, or a verdict on an unclaimed task), for claims first taken during
  the week.
- *Time to verdict*: from the claim's creation to its first verdict, for claims first
  judged during the week.
- Percentiles interpolate linearly between the closest ranks (Hyndman and Fan's type 7,
  as numpy's default and spreadsheets' PERCENTILE.INC): with the n durations sorted, the
  p-th percentile sits at position h = (n - 1) * p / 100; between the values at floor(h)
  and floor(h) + 1 it is interpolated. The median of an even count is thus the mean of the
  two middle values.
- *Claims per day* (the chart): claims found each local day, by where they stand now.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased, contains_eager

from factdesk.models import (
    VERDICTS,
    Article,
    ArticleState,
    Claim,
    ClaimEvent,
    ClaimStatus,
    EventAction,
)
from factdesk.services import desk
from factdesk.services.digest_posts import Claimed, claim_post, finish_post, get_post, is_stale
from factdesk.services.digest_schedule import (
    WEEK,
    Week,
    channels_with_articles,
    current_week,
    desk_people,
    due_week,
    scheduled_at,
)

# The schedule and the exactly-once marker live in their own modules; callers keep
# reaching them here, as `digests.Week`, `digests.claim_post` and so on.
__all__ = [
    "CLAIMED",
    "LIST_LIMIT",
    "OPEN",
    "STANDINGS",
    "WEEK",
    "Claimed",
    "Digest",
    "Durations",
    "Figures",
    "Week",
    "build",
    "channels_with_articles",
    "claim_post",
    "current_week",
    "desk_people",
    "due_week",
    "finish_post",
    "get_post",
    "in_progress_tasks",
    "is_stale",
    "percentile",
    "scheduled_at",
]

LIST_LIMIT = 5

# Where a claim stands, for the chart's stacks, in drawing order.
OPEN = "open"
CLAIMED = "claimed"
STANDINGS = (
    OPEN,
    CLAIMED,
    ClaimStatus.CONFIRMED.value,
    ClaimStatus.DISPUTED.value,
    ClaimStatus.UNVERIFIED.value,
)
_VERDICT_ORDER = (ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED, ClaimStatus.UNVERIFIED)


# -- percentiles -----------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile, linear between closest ranks (type 7); values must not be empty."""
    if not values:
        raise ValueError("no values")
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    ordered = sorted(values)
    h = (len(ordered) - 1) * p / 100
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


@dataclass(frozen=True)
class Durations:
    """How long something took, over `count` claims: median and 90th percentile."""

    count: int
    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Durations:
        if not seconds:
            return cls(0, None, None)
        return cls(
            len(seconds),
            timedelta(seconds=percentile(seconds, 50)),
            timedelta(seconds=percentile(seconds, 90)),
        )


# -- the figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One week's counts."""

    articles: int
    claims: int
    verdicts: dict[ClaimStatus, int]

    @property
    def judged(self) -> int:
        return sum(self.verdicts.values())


@dataclass(frozen=True)
class Digest:
    """Everything a channel's digest shows."""

    team_id: str
    channel_id: str
    week: Week
    now: datetime
    figures: Figures
    previous: Figures
    time_to_claim: Durations
    time_to_verdict: Durations
    disputed: list[Claim]
    oldest_unclaimed: desk.Listing
    oldest_in_progress: desk.Listing
    completed_by: list[tuple[str, int]]
    per_day: dict[date, dict[str, int]] = field(default_factory=dict)

    @property
    def quiet(self) -> bool:
        """Nothing happened this week and nothing waits: no digest worth posting."""
        return (
            self.figures.articles == 0
            and self.figures.claims == 0
            and self.figures.judged == 0
            and self.time_to_claim.count == 0
            and self.oldest_unclaimed.total == 0
            and self.oldest_in_progress.total == 0
        )


def _in_channel(team_id: str, channel_id: str) -> ColumnElement[bool]:
    return and_(Article.slack_team_id == team_id, Article.slack_channel_id == channel_id)


def _between(
    column: InstrumentedAttribute[datetime], begins: datetime, ends: datetime
) -> ColumnElement[bool]:
    return and_(column >= begins, column < ends)


def _figures(
    session: Session, team_id: str, channel_id: str, week: Week
) -> tuple[Figures, dict[int, tuple[ClaimStatus, str]]]:
    begins, ends = week.begins, week.ends
    articles = session.scalar(
        select(func.count(Article.id)).where(
            _in_channel(team_id, channel_id),
            Article.state == ArticleState.DONE,
            _between(Article.created_at, begins, ends),
        )
    )
    found = session.scalar(
        select(func.count(Claim.id))
        .join(Claim.article)
        .where(
            _in_channel(team_id, channel_id),
            Claim.status != ClaimStatus.DISMISSED,
            _between(Claim.created_at, begins, ends),
        )
    )
    final = _final_verdicts(session, team_id, channel_id, begins, ends)
    counts = Counter(status for status, _ in final.values())
    return (
        Figures(
            articles=articles or 0,
            claims=found or 0,
            verdicts={status: counts[status] for status in _VERDICT_ORDER},
        ),
        final,
    )


def _final_verdicts(
    session: Session, team_id: str, channel_id: str, begins: datetime, ends: datetime
) -> dict[int, tuple[ClaimStatus, str]]:
    """Each claim's last verdict of the week and who gave it, unless taken back that week."""
    events = session.execute(
        select(ClaimEvent.claim_id, ClaimEvent.action, ClaimEvent.to_value, ClaimEvent.actor)
        .join(ClaimEvent.claim)
        .join(Claim.article)
        .where(
            _in_channel(team_id, channel_id),
            ClaimEvent.action.in_(
                [EventAction.STATUS_CHANGED, EventAction.REOPENED, EventAction.DISMISSED]
            ),
            _between(ClaimEvent.created_at, begins, ends),
        )
        .order_by(ClaimEvent.created_at, ClaimEvent.id)
    ).all()
    final: dict[int, tuple[ClaimStatus, str]] = {}
    for claim_id, action, to_value, actor in events:
        if action == EventAction.STATUS_CHANGED and to_value in VERDICTS:
            final[claim_id] = (ClaimStatus(to_value), actor)
        else:
            final.pop(claim_id, None)
    return final


def _durations(
    session: Session, team_id: str, channel_id: str, week: Week, *, taking: bool
) -> Durations:
    """Seconds from creation to the first take (or the first verdict) that fell in the week."""

    def counts(event: type[ClaimEvent]) -> ColumnElement[bool]:
        verdict = (event.action == EventAction.STATUS_CHANGED) & event.to_value.in_(
            [status.value for status in VERDICTS]
        )
        if not taking:
            return verdict
        return (
            (event.action == EventAction.CLAIMED)
            | ((event.action == EventAction.REASSIGNED) & event.to_value.is_not(None))
            | verdict
        )

    # A claim's first take falls in the week when it was taken in the week and never
    # before: starting from the week's events (not every event ever, grouped) keeps this
    # to the week's rows.
    earlier = aliased(ClaimEvent)
    first = (
        select(ClaimEvent.claim_id, func.min(ClaimEvent.created_at).label("at"))
        .join(ClaimEvent.claim)
        .join(Claim.article)
        .where(
            _in_channel(team_id, channel_id),
            counts(ClaimEvent),
            _between(ClaimEvent.created_at, week.begins, week.ends),
            ~exists().where(
                earlier.claim_id == ClaimEvent.claim_id,
                counts(earlier),
                earlier.created_at < week.begins,
            ),
        )
        .group_by(ClaimEvent.claim_id)
        .subquery()
    )
    rows = session.execute(
        select(Claim.created_at, first.c.at).join(first, first.c.claim_id == Claim.id)
    ).all()
    seconds = []
    for created, at in rows:
        # Aggregates come back as plain values, not through the UTC column type.
        moment = _aware(at)
        if week.begins <= moment < week.ends:
            seconds.append(max(0.0, (moment - created).total_seconds()))
    return Durations.of(seconds)


def _aware(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _standing(claim: Claim) -> str:
    if claim.status is ClaimStatus.OPEN:
        return CLAIMED if claim.assignee else OPEN
    return claim.status.value


def _per_day(
    session: Session, team_id: str, channel_id: str, week: Week
) -> dict[date, dict[str, int]]:
    found = session.scalars(
        select(Claim)
        .join(Claim.article)
        .where(
            _in_channel(team_id, channel_id),
            Claim.status != ClaimStatus.DISMISSED,
            _between(Claim.created_at, week.begins, week.ends),
        )
    )
    days = {day: dict.fromkeys(STANDINGS, 0) for day in week.days}
    for claim in found:
        day = claim.created_at.astimezone(week.zone).date()
        days[day][_standing(claim)] += 1
    return days


def _claims(session: Session, ids: Sequence[int]) -> list[Claim]:
    if not ids:
        return []
    query = (
        select(Claim)
        .join(Claim.article)
        .options(contains_eager(Claim.article))
        .where(Claim.id.in_(list(ids)))
        .order_by(Claim.status_set_at, Claim.id)
    )
    return list(session.scalars(query).unique())


def in_progress_tasks(
    *, session: Session, team_id: str, channel_id: str, limit: int = LIST_LIMIT
) -> desk.Listing:
    """Posted tasks someone claimed but hasn't judged, the longest-held first."""
    query = (
        select(Claim)
        .join(Claim.article)
        .options(contains_eager(Claim.article))
        .where(
            _in_channel(team_id, channel_id),
            Claim.held_back.is_(False),
            Claim.slack_ts.is_not(None),
            Claim.status == ClaimStatus.OPEN,
            Claim.assignee.is_not(None),
        )
        .order_by(Claim.claimed_at, Claim.id)
    )
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return desk.Listing(list(session.scalars(query.limit(limit)).unique()), total)


def build(*, session: Session, team_id: str, channel_id: str, week: Week, now: datetime) -> Digest:
    """The channel's digest for `week`; the lists of waiting tasks are as of `now`."""
    figures, final = _figures(session, team_id, channel_id, week)
    previous, _ = _figures(session, team_id, channel_id, week.previous)
    disputed = [
        claim_id for claim_id, (status, _) in final.items() if status is ClaimStatus.DISPUTED
    ]
    people = Counter(actor for _, actor in final.values())
    return Digest(
        team_id=team_id,
        channel_id=channel_id,
        week=week,
        now=now,
        figures=figures,
        previous=previous,
        time_to_claim=_durations(session, team_id, channel_id, week, taking=True),
        time_to_verdict=_durations(session, team_id, channel_id, week, taking=False),
        disputed=_claims(session, disputed),
        oldest_unclaimed=desk.unclaimed_tasks(
            session=session, team_id=team_id, channel_ids=[channel_id], limit=LIST_LIMIT
        ),
        oldest_in_progress=in_progress_tasks(
            session=session, team_id=team_id, channel_id=channel_id
        ),
        completed_by=sorted(people.items(), key=lambda item: (-item[1], item[0])),
        per_day=_per_day(session, team_id, channel_id, week),
    )
