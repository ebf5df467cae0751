"""articles, claims and claim events

Revision ID: 0001
Revises:
Create Date: 2026-11-24 20:32:25.500086
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("normalized_url", sa.String(length=2048), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("site", sa.String(length=255), nullable=True),
        sa.Column("author", sa.String(length=512), nullable=True),
        sa.Column("published_date", sa.Date(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("text_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "processing",
                "done",
                "failed",
                name="articlestate",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_channel_id", sa.String(length=32), nullable=False),
        sa.Column("slack_thread_ts", sa.String(length=32), nullable=True),
        sa.Column(
            "slack_message_ts",
            sa.String(length=32),
            nullable=True,
            comment="The shared message itself; it carries the working reaction.",
        ),
        sa.Column("slack_summary_ts", sa.String(length=32), nullable=True),
        sa.Column("requested_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint(
            "slack_channel_id",
            "slack_thread_ts",
            "normalized_url",
            name=op.f("uq_articles_slack_channel_id_slack_thread_ts_normalized_url"),
        ),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_articles_normalized_url"), ["normalized_url"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_articles_slack_channel_id"), ["slack_channel_id"], unique=False
        )

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("start_char", sa.Integer(), nullable=False),
        sa.Column("end_char", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "confirmed",
                "disputed",
                "unverified",
                name="claimstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("assignee", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_set_by", sa.String(length=32), nullable=True),
        sa.Column("status_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_claims_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint(
            "article_id", "start_char", name=op.f("uq_claims_article_id_start_char")
        ),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_assignee"), ["assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_status"), ["status"], unique=False)

    op.create_table(
        "claim_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "claimed",
                "status_changed",
                name="eventaction",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("from_value", sa.String(length=64), nullable=True),
        sa.Column("to_value", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence_urls", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_events_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_events")),
    )
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_events_claim_id"), ["claim_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_events_claim_id"))

    op.drop_table("claim_events")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_status"))
        batch_op.drop_index(batch_op.f("ix_claims_assignee"))

    op.drop_table("claims")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_slack_channel_id"))
        batch_op.drop_index(batch_op.f("ix_articles_normalized_url"))

    op.drop_table("articles")
