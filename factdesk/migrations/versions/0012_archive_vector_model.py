"""archive vector model: each stored vector records the embedder that made it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:30:00.000000

Vectors of two embedders live in different spaces: a cosine between them means nothing.
Rows stored before this revision do not say which embedder made their vector (1.0.0 and
1.1.0 both wrote rows), so they get none: until ``factdesk migrate`` embeds them again,
right after this upgrade (``workers.matcher.fill_missing_vectors``), they are found by
their words alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases, not a batch: on SQLite a batch would copy the
# table and drop the triggers that keep the FTS5 index in step.
def upgrade() -> None:
    op.add_column(
        "archive_entries",
        sa.Column(
            "vector_model",
            sa.String(length=64),
            nullable=True,
            comment="The embedder that made the vector: another model's vectors are not"
            " compared, and `factdesk migrate` embeds the row again.",
        ),
    )


def downgrade() -> None:
    op.drop_column("archive_entries", "vector_model")
