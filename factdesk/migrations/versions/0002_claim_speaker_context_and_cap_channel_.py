"""claim speaker, context and cap; channel settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 21:05:56.883597
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_channel_id", sa.String(length=32), nullable=False),
        sa.Column("claim_cap", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_settings")),
        sa.UniqueConstraint(
            "slack_team_id",
            "slack_channel_id",
            name=op.f("uq_channel_settings_slack_team_id_slack_channel_id"),
        ),
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("canonical_url", sa.Text(), nullable=True))

    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("speaker", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("context", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "held_back",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
                comment="Ranked below the channel's cap: stored, offered in the summary, not yet posted.",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_column("held_back")
        batch_op.drop_column("context")
        batch_op.drop_column("speaker")

    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("canonical_url")

    op.drop_table("channel_settings")
