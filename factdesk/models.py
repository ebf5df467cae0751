"""SQLAlchemy 2.0 models, portable across SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from factdesk.model_base import NAMING_CONVENTION as NAMING_CONVENTION
from factdesk.model_base import Base as Base
from factdesk.model_base import UTCDateTime as UTCDateTime
from factdesk.model_base import str_enum
from factdesk.model_base import utcnow as utcnow

# The models below and archive_models.py build their enum columns with it under this name.
_str_enum = str_enum


class ArticleState(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    DUPLICATE = "duplicate"


class ArticleSource(enum.StrEnum):
    LINK = "link"
    MESSAGE = "message"


class ClaimStatus(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    UNVERIFIED = "unverified"
    DISMISSED = "dismissed"

    @property
    def is_verdict(self) -> bool:
        return self in VERDICTS


VERDICTS = frozenset({ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED, ClaimStatus.UNVERIFIED})


class ClaimOrigin(enum.StrEnum):
    FINDER = "finder"
    PERSON = "person"


class EventAction(enum.StrEnum):
    CLAIMED = "claimed"
    RELEASED = "released"
    REASSIGNED = "reassigned"
    STATUS_CHANGED = "status_changed"
    REOPENED = "reopened"
    DISMISSED = "dismissed"
    ADDED = "added"


class FeedbackLabel(enum.StrEnum):
    CLAIM = "claim"
    NOT_A_CLAIM = "not_a_claim"


class Article(Base):
    """A link shared in a Slack thread, and what was extracted from it."""

    __tablename__ = "articles"
    __table_args__ = (
        # One article per link per thread: a redelivered event or a re-run task finds
        # the existing row instead of creating a second thread of tasks.
        UniqueConstraint("slack_channel_id", "slack_thread_ts", "normalized_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    normalized_url: Mapped[str] = mapped_column(String(2048), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    site: Mapped[str | None] = mapped_column(String(255))
    author: Mapped[str | None] = mapped_column(String(512))
    published_date: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str | None] = mapped_column(String(16))
    canonical_url: Mapped[str | None] = mapped_column(Text)
    canonical_key: Mapped[str | None] = mapped_column(
        String(2048), index=True, comment="The canonical URL, normalized: finds re-shared links."
    )
    source: Mapped[ArticleSource] = mapped_column(
        _str_enum(ArticleSource), default=ArticleSource.LINK, server_default=ArticleSource.LINK
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL")
    )
    text: Mapped[str | None] = mapped_column(Text)
    text_hash: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[ArticleState] = mapped_column(
        _str_enum(ArticleState), default=ArticleState.QUEUED
    )
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)

    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_channel_id: Mapped[str] = mapped_column(String(32), index=True)
    slack_thread_ts: Mapped[str | None] = mapped_column(String(32))
    slack_message_ts: Mapped[str | None] = mapped_column(
        String(32), comment="The shared message itself; it carries the working reaction."
    )
    slack_summary_ts: Mapped[str | None] = mapped_column(String(32))
    requested_by: Mapped[str | None] = mapped_column(String(32))
    # The request's response_url, kept while unused: the worker tells the person through it.
    response_url: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    claims: Mapped[list[Claim]] = relationship(
        back_populates="article", order_by="Claim.start_char", cascade="all, delete-orphan"
    )


class Claim(Base):
    """One checkable sentence of an article: a task in the article's thread."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("article_id", "start_char"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    start_char: Mapped[int] = mapped_column(Integer)
    end_char: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    rank: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str | None] = mapped_column(String(255))
    context: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[ClaimOrigin] = mapped_column(
        _str_enum(ClaimOrigin), default=ClaimOrigin.FINDER, server_default=ClaimOrigin.FINDER
    )
    added_by: Mapped[str | None] = mapped_column(String(32))
    held_back: Mapped[bool] = mapped_column(
        default=False,
        server_default=false(),
        comment="Ranked below the channel's cap: stored, offered in the summary, not yet posted.",
    )
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[ClaimStatus] = mapped_column(
        _str_enum(ClaimStatus), default=ClaimStatus.OPEN, index=True
    )
    assignee: Mapped[str | None] = mapped_column(String(32), index=True)
    claimed_at: Mapped[datetime | None]
    status_set_by: Mapped[str | None] = mapped_column(String(32))
    status_set_at: Mapped[datetime | None]
    verdict_note: Mapped[str | None] = mapped_column(Text)
    evidence_urls: Mapped[list[str]] = mapped_column(default=list)
    rating_explanation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    article: Mapped[Article] = relationship(back_populates="claims")
    events: Mapped[list[ClaimEvent]] = relationship(
        back_populates="claim", order_by="ClaimEvent.id", cascade="all, delete-orphan"
    )


