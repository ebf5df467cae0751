"""digest chart marker

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The chart's upload is marked as begun before it starts, so only a run after a crash
# mid-upload reads the digest's thread (conversations.replies: one request a minute for
# apps outside the Slack Marketplace) instead of every weekly digest doing so.


def upgrade() -> None:
    with op.batch_alter_table("digest_posts") as table:
        table.add_column(sa.Column("chart_started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digest_posts") as table:
        table.drop_column("chart_started_at")
