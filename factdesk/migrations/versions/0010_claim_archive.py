"""claim archive: past verdicts and imported fact-checks, with full-text search

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: an external-content FTS5 table (the text is stored once, in archive_entries),
# kept in step by triggers; Porter stemming so "taxes" finds "tax", like PostgreSQL's
# english configuration does.
_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE archive_fts USING fts5(text, content='archive_entries', "
    "content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER archive_fts_insert AFTER INSERT ON archive_entries BEGIN "
    "INSERT INTO archive_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER archive_fts_delete AFTER DELETE ON archive_entries BEGIN "
    "INSERT INTO archive_fts(archive_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER archive_fts_update AFTER UPDATE OF text ON archive_entries BEGIN "
    "INSERT INTO archive_fts(archive_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO archive_fts(rowid, text) VALUES (new.id, new.text); END",
]
# PostgreSQL: a stored tsvector, so ranking reads it instead of re-parsing every
# candidate's text, and a GIN index over it.
_POSTGRES_FTS = [
    "ALTER TABLE archive_entries ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_archive_entries_search_vector ON archive_entries USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "archive_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "claim",
                "fact_check",
                name="archivekind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_channel_id", sa.String(length=32), nullable=True),
        sa.Column(
            "channel_private",
            sa.Boolean(),
            server_default=sa.true(),
            nullable=False,
            comment="A desk claim from a private channel is shown only in that channel.",
        ),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rating", sa.String(length=255), nullable=True),
        sa.Column("publisher", sa.String(length=255), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column(
            "dedupe_key",
            sa.String(length=64),
            nullable=True,
            comment="sha256 of an imported fact-check's URL and claim: skips re-imports.",
        ),
        sa.Column(
            "vector",
            sa.LargeBinary(),
            nullable=True,
            comment="The text's sentence embedding, float16, unit length.",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_archive_entries_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_entries")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_archive_entries_claim_id")),
        sa.UniqueConstraint(
            "slack_team_id", "dedupe_key", name=op.f("uq_archive_entries_slack_team_id_dedupe_key")
        ),
    )
    op.create_index("ix_archive_entries_team_kind", "archive_entries", ["slack_team_id", "kind"])
    op.create_table(
        "claim_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("archive_entry_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "hidden",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="Someone said it is not the same claim.",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["archive_entry_id"],
            ["archive_entries.id"],
            name=op.f("fk_claim_matches_archive_entry_id_archive_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_matches_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_matches")),
        sa.UniqueConstraint(
            "claim_id", "archive_entry_id", name=op.f("uq_claim_matches_claim_id_archive_entry_id")
        ),
    )
    op.create_index(
        op.f("ix_claim_matches_archive_entry_id"), "claim_matches", ["archive_entry_id"]
    )
    op.create_table(
        "match_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("archive_entry_id", sa.Integer(), nullable=False),
        sa.Column("same_claim", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["archive_entry_id"],
            ["archive_entries.id"],
            name=op.f("fk_match_feedback_archive_entry_id_archive_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_match_feedback_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_feedback")),
        sa.UniqueConstraint(
            "claim_id", "archive_entry_id", name=op.f("uq_match_feedback_claim_id_archive_entry_id")
        ),
    )
    op.create_index(
        op.f("ix_match_feedback_archive_entry_id"), "match_feedback", ["archive_entry_id"]
    )
    statements = _POSTGRES_FTS if op.get_bind().dialect.name == "postgresql" else _SQLITE_FTS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("archive_fts_insert", "archive_fts_delete", "archive_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS archive_fts")
    op.drop_index(op.f("ix_match_feedback_archive_entry_id"), table_name="match_feedback")
    op.drop_table("match_feedback")
    op.drop_index(op.f("ix_claim_matches_archive_entry_id"), table_name="claim_matches")
    op.drop_table("claim_matches")
    op.drop_index("ix_archive_entries_team_kind", table_name="archive_entries")
    op.drop_table("archive_entries")
