"""home and digest indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# App Home (my open tasks, unclaimed in my channels, my recent verdicts) and the weekly
# digest, measured at a million claims by `make bench`; see docs/performance.md.
OPEN_ASSIGNED = "status = 'open' AND assignee IS NOT NULL"
UNCLAIMED = "status = 'open' AND assignee IS NULL AND held_back IS false AND slack_ts IS NOT NULL"


def _partial(name: str, columns: list[str], where: str) -> None:
    op.create_index(
        name,
        "claims",
        columns,
        postgresql_where=sa.text(where),
        sqlite_where=sa.text(where),
    )


def upgrade() -> None:
    _partial("ix_claims_open_assigned", ["assignee", "claimed_at"], OPEN_ASSIGNED)
    _partial("ix_claims_unclaimed", ["article_id"], UNCLAIMED)
    _partial("ix_claims_unclaimed_created", ["created_at"], UNCLAIMED)
    op.create_index(
        "ix_claim_events_actor_action", "claim_events", ["actor", "action", "created_at"]
    )
    op.create_index(
        "ix_articles_team_channel",
        "articles",
        ["slack_team_id", "slack_channel_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_articles_team_channel", table_name="articles")
    op.drop_index("ix_claim_events_actor_action", table_name="claim_events")
    op.drop_index("ix_claims_unclaimed_created", table_name="claims")
    op.drop_index("ix_claims_unclaimed", table_name="claims")
    op.drop_index("ix_claims_open_assigned", table_name="claims")
