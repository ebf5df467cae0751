"""archive search table: PostgreSQL ranks full-text candidates in a narrow table of its own

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 01:30:00.000000

A lookup ranks every row holding the claim's rarest words (about 4,000 at a million rows)
and reads each from the heap for ``ts_rank``. In ``archive_entries`` a row is about 1.1
kB (text, vector, ids), so those reads spread over a 1.1 GB table and mostly missed
shared buffers. ``archive_search`` holds only what ranking and the visibility rule read
(the tsvector and the five columns of ``_VISIBLE``), a fifth of the size, so far more of
it stays cached (docs/matching.md). A trigger keeps it in step with ``archive_entries``,
in the writer's transaction; a deleted entry takes its row along (foreign key).

The data is copied from the stored ``search_vector`` column (the same tsvectors, so the
same scores). The column and its index stay for now: the previous release's workers
search them until the rollout is over, and would fail without them. The release after
drops them. ANALYZE at the end: the row budget reads the new column's statistics, and
without them a lookup would rank every row holding any word until autovacuum got there.
SQLite is untouched (FTS5 is its own table).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns of _VISIBLE in factdesk.services.archive, and the tsvector.
_COPIED = "kind, slack_team_id, slack_channel_id, channel_private, claim_id"
_SET = ", ".join(f"{column} = EXCLUDED.{column}" for column in _COPIED.split(", "))

_UPGRADE = [
    "CREATE TABLE archive_search ("
    " entry_id integer PRIMARY KEY"
    " CONSTRAINT fk_archive_search_entry_id_archive_entries"
    " REFERENCES archive_entries (id) ON DELETE CASCADE,"
    " kind varchar(32) NOT NULL, slack_team_id varchar(32) NOT NULL,"
    " slack_channel_id varchar(32), channel_private boolean NOT NULL, claim_id integer,"
    " search_vector tsvector NOT NULL)",
    # Unqualified names resolve on the writer's search_path, as the application's do.
    # The interpolated parts are this module's constants.
    "CREATE FUNCTION archive_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"  # noqa: S608
    f" INSERT INTO archive_search (entry_id, {_COPIED}, search_vector)"
    " VALUES (NEW.id, NEW.kind, NEW.slack_team_id, NEW.slack_channel_id,"
    " NEW.channel_private, NEW.claim_id, to_tsvector('english', NEW.text))"
    f" ON CONFLICT (entry_id) DO UPDATE SET {_SET}, search_vector = EXCLUDED.search_vector;"
    " RETURN NULL; END $$",
    # Not on a vector's update (`factdesk migrate` re-embedding every row, say).
    "CREATE TRIGGER archive_search_sync AFTER INSERT OR UPDATE OF text, kind, slack_team_id,"
    " slack_channel_id, channel_private, claim_id ON archive_entries"
    " FOR EACH ROW EXECUTE FUNCTION archive_search_sync()",
    f"INSERT INTO archive_search (entry_id, {_COPIED}, search_vector)"  # noqa: S608
    f" SELECT id, {_COPIED}, search_vector FROM archive_entries ORDER BY id",
    "CREATE INDEX ix_archive_search_search_vector ON archive_search USING gin (search_vector)",
    "ANALYZE archive_search",
]

_DOWNGRADE = [
    "DROP TRIGGER archive_search_sync ON archive_entries",
    "DROP FUNCTION archive_search_sync()",
    "DROP TABLE archive_search",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _DOWNGRADE:
            op.execute(statement)
