"""two-phase post markers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 22:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slack_posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "thread_ts",
                sa.String(length=32),
                nullable=True,
                comment="The thread the message goes in. A row without ts is a post under "
                "way: a re-run looks there for a message carrying the key before posting again.",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("slack_posts", schema=None) as batch_op:
        batch_op.drop_column("thread_ts")
