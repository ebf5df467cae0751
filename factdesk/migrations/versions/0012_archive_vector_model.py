"""archive vector model: each stored vector records the embedder that made it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:30:00.000000

Vectors of two embedders live in different spaces: a cosine between them means nothing,
so a lookup compares only the running model's, and ``factdesk migrate`` embeds again
the rows another model made (``workers.matcher.fill_missing_vectors``).

The vectors stored before this revision were made by minilm-embed-1.1.0, the embedder of
every version that had the archive (1.0.0 was replaced before the archive reached a
release), and are stamped so: upgrading to 0012 re-embeds nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


EARLIER_MODEL = "minilm-embed-1.1.0"


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
    op.get_bind().execute(
        sa.text("UPDATE archive_entries SET vector_model = :model WHERE vector IS NOT NULL"),
        {"model": EARLIER_MODEL},
    )


def downgrade() -> None:
    op.drop_column("archive_entries", "vector_model")
