"""The claim archive: past verdicts and imported fact-checks, searchable by the matcher.

One row per searchable text. A desk claim gets its row (and its vector) when the worker
stores it; it counts as archived only once it has a verdict, read from the claim itself
at search time, so a changed or reopened verdict needs no second copy kept in step. An
imported fact-check (schema.org ClaimReview) is a row of its own.

Full-text search lives outside these models, made by migrations 0010 and 0013: on
PostgreSQL a narrow table (``archive_search``: each entry's tsvector and the columns the
visibility rule reads, with a GIN index; the generated ``search_vector`` column that was
searched before stays one release more), on SQLite an FTS5 table (``archive_fts``),
each kept in step by triggers. Neither dialect can express the other's, so the model
comparison skips them (``outside_models``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from factdesk.models import Base, _str_enum, utcnow

SEARCH_TABLE = "archive_search"
# Searched before 0013; kept until the release after, for the previous release's workers.
SEARCH_VECTOR_COLUMN = "search_vector"
SEARCH_INDEX = "ix_archive_entries_search_vector"
FTS_TABLE = "archive_fts"


class ArchiveKind(enum.StrEnum):
    CLAIM = "claim"
    FACT_CHECK = "fact_check"


class ArchiveEntry(Base):
    """A claim the desk checked, or a fact-check imported from a publisher."""

    __tablename__ = "archive_entries"
    __table_args__ = (UniqueConstraint("slack_team_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ArchiveKind] = mapped_column(_str_enum(ArchiveKind))
    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_channel_id: Mapped[str | None] = mapped_column(String(32))
    channel_private: Mapped[bool] = mapped_column(
        default=True,
        server_default=true(),
        comment="A desk claim from a private channel is shown only in that channel.",
    )
    claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(255))
    publisher: Mapped[str | None] = mapped_column(String(255))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    dedupe_key: Mapped[str | None] = mapped_column(
        String(64), comment="sha256 of an imported fact-check's URL and claim: skips re-imports."
    )
    vector: Mapped[bytes | None] = mapped_column(
        LargeBinary, comment="The text's sentence embedding, float16, unit length."
    )
    vector_model: Mapped[str | None] = mapped_column(
        String(64),
        comment="The embedder that made the vector: another model's vectors are not"
        " compared, and `factdesk migrate` embeds the row again.",
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClaimMatch(Base):
    """An archived claim or fact-check the matcher found for a new claim, shown on its task."""

    __tablename__ = "claim_matches"
    __table_args__ = (UniqueConstraint("claim_id", "archive_entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    archive_entry_id: Mapped[int] = mapped_column(
        ForeignKey("archive_entries.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    hidden: Mapped[bool] = mapped_column(
        default=False, server_default=false(), comment="Someone said it is not the same claim."
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MatchFeedback(Base):
    """A person's word that a shown match is not the same claim: labelled data for the matcher."""

    __tablename__ = "match_feedback"
    __table_args__ = (UniqueConstraint("claim_id", "archive_entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    archive_entry_id: Mapped[int] = mapped_column(
        ForeignKey("archive_entries.id", ondelete="CASCADE"), index=True
    )
    same_claim: Mapped[bool]
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_archive_entries_team_kind", ArchiveEntry.slack_team_id, ArchiveEntry.kind)


def outside_models(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's include_object: leave out the full-text objects the models cannot describe."""
    if (
        type_ == "table"
        and name is not None
        and (name.startswith(FTS_TABLE) or name == SEARCH_TABLE)
    ):
        return False
    return not (name in {SEARCH_VECTOR_COLUMN, SEARCH_INDEX} and reflected and compare_to is None)
