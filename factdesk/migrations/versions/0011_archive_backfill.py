"""archive backfill: claims stored before the archive existed get their archive rows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:00:00.000000

A verdict given before 0010 would otherwise never be matched. Every claim without an
archive row gets one (whether it counts as archived is read from its verdict at search
time, as for any claim). Whether its channel was private was not recorded then, so the
row is private: it is shown only in its own channel, the rule that can leak nothing.
The rows have no vector yet: ``factdesk migrate`` embeds them right after the upgrade
(``workers.matcher.fill_missing_vectors``); until then they are found by their words.
Running it again adds nothing (claims that have a row are skipped).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL = sa.text(
    "INSERT INTO archive_entries"
    " (kind, slack_team_id, slack_channel_id, channel_private, claim_id, text, created_at)"
    " SELECT :kind, a.slack_team_id, a.slack_channel_id, :private, c.id, c.text, c.created_at"
    " FROM claims c JOIN articles a ON a.id = c.article_id"
    " WHERE NOT EXISTS (SELECT 1 FROM archive_entries e WHERE e.claim_id = c.id)"
    " ORDER BY c.id"
).bindparams(sa.bindparam("private", type_=sa.Boolean()))


def upgrade() -> None:
    op.get_bind().execute(_BACKFILL, {"kind": "claim", "private": True})


def downgrade() -> None:
    # The rows are ordinary archive rows by now (a vector, matches shown from them):
    # nothing tells them apart to remove. 0010's downgrade drops them with the table.
    pass
