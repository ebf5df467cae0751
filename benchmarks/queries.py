"""App Home and weekly-digest query times on PostgreSQL holding a million claims.

A database of its own is created on the (loopback) server, migrated, filled with
generated rows by `INSERT … SELECT generate_series` (seconds, not minutes), queried through
the real service functions (`factdesk.services.desk` for App Home, `digests.build` for the
weekly figures), and dropped. Every statement the services send is also run under
`EXPLAIN (ANALYZE, BUFFERS)` and written to a file, to see which index each one uses.

Run alone: `python -m benchmarks.queries [--claims N] [--database-url URL]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from benchmarks.stack import AUTO, postgres_server, scratch_database
from factdesk.db import make_engine, migrate
from factdesk.services import desk, digests

CLAIMS_PER_ARTICLE = 15
TEAMS = 4
CHANNELS_PER_TEAM = 25
USERS_PER_TEAM = 100
HISTORY_DAYS = 730
# The person whose Home tab is drawn, and the channels they are in.
TEAM, USER = "TQ0", "UQ0007"
HOME_CHANNELS = [f"CQ0{n:02d}" for n in range(5)]
DIGEST_CHANNEL = "CQ003"
DEFAULT_RUNS = 7


@dataclass(frozen=True)
class Shape:
    claims: int
    articles: int
    events: int
    generate_s: float


@dataclass
class QueryResult:
    shape: Shape
    timings_ms: dict[str, list[float]]
    statements: dict[str, int]
    explain: Path | None
    notes: list[str] = field(default_factory=list)

    def p50(self, name: str) -> float:
        return statistics.median(self.timings_ms[name])


def generate(engine: Engine, claims: int, now: datetime) -> Shape:
    """Articles, claims and their events, spread over two years before `now`.

    Per article 15 claims (ranks 1-15; the last five held back by the default cap). Of the
    posted claims, by a fixed hash of the id: half open and unclaimed, a tenth claimed and
    open, a quarter judged (confirmed, disputed, unverified), the rest dismissed. Each
    claimed task has a `claimed` event, each verdict a `status_changed` one, each
    dismissal a `dismissed` one, as the desk writes them.
    """
    articles = -(-claims // CLAIMS_PER_ARTICLE)
    step = HISTORY_DAYS * 86400 / articles
    started = time.perf_counter()
    params = {
        "articles": articles,
        "claims": claims,
        "per": CLAIMS_PER_ARTICLE,
        "teams": TEAMS,
        "channels": CHANNELS_PER_TEAM,
        "users": USERS_PER_TEAM,
        "now": now,
        "step": step,
    }
    with engine.begin() as connection:
        connection.execute(
            text(
                """
                INSERT INTO articles (id, url, normalized_url, title, site, source, text,
                    state, slack_team_id, slack_channel_id, slack_thread_ts, slack_message_ts,
                    slack_summary_ts, requested_by, created_at, updated_at)
                SELECT a, 'https://news.example/story/' || a, 'https://news.example/story/' || a,
                    'Story number ' || a, 'news.example', 'link', NULL,
                    CASE WHEN a % 50 = 0 THEN 'failed' ELSE 'done' END,
                    'TQ' || (a % :teams),
                    'CQ' || (a % :teams) || lpad(((a / :teams) % :channels)::text, 2, '0'),
                    (1700000000 + a) || '.000100', (1700000000 + a) || '.000100',
                    (1700000000 + a) || '.000200',
                    'UQ' || lpad(((a * 7) % :users)::text, 4, '0'),
                    :now - make_interval(secs => (:articles - a) * :step),
                    :now - make_interval(secs => (:articles - a) * :step)
                FROM generate_series(1, :articles) AS a
                """
            ),
            params,
        )
        connection.execute(
            text(
                """
                INSERT INTO claims (id, article_id, text, start_char, end_char, score, reasons,
                    rank, origin, held_back, slack_ts, status, assignee, claimed_at,
                    status_set_by, status_set_at, evidence_urls, created_at, updated_at)
                SELECT c.id, c.article_id,
                    'Claim ' || c.id || ': unemployment rose to 5.' || (c.id % 10)
                        || ' per cent in March, the ministry said.',
                    c.rank_ * 200, c.rank_ * 200 + 90, 0.9 - c.rank_ * 0.04,
                    '["dated event"]', c.rank_, 'finder', c.held,
                    CASE WHEN c.held THEN NULL
                        ELSE (1700000000 + c.article_id) || '.'
                            || lpad((300 + c.rank_)::text, 6, '0')
                    END,
                    c.status_, c.assignee_,
                    CASE WHEN c.assignee_ IS NULL THEN NULL ELSE c.created + interval '1 hour' END,
                    CASE WHEN c.status_ IN ('confirmed', 'disputed', 'unverified', 'dismissed')
                        THEN coalesce(c.assignee_, 'UQ0001') END,
                    CASE WHEN c.status_ IN ('confirmed', 'disputed', 'unverified', 'dismissed')
                        THEN c.created + interval '3 hours' END,
                    '[]', c.created, c.created
                FROM (
                    SELECT s.id, s.article_id, s.rank_, s.held, s.created,
                        CASE WHEN s.held OR s.h < 60 THEN 'open'
                            WHEN s.h < 85
                                THEN (ARRAY['confirmed', 'disputed', 'unverified'])[1 + s.h % 3]
                            ELSE 'dismissed' END AS status_,
                        CASE WHEN NOT s.held AND s.h >= 50 AND s.h < 85
                            THEN 'UQ' || lpad((s.id % :users)::text, 4, '0') END AS assignee_
                    FROM (
                        SELECT g AS id, (g - 1) / :per + 1 AS article_id,
                            (g - 1) % :per + 1 AS rank_, (g - 1) % :per + 1 > 10 AS held,
                            ((g::bigint * 2654435761) % 1000) / 10 AS h,
                            :now - make_interval(secs => (:articles - ((g - 1) / :per + 1)) * :step)
                                + make_interval(secs => (g - 1) % :per) AS created
                        FROM generate_series(1, :claims) AS g
                    ) AS s
                ) AS c
                """
            ),
            params,
        )
        # The desk's audit rows: who claimed, who judged, who dismissed.
        connection.execute(
            text(
                """
                INSERT INTO claim_events (claim_id, actor, action, from_value, to_value,
                    evidence_urls, created_at)
                SELECT id, assignee, 'claimed', NULL, assignee, '[]'::json, claimed_at
                FROM claims WHERE assignee IS NOT NULL
                UNION ALL
                SELECT id, status_set_by, 'status_changed', 'open', status, '[]'::json,
                    status_set_at
                FROM claims WHERE status IN ('confirmed', 'disputed', 'unverified')
                UNION ALL
                SELECT id, status_set_by, 'dismissed', 'open', 'dismissed', '[]'::json,
                    status_set_at
                FROM claims WHERE status = 'dismissed'
                """
            )
        )
        for table in ("articles", "claims", "claim_events"):
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        events = int(connection.execute(text("SELECT count(*) FROM claim_events")).scalar_one())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return Shape(claims, articles, events, time.perf_counter() - started)


class StatementLog:
    """Every statement sent while active, with its parameters (to count and to EXPLAIN)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, Any]] = []
        self.active = False

    def __enter__(self) -> StatementLog:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if self.active:
            self.statements.append((statement, parameters))

    @contextmanager
    def capture(self) -> Iterator[list[tuple[str, Any]]]:
        start = len(self.statements)
        self.active = True
        found: list[tuple[str, Any]] = []
        try:
            yield found
        finally:
            self.active = False
            found.extend(self.statements[start:])