class ChannelSettings(Base):
    """Per-channel choices; a missing row or a null column means the global default."""

    __tablename__ = "channel_settings"
    __table_args__ = (UniqueConstraint("slack_team_id", "slack_channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_channel_id: Mapped[str] = mapped_column(String(32))
    claim_cap: Mapped[int | None] = mapped_column(Integer)
    evidence_required_for: Mapped[list[str] | None] = mapped_column(
        JSON, comment="Verdicts that need at least one evidence link."
    )
    editors: Mapped[list[str] | None] = mapped_column(
        JSON, comment="User ids who may give or change any verdict in the channel."
    )
    auto_links: Mapped[bool | None] = mapped_column(
        comment="Pick up links in messages; false means only /factcheck."
    )
    digest_enabled: Mapped[bool | None]
    digest_weekday: Mapped[int | None] = mapped_column(Integer, comment="0 is Monday.")
    digest_hour: Mapped[int | None] = mapped_column(Integer)
    digest_timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ClaimEvent(Base):
    """An append-only audit row: who changed what on a claim, from what to what."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[EventAction] = mapped_column(_str_enum(EventAction))
    from_value: Mapped[str | None] = mapped_column(String(64))
    to_value: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    evidence_urls: Mapped[list[str]] = mapped_column(default=list)
    rating_explanation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="events")


class ClaimFeedback(Base):
    """A person's label on a sentence: a claim the finder missed, or a task that isn't one."""

    __tablename__ = "claim_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_channel_id: Mapped[str] = mapped_column(String(32))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[FeedbackLabel] = mapped_column(_str_enum(FeedbackLabel))
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlackEventReceipt(Base):
    """An Events API delivery already handled: Slack retries, and may deliver twice."""

    __tablename__ = "slack_event_receipts"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slack_team_id: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SlackPost(Base):
    """A one-off message already posted under a stable key, so a re-run task posts it once."""

    __tablename__ = "slack_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(191), unique=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    thread_ts: Mapped[str | None] = mapped_column(
        String(32),
        comment="The thread the message goes in. A row without ts is a post under way: a "
        "re-run looks there for a message carrying the key before posting again.",
    )


@event.listens_for(ClaimEvent, "before_update")
def _refuse_audit_rewrite(mapper: Mapper[Any], connection: Any, target: ClaimEvent) -> None:
    raise ValueError("claim events are an audit trail; they are never updated")


class DigestState(enum.StrEnum):
    CLAIMED = "claimed"
    POSTED = "posted"
    SKIPPED = "skipped"


class DigestPost(Base):
    """A channel's weekly digest: claimed by one worker, then posted, exactly once a week.

    The unique key is what makes two beats or a re-run task harmless; the claim token and
    time let a worker take over a claim whose worker died, after looking in the channel
    for a digest that did go out.
    """

    __tablename__ = "digest_posts"
    __table_args__ = (UniqueConstraint("slack_team_id", "slack_channel_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_channel_id: Mapped[str] = mapped_column(String(32))
    week_start: Mapped[date] = mapped_column(Date, comment="First local day the digest covers.")
    state: Mapped[DigestState] = mapped_column(_str_enum(DigestState), default=DigestState.CLAIMED)
    claim_token: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ts: Mapped[str | None] = mapped_column(String(32))
    chart_file_id: Mapped[str | None] = mapped_column(String(32))
    chart_started_at: Mapped[datetime | None]  # upload begun, its file id not yet recorded
    posted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderKind(enum.StrEnum):
    NUDGE = "nudge"
    UNCLAIMED = "unclaimed"


class Reminder(Base):
    """A reminder sent about a task, under a key that lets each go out at most once."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(191), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(_str_enum(ReminderKind))
    recipient: Mapped[str] = mapped_column(String(32), comment="A user (DM) or a channel.")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


# Indexes for App Home and the weekly digest at a million claims (migration 0006). The
# partial ones hold only the rows those lists show, so they stay small as verdicts pile up.
_OPEN_ASSIGNED = "status = 'open' AND assignee IS NOT NULL"
_UNCLAIMED = "status = 'open' AND assignee IS NULL AND held_back IS false AND slack_ts IS NOT NULL"
Index(
    "ix_claims_open_assigned",
    Claim.assignee,
    Claim.claimed_at,
    postgresql_where=text(_OPEN_ASSIGNED),
    sqlite_where=text(_OPEN_ASSIGNED),
)
Index(
    "ix_claims_unclaimed",
    Claim.article_id,
    postgresql_where=text(_UNCLAIMED),
    sqlite_where=text(_UNCLAIMED),
)
Index(
    "ix_claims_unclaimed_created",
    Claim.created_at,
    postgresql_where=text(_UNCLAIMED),
    sqlite_where=text(_UNCLAIMED),
)
Index("ix_claim_events_actor_action", ClaimEvent.actor, ClaimEvent.action, ClaimEvent.created_at)
Index(
    "ix_articles_team_channel",
    Article.slack_team_id,
    Article.slack_channel_id,
    Article.created_at,
)

# The OAuth stores' tables (oauth_tables.py) and the archive's models (archive_models.py)
# live in their own modules; importing them here puts them in Base.metadata wherever the
# models are used.
from factdesk import archive_models as _archive_models  # noqa: E402, F401
from factdesk import oauth_tables as _oauth_tables  # noqa: E402, F401
