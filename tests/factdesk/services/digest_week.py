"""A seeded digest week with every figure worked out by hand (see EXPECTED).

The week is Mon 18 to Sun 24 Nov 2024 in UTC; the previous week is 11 to 17 Nov. Rows
are written with explicit times, as the audit trail would have them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from factdesk.links import normalize_url
from factdesk.models import (
    Article,
    ArticleState,
    Claim,
    ClaimEvent,
    ClaimStatus,
    EventAction,
)

TEAM = "T0FACTDESK"
WEEK_START = "2024-11-18"
NOW = datetime(2024, 11, 25, 9, 5, tzinfo=UTC)
_numbers = itertools.count(1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2024, UTC."""
    return datetime(2024, 11, day, hour, minute, tzinfo=UTC)


def article(
    session: Session,
    channel: str,
    created: datetime,
    *,
    state: ArticleState = ArticleState.DONE,
    **fields: Any,
) -> Article:
    n = next(_numbers)
    url = fields.pop("url", f"https://news.example/digest-{channel.lower()}-{n}")
    row = Article(
        url=url,
        normalized_url=normalize_url(url),
        title=fields.pop("title", f"Digest story {n}"),
        state=state,
        slack_team_id=TEAM,
        slack_channel_id=channel,
        slack_thread_ts=f"{1732000000 + n * 1000}.000100",
        slack_message_ts=f"{1732000000 + n * 1000}.000100",
        slack_summary_ts=f"{1732000000 + n * 1000}.000200",
        requested_by="U0ANA",
        created_at=created,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def claim(session: Session, on: Article, created: datetime, **fields: Any) -> Claim:
    n = next(_numbers)
    row = Claim(
        article=on,
        text=fields.pop("text", f"Digest claim {n}: officials said {n},000 troops were sent."),
        start_char=n * 100,
        end_char=n * 100 + 50,
        score=0.8,
        rank=n,
        slack_ts=fields.pop("slack_ts", f"{1732000000 + n * 1000}.000300"),
        created_at=created,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def event(
    session: Session,
    of: Claim,
    action: EventAction,
    when: datetime,
    actor: str,
    to_value: str | None = None,
    from_value: str | None = None,
) -> ClaimEvent:
    row = ClaimEvent(
        claim_id=of.id,
        actor=actor,
        action=action,
        from_value=from_value,
        to_value=to_value,
        created_at=when,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Seeded:
    channel: str
    ids: dict[str, int]


def seed(session: Session, channel: str) -> Seeded:
    """The week described in EXPECTED, in `channel`."""
    a1 = article(session, channel, at(18, 10))
    a2 = article(session, channel, at(20, 9))
    article(session, channel, at(21, 9), state=ArticleState.FAILED)
    article(session, channel, at(22, 9), state=ArticleState.DUPLICATE)
    a4 = article(session, channel, at(12, 8))
    other = article(session, channel + "X", at(19, 9))
    claim(session, other, at(19, 9))

    c1 = claim(
        session, a1, at(18, 10), status=ClaimStatus.DISPUTED, assignee="U0ANA",
        claimed_at=at(18, 10, 30), status_set_by="U0ANA", status_set_at=at(18, 12),
    )  # fmt: skip
    event(session, c1, EventAction.CLAIMED, at(18, 10, 30), "U0ANA", "U0ANA")
    event(session, c1, EventAction.STATUS_CHANGED, at(18, 12), "U0ANA", "disputed", "open")

    c2 = claim(
        session, a1, at(18, 10), status=ClaimStatus.DISPUTED, assignee="U0BEN",
        claimed_at=at(18, 11), status_set_by="U0BEN", status_set_at=at(19, 12),
    )  # fmt: skip
    event(session, c2, EventAction.CLAIMED, at(18, 11), "U0BEN", "U0BEN")
    event(session, c2, EventAction.STATUS_CHANGED, at(19, 10), "U0BEN", "confirmed", "open")
    event(session, c2, EventAction.REOPENED, at(19, 11), "U0BEN", "open", "confirmed")
    event(session, c2, EventAction.STATUS_CHANGED, at(19, 12), "U0BEN", "disputed", "open")

    c3 = claim(
        session, a1, at(18, 10), status=ClaimStatus.UNVERIFIED, assignee="U0ANA",
        claimed_at=at(18, 14), status_set_by="U0ANA", status_set_at=at(18, 14),
    )  # fmt: skip
    event(session, c3, EventAction.STATUS_CHANGED, at(18, 14), "U0ANA", "unverified", "open")

    c4 = claim(session, a1, at(18, 10), assignee="U0CAT", claimed_at=at(18, 16))
    event(session, c4, EventAction.CLAIMED, at(18, 16), "U0CAT", "U0CAT")

    c5 = claim(
        session, a2, at(20, 9), assignee="U0ANA", claimed_at=at(20, 10),
        status_set_by="U0ANA", status_set_at=at(21, 10),
    )  # fmt: skip
    event(session, c5, EventAction.REASSIGNED, at(20, 10), "U0BEN", "U0ANA")
    event(session, c5, EventAction.STATUS_CHANGED, at(21, 9), "U0ANA", "confirmed", "open")
    event(session, c5, EventAction.REOPENED, at(21, 10), "U0ANA", "open", "confirmed")

    c6 = claim(session, a2, at(20, 9))
    c7 = claim(
        session, a2, at(20, 9), status=ClaimStatus.DISMISSED, status_set_by="U0BEN",
        status_set_at=at(20, 11),
    )  # fmt: skip
    event(session, c7, EventAction.DISMISSED, at(20, 11), "U0BEN", "dismissed", "open")
    held = claim(session, a2, at(20, 9), held_back=True, slack_ts=None)

    p1 = claim(
        session, a4, at(12, 8), status=ClaimStatus.CONFIRMED, assignee="U0ANA",
        claimed_at=at(12, 9), status_set_by="U0ANA", status_set_at=at(13, 8),
    )  # fmt: skip
    event(session, p1, EventAction.CLAIMED, at(12, 9), "U0ANA", "U0ANA")
    event(session, p1, EventAction.STATUS_CHANGED, at(13, 8), "U0ANA", "confirmed", "open")
    p2 = claim(
        session, a4, at(12, 8), status=ClaimStatus.CONFIRMED, assignee="U0BEN",
        claimed_at=at(17, 8), status_set_by="U0BEN", status_set_at=at(18, 8),
    )  # fmt: skip
    event(session, p2, EventAction.CLAIMED, at(17, 8), "U0BEN", "U0BEN")
    event(session, p2, EventAction.STATUS_CHANGED, at(18, 8), "U0BEN", "confirmed", "open")
    names = {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6, "c7": c7}
    names |= {"held": held, "p1": p1, "p2": p2}
    return Seeded(channel, {name: row.id for name, row in names.items()})


HOUR = 3600.0
DAY = 24 * HOUR

# Worked out by hand from `seed`:
EXPECTED: dict[str, Any] = {
    # a1, a2 (a failed, a duplicate, another channel's and last week's don't count)
    "articles": (2, 1),
    # c1-c6 and the held-back one; c7 is "Not a claim"; last week p1, p2
    "claims": (7, 2),
    # c1, c2 disputed (c2 after a reopen), c3 unverified, p2 confirmed; c5 was reopened
    "verdicts": ({"confirmed": 1, "disputed": 2, "unverified": 1}, {"confirmed": 1}),
    # first takes this week: c1 30 min, c2 1 h, c3 4 h (its verdict), c4 6 h, c5 1 h
    "time_to_claim": [0.5 * HOUR, HOUR, 4 * HOUR, 6 * HOUR, HOUR],
    # first verdicts this week: c1 2 h, c2 24 h, c3 4 h, c5 24 h (reopened later), p2 6 d
    "time_to_verdict": [2 * HOUR, DAY, 4 * HOUR, DAY, 6 * DAY],
    "completed_by": [("U0ANA", 2), ("U0BEN", 2)],
}
