"""Each week's digest posted exactly once: the marker a worker claims, takes over or finishes.

Beat only enqueues a tick, and the tick a task per due channel; that task claims the
week's row (unique per team, channel and week) and commits before posting, so two beats,
a re-run or a redelivered task find the row and stop. A claim held past its staleness
limit is taken over by compare-and-set on its token (docs/digests.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factdesk.models import DigestPost, DigestState


def get_post(
    *, session: Session, team_id: str, channel_id: str, week_start: date
) -> DigestPost | None:
    """The week's digest marker for the channel, if anyone has claimed it."""
    return session.scalar(
        select(DigestPost).where(
            DigestPost.slack_team_id == team_id,
            DigestPost.slack_channel_id == channel_id,
            DigestPost.week_start == week_start,
        )
    )


def is_stale(post: DigestPost, *, now: datetime, stale_after: timedelta) -> bool:
    """A claim held so long that its worker must have died."""
    return post.state is DigestState.CLAIMED and now - post.claimed_at >= stale_after


@dataclass(frozen=True)
class Claimed:
    """This worker holds the week's digest; `taken_over` when a dead worker held it first.

    `since` is when the last holder claimed it, `first_claimed` when the first did.
    """

    post_id: int
    token: str
    taken_over: bool
    since: datetime
    first_claimed: datetime


def claim_post(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    week_start: date,
    token: str,
    now: datetime,
    stale_after: timedelta,
) -> Claimed | None:
    """Take the week's digest for posting; None when it is done or a live worker has it.

    Commit before posting: the committed row is what a second beat or a re-run sees.
    """
    try:
        with session.begin_nested():
            post = DigestPost(
                slack_team_id=team_id,
                slack_channel_id=channel_id,
                week_start=week_start,
                state=DigestState.CLAIMED,
                claim_token=token,
                claimed_at=now,
            )
            session.add(post)
        return Claimed(post.id, token, taken_over=False, since=now, first_claimed=now)
    except IntegrityError:
        pass
    found = get_post(session=session, team_id=team_id, channel_id=channel_id, week_start=week_start)
    if found is None or not is_stale(found, now=now, stale_after=stale_after):
        return None
    since = found.claimed_at
    # The row was made with the first claim; a holder taken over before kept no time.
    first_claimed = min(found.created_at, since)
    # Compare-and-set on the old token: of two workers taking over, one wins.
    won = _set_if_held(session, found.id, found.claim_token, claim_token=token, claimed_at=now)
    if not won:
        return None
    return Claimed(found.id, token, taken_over=True, since=since, first_claimed=first_claimed)


def finish_post(
    *,
    session: Session,
    claimed: Claimed,
    state: DigestState,
    ts: str | None,
    now: datetime,
) -> bool:
    """Record the digest as posted (with its ts) or skipped; False if the claim was lost."""
    return _set_if_held(session, claimed.post_id, claimed.token, state=state, ts=ts, posted_at=now)


def _set_if_held(session: Session, post_id: int, token: str, **values: Any) -> bool:
    """Update the post only while it is still claimed under `token`; whether it was."""
    done = session.execute(
        update(DigestPost)
        .where(
            DigestPost.id == post_id,
            DigestPost.state == DigestState.CLAIMED,
            DigestPost.claim_token == token,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]
