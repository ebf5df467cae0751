"""Stale-task reminders, each sent at most once under a unique key.

- A task claimed but without a verdict for `claimed_after` nudges its assignee by DM, at
  most once in any 24 hours. The key numbers the nudges of one claiming (claim, assignee,
  claim time, n): two runs that both see n nudges race for the same key n + 1.
- An unclaimed task older than `unclaimed_after` gets one ping in its thread, ever.

The key is written (and committed) before the message goes out: a worker that dies in
between loses that one reminder rather than ever sending it twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from factdesk.db import insert_skipping_duplicates
from factdesk.models import Article, Claim, ClaimStatus, Reminder, ReminderKind

DAY = timedelta(days=1)


def _posted_open() -> list[object]:
    return [
        Claim.status == ClaimStatus.OPEN,
        Claim.held_back.is_(False),
        Claim.slack_ts.is_not(None),
        Article.slack_thread_ts.is_not(None),
    ]


def nudge_prefix(claim: Claim) -> str:
    """The keys of one claiming's nudges start with this; a reassignment starts afresh."""
    assert claim.claimed_at is not None
    assert claim.assignee is not None
    return f"nudge:{claim.id}:{claim.assignee}:{int(claim.claimed_at.timestamp())}:"


def ping_key(claim: Claim) -> str:
    return f"unclaimed:{claim.id}"


def _next_nudge(session: Session, claim: Claim, now: datetime) -> str | None:
    """The key of the claim's next nudge, or None if it had one in the last 24 hours."""
    prefix = nudge_prefix(claim)
    count, last = session.execute(
        select(func.count(Reminder.id), func.max(Reminder.sent_at)).where(
            Reminder.claim_id == claim.id, Reminder.key.startswith(prefix, autoescape=True)
        )
    ).one()
    if count and last is not None and _aware(last) > now - DAY:
        return None
    return f"{prefix}{count}"


def _aware(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def stale_claimed(
    *, session: Session, now: datetime, claimed_after: timedelta, limit: int
) -> list[tuple[Claim, str]]:
    """Claimed tasks without a verdict for `claimed_after`, not nudged in the last 24 hours.

    Returns each with the key its nudge goes out under.
    """
    query = (
        select(Claim)
        .join(Claim.article)
        .options(contains_eager(Claim.article))
        .where(
            *_posted_open(),  # type: ignore[arg-type]
            Claim.assignee.is_not(None),
            Claim.claimed_at <= now - claimed_after,
        )
        .order_by(Claim.claimed_at, Claim.id)
    )
    due: list[tuple[Claim, str]] = []
    # Read in pages: most stale tasks were nudged already today, and are skipped.
    offset = 0
    while len(due) < limit:
        page = list(session.scalars(query.offset(offset).limit(200)).unique())
        if not page:
            break
        offset += len(page)
        for claim in page:
            key = _next_nudge(session, claim, now)
            if key is not None:
                due.append((claim, key))
    return due[:limit]


def stale_unclaimed(
    *, session: Session, now: datetime, unclaimed_after: timedelta, limit: int
) -> list[Claim]:
    """Unclaimed tasks older than `unclaimed_after` that were never pinged."""
    query = (
        select(Claim)
        .join(Claim.article)
        .options(contains_eager(Claim.article))
        .outerjoin(
            Reminder,
            (Reminder.claim_id == Claim.id) & (Reminder.kind == ReminderKind.UNCLAIMED),
        )
        .where(
            *_posted_open(),  # type: ignore[arg-type]
            Claim.assignee.is_(None),
            Claim.created_at <= now - unclaimed_after,
            Reminder.id.is_(None),
        )
        .order_by(Claim.created_at, Claim.id)
        .limit(limit)
    )
    return list(session.scalars(query).unique())


@dataclass(frozen=True)
class Reserved:
    """Reminder keys this run holds, by the claim they are about."""

    keys: dict[int, str]


def reserve(
    *,
    session: Session,
    claims: Sequence[tuple[Claim, str]],
    kind: ReminderKind,
    recipient: str,
    now: datetime,
) -> Reserved:
    """Write the reminders' keys; a key someone else wrote first is left out."""
    if not claims:
        return Reserved({})
    insert = insert_skipping_duplicates(session)
    if insert is not None:
        # One statement for all of them, not a savepoint each: a run may hold hundreds.
        written = session.execute(
            insert(Reminder)
            .values(
                [
                    {
                        "key": key,
                        "claim_id": claim.id,
                        "kind": kind,
                        "recipient": recipient,
                        "sent_at": now,
                    }
                    for claim, key in claims
                ]
            )
            .on_conflict_do_nothing(index_elements=[Reminder.key])
            .returning(Reminder.claim_id, Reminder.key)
        ).all()
        return Reserved({claim_id: key for claim_id, key in written})
    held: dict[int, str] = {}
    for claim, key in claims:
        try:
            with session.begin_nested():
                session.add(
                    Reminder(
                        key=key, claim_id=claim.id, kind=kind, recipient=recipient, sent_at=now
                    )
                )
        except IntegrityError:
            continue
        held[claim.id] = key
    return Reserved(held)


def release(*, session: Session, reserved: Reserved) -> None:
    """Forget reserved keys whose message could not be sent, so a later run tries again."""
    if reserved.keys:
        session.execute(delete(Reminder).where(Reminder.key.in_(list(reserved.keys.values()))))