def home(session: Session) -> None:
    """What `workers.home.publish_home` asks of the database for one person."""
    desk.my_open_tasks(session=session, team_id=TEAM, user_id=USER)
    desk.unclaimed_tasks(session=session, team_id=TEAM, channel_ids=HOME_CHANNELS)
    desk.recent_verdicts(session=session, team_id=TEAM, user_id=USER)


def digest(session: Session, now: datetime) -> None:
    """What `workers.digest` asks of the database for one channel's weekly digest."""
    week = digests.current_week(now, weekday=0, timezone="UTC").previous
    digests.build(session=session, team_id=TEAM, channel_id=DIGEST_CHANNEL, week=week, now=now)


def time_queries(
    engine: Engine, now: datetime, runs: int, explain_to: Path | None
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """p50-able timings of each query group, a fresh session per run (as a task has)."""
    cases: dict[str, Callable[[Session], object]] = {
        "home: my open tasks": lambda s: desk.my_open_tasks(session=s, team_id=TEAM, user_id=USER),
        "home: unclaimed in my channels": lambda s: desk.unclaimed_tasks(
            session=s, team_id=TEAM, channel_ids=HOME_CHANNELS
        ),
        "home: my recent verdicts": lambda s: desk.recent_verdicts(
            session=s, team_id=TEAM, user_id=USER
        ),
        "home (all three)": home,
        "digest (digests.build)": lambda s: digest(s, now),
    }
    timings: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    explained: list[str] = []
    with StatementLog(engine) as log:
        for name, case in cases.items():
            samples = []
            for run in range(runs + 1):
                with Session(engine) as session, log.capture() as sent:
                    began = time.perf_counter()
                    case(session)
                    elapsed = (time.perf_counter() - began) * 1000
                if run == 0:  # untimed: warms the connection and the statement cache
                    counts[name] = len(sent)
                    if explain_to is not None and name in (
                        "home (all three)",
                        "digest (digests.build)",
                    ):
                        explained += _explain(engine, name, sent)
                    continue
                samples.append(elapsed)
            timings[name] = samples
    if explain_to is not None:
        explain_to.parent.mkdir(parents=True, exist_ok=True)
        explain_to.write_text("\n".join(explained), encoding="utf-8")
    return timings, counts


def _explain(engine: Engine, name: str, sent: Sequence[tuple[str, Any]]) -> list[str]:
    out = [f"==== {name}: {len(sent)} statements ===="]
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        for statement, parameters in sent:
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            out += ["", statement.strip(), f"-- parameters: {parameters!r}", plan]
        raw.rollback()
    return out


def bench_queries(
    server_url: str, *, claims: int, runs: int = DEFAULT_RUNS, explain_to: Path | None = None
) -> QueryResult:
    """Create, fill, time and drop a database on the PostgreSQL server at `server_url`."""
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with scratch_database(server_url, "factdesk_bench_q") as url:
        migrate(url)
        engine = make_engine(url)
        try:
            shape = generate(engine, claims, now)
            timings, counts = time_queries(engine, now, runs, explain_to)
        finally:
            engine.dispose()
    return QueryResult(shape, timings, counts, explain_to)


def report(result: QueryResult, say: Callable[[str], None], table: Callable[..., str]) -> None:
    shape = result.shape
    say(
        f"  {shape.claims:,} claims in {shape.articles:,} articles, {shape.events:,} claim "
        f"events; {TEAMS} workspaces x {CHANNELS_PER_TEAM} channels, {HISTORY_DAYS} days "
        f"(generated in {shape.generate_s:.1f} s)"
    )
    rows = [
        [
            name,
            f"{statistics.median(samples):,.1f}",
            f"{max(samples):,.1f}",
            str(result.statements[name]),
        ]
        for name, samples in result.timings_ms.items()
    ]
    say(table(["query", "p50 ms", "max ms", "statements"], rows))
    say(
        f"  ({len(next(iter(result.timings_ms.values())))} timed runs each after one untimed, "
        "a fresh session each; home for one person in 5 channels of one workspace, the "
        "digest of one channel for the last full week)"
    )
    if result.explain is not None:
        say(f"  EXPLAIN (ANALYZE, BUFFERS) of every statement: {result.explain}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.queries", description=__doc__)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    parser.add_argument(
        "--database-url",
        default=AUTO,
        help="a PostgreSQL server on loopback (default: 127.0.0.1:5432)",
    )
    parser.add_argument("--explain", type=Path, default=Path("var/bench-explain.txt"))
    args = parser.parse_args(argv)
    server = postgres_server(args.database_url)
    if server is None:
        print("PostgreSQL is not reachable at 127.0.0.1:5432: query benchmark skipped.")
        return 0
    from benchmarks.pipeline import say, table

    result = bench_queries(server, claims=args.claims, runs=args.runs, explain_to=args.explain)
    report(result, say, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
