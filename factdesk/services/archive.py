"""The claim archive: storing desk claims and fact-checks, and finding candidates for a text.

Candidates come from the database's own full-text search (PostgreSQL tsvector + GIN,
SQLite FTS5; see ``factdesk.archive_models``) with any-word semantics: a repeated claim
is reworded, so requiring every word would miss most of them. Ranking the candidates
closer is the matcher's job (``workers.matcher``); this module only decides which rows a
viewer may see and returns each with its lexical score and stored vector.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy
import numpy.typing as npt
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind, ClaimMatch
from factdesk.models import VERDICTS, Claim

# Words that carry no claim: without them an any-word query on SQLite would match most
# of the archive. PostgreSQL's english configuration drops its own list as well.
_STOP_WORDS = """a about above after again against all also am an and any are as at be because
been before being below between both but by can could did do does doing down during each few
for from further had has have having he her here hers herself him himself his how i if in into
is it its itself just me more most my myself no nor not now of off on once only or other our
ours ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
rt amp http https www com"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
MAX_TERMS = 32
_WORD = re.compile(r"[^\W_]+")
_CODE_LIKE = re.compile(r"(?=.*\d)(?=.*[^\W\d_])\w{5,}")


@dataclass(frozen=True)
class Viewer:
    """Where a match would be shown: the workspace and, for a desk claim, its channel."""

    team_id: str
    channel_id: str | None = None


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    lexical: float
    vector: bytes | None
    vector_model: str | None = None


def search_terms(query: str) -> list[str]:
    """The query's distinct content words, lower-cased, in order; at most MAX_TERMS."""
    terms: dict[str, None] = {}
    for word in _WORD.findall(query.lower()):
        if word not in STOP_WORDS and (len(word) > 1 or word.isdigit()):
            terms.setdefault(word, None)
    return list(terms)[:MAX_TERMS]


def encode_vector(vector: npt.NDArray[numpy.float32]) -> bytes:
    # float16 halves the storage; cosines move by less than 1e-3.
    return numpy.asarray(vector, dtype=numpy.float16).tobytes()


def decode_vectors(blobs: Sequence[bytes]) -> npt.NDArray[numpy.float32]:
    """Stored vectors as one float32 matrix, one row each."""
    return (
        numpy.frombuffer(b"".join(blobs), dtype=numpy.float16)
        .reshape(len(blobs), -1)
        .astype(numpy.float32)
    )


# A desk claim is archived once it has a verdict; it shows in its own channel, in the
# workspace's public channels when its channel is public, and never in another workspace.
_VISIBLE = (
    "a.slack_team_id = :team AND (a.kind = 'fact_check' OR (c.status IN ({verdicts}) "
    "AND (a.channel_private = false OR a.slack_channel_id = :channel)))"
    " AND (c.article_id IS NULL OR c.article_id != :article)"
).format(verdicts=", ".join(f"'{status.value}'" for status in sorted(VERDICTS)))

# The interpolated parts are this module's constants; every value is a bound parameter.
_SQLITE_SEARCH = text(
    "SELECT a.id, -bm25(archive_fts) AS lexical, a.vector, a.vector_model FROM archive_fts"  # noqa: S608
    " JOIN archive_entries a ON a.id = archive_fts.rowid"
    " LEFT JOIN claims c ON c.id = a.claim_id"
    f" WHERE archive_fts MATCH :query AND {_VISIBLE}"
    " ORDER BY lexical DESC LIMIT :limit"
)
# The full join above reads every matching row of archive_entries, vector and all, to
# sort them: FTS5 ranks alone first, and only its best OVERFETCH x limit rows are read
# and filtered by who may see them. When fewer than `limit` of those are visible (an
# archive mostly of other channels' private claims), the full query answers instead,
# so the result is the same either way.
# These two run for every claim of every article: the driver runs them as written (see
# _sqlite_candidates), and the ids go as one JSON array, one statement whatever their
# number.
_SQLITE_RANKED = (
    "SELECT rowid, -bm25(archive_fts) AS lexical FROM archive_fts"
    " WHERE archive_fts MATCH :query ORDER BY lexical DESC LIMIT :limit"
)
_SQLITE_VISIBLE = (
    # Looked up by id: the planner would otherwise walk the workspace's index, every row.
    "SELECT a.id, a.vector, a.vector_model FROM archive_entries a NOT INDEXED"  # noqa: S608
    " LEFT JOIN claims c ON c.id = a.claim_id"
    f" WHERE a.id IN (SELECT value FROM json_each(:ids)) AND {_VISIBLE}"
)
OVERFETCH = 2
# The query's lexemes arrive stemmed already (see _postgres_lexemes), so the tsquery is
# built from them as literals, not parsed again. It is a scalar subquery, which
# PostgreSQL computes once (an InitPlan): as a plain CTE it was inlined, and the tsquery
# was built and parsed again for every row ranked, a third of a lookup's time at a
# million rows. Ranking reads archive_search (migration 0013), the tsvector and the
# columns _VISIBLE needs and nothing else: each ranked row is a random heap read, and in
# archive_entries, five times wider, most of them missed shared buffers. Only the best
# rows' vectors are read from archive_entries. Equal scores are broken by id, newest
# first, so which rows make the cut does not depend on where they lie on disk.
_POSTGRES_SEARCH = text(
    "WITH query AS (SELECT (SELECT array_to_string(ARRAY(SELECT quote_literal(term)"  # noqa: S608
    " FROM unnest(CAST(:lexemes AS text[])) term), ' | ')::tsquery) AS q),"
    " best AS (SELECT a.entry_id AS id, ts_rank(a.search_vector, query.q, 1) AS lexical"
    " FROM archive_search a CROSS JOIN query LEFT JOIN claims c ON c.id = a.claim_id"
    f" WHERE a.search_vector @@ query.q AND {_VISIBLE}"
    " ORDER BY lexical DESC, a.entry_id DESC LIMIT :limit)"
    " SELECT best.id, best.lexical, e.vector, e.vector_model FROM best"
    " JOIN archive_entries e ON e.id = best.id ORDER BY best.lexical DESC, best.id DESC"
)
_POSTGRES_LEXEMES = text(
    "SELECT word, ARRAY(SELECT lexeme FROM unnest(to_tsvector('english', word)))"
    " FROM unnest(CAST(:words AS text[])) word"
)
# Each word's lexemes as PostgreSQL stems them, kept per process: a lookup then needs no
# round trip for words seen before. Cleared when full, rather than tracked by age.
_LEXEME_CACHE: dict[str, list[str]] = {}
LEXEME_CACHE_SIZE = 100_000
# PostgreSQL's own statistics of the column (ANALYZE, run by autovacuum): the thousand
# most common lexemes and the share of rows holding each, and the table's row count.
_POSTGRES_COMMON = text(
    "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
    " WHERE tablename = 'archive_search' AND attname = 'search_vector'"
    " AND schemaname = current_schema()"
)
_POSTGRES_ROWS = text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('archive_search')")
# How many rows one lookup may score, estimated from the statistics: any-word search
# over a million claims would otherwise rank hundreds of thousands of rows for a tweet
# full of common words. The rarest words go first (they say most about the claim), at
# least MIN_TERMS of them whatever they cost. 4,000 rather than 2,000 since the two-epoch
# embedder (minilm-embed-1.2.0): together MAP@5 2A dev 0.9414 -> 0.9514, 2B dev 0.4427 ->
# 0.4494, where either alone gave 2A dev 0.9464 and no gain on 2B dev. The price is
# PostgreSQL heap reads of twice the rows at a million claims (docs/matching.md).
ROW_BUDGET = 4_000
MIN_TERMS = 2
STATISTICS_SECONDS = 600.0


@dataclass
class _Statistics:
    read_at: float
    rows: float
    frequency: dict[str, float]
    rarest_common: float


_statistics: dict[str, _Statistics] = {}
_SQLITE_ROWS_WITH = text("SELECT count(*) FROM archive_fts WHERE archive_fts MATCH :term")
# Per database: when the counts were started, and rows holding each word.
_sqlite_counts: dict[str, tuple[float, dict[str, int]]] = {}


def candidates(
    *,
    session: Session,
    query: str,
    viewer: Viewer,
    limit: int,
    exclude_article_id: int | None = None,
) -> list[Candidate]:
    """The archive rows the viewer may see that share words with the query, best first."""
    terms = search_terms(query)
    if not terms:
        return []
    visible: dict[str, object] = {
        "team": viewer.team_id,
        "channel": viewer.channel_id,
        "article": -1 if exclude_article_id is None else exclude_article_id,
    }
    if session.get_bind().dialect.name != "postgresql":
        match = " OR ".join(f'"{term}"' for term in _sqlite_terms(session, terms))
        return _sqlite_candidates(session, match, visible, limit)
    lexemes = _postgres_lexemes(session, terms)
    if not lexemes:
        return []
    rows = session.execute(_POSTGRES_SEARCH, {"lexemes": lexemes, "limit": limit, **visible})
    return [Candidate(row[0], float(row[1]), row[2], row[3]) for row in rows]


def _sqlite_candidates(
    session: Session, match: str, visible: dict[str, object], limit: int
) -> list[Candidate]:
    """FTS5's best rows first, then who may see them (see _SQLITE_RANKED)."""
    over = OVERFETCH * limit
    # Straight to the driver, as session.execute would run them, flush first included:
    # SQLAlchemy's own handling of a statement was a seventh of a lookup's time.
    if session.autoflush:
        session.flush()
    connection = session.connection()
    ranked = connection.exec_driver_sql(_SQLITE_RANKED, {"query": match, "limit": over}).all()
    if not ranked:
        return []
    ids = json.dumps([row[0] for row in ranked])
    vectors: dict[int, tuple[bytes | None, str | None]] = {
        row[0]: (row[1], row[2])
        for row in connection.exec_driver_sql(_SQLITE_VISIBLE, {"ids": ids, **visible})
    }
    if len(vectors) < limit and len(ranked) == over:
        rows = session.execute(_SQLITE_SEARCH, {"query": match, "limit": limit, **visible})
        return [Candidate(row[0], float(row[1]), row[2], row[3]) for row in rows]
    return [
        Candidate(row[0], float(row[1]), *vectors[row[0]]) for row in ranked if row[0] in vectors
    ][:limit]


def _postgres_lexemes(session: Session, words: Sequence[str]) -> list[str]:
    """The words' lexemes to search for, rarest first, within ROW_BUDGET."""
    # Read from a copy: another thread's lookup may clear the shared cache meanwhile.
    known = {word: _LEXEME_CACHE.get(word) for word in words}
    missing = [word for word, stems in known.items() if stems is None]
    if missing:
        if len(_LEXEME_CACHE) + len(missing) > LEXEME_CACHE_SIZE:
            _LEXEME_CACHE.clear()
        for word, stems in session.execute(_POSTGRES_LEXEMES, {"words": missing}):
            known[word] = _LEXEME_CACHE[word] = list(stems)
    lexemes = list(dict.fromkeys(lexeme for word in words for lexeme in known[word] or []))
    stats = _postgres_statistics(session)
    if stats is None:
        return lexemes[:MAX_TERMS]

    def share(lexeme: str) -> float:
        # Below the thousandth most common lexeme: most such words are far rarer.
        return stats.frequency.get(lexeme, stats.rarest_common / 4)

    def order(lexeme: str) -> tuple[bool, float]:
        # Letters and digits run together ("opdkuec45h", from a pasted short link) are
        # the rarest of all and match nothing: real words go first.
        return (_CODE_LIKE.fullmatch(lexeme) is not None, share(lexeme))

    return _within_budget(sorted(lexemes, key=order), lambda lexeme: share(lexeme) * stats.rows)


def _sqlite_terms(session: Session, words: Sequence[str]) -> list[str]:
    """The words to search for on SQLite, rarest first, within ROW_BUDGET rows.

    FTS5 computes BM25 for every row that holds any of the words, so a claim full of
    common words ranked a tenth of the archive. How many rows hold a word is FTS5's own
    count, kept per process (a desk's claims share most of their words) and forgotten
    every STATISTICS_SECONDS, as the archive grows."""
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    known = _sqlite_counts.get(key)
    if known is None or now - known[0] >= STATISTICS_SECONDS or len(known[1]) > LEXEME_CACHE_SIZE:
        known = _sqlite_counts[key] = (now, {})
    counts = known[1]
    for word in words:
        if word not in counts:
            counts[word] = session.scalar(_SQLITE_ROWS_WITH, {"term": f'"{word}"'}) or 0

    def order(word: str) -> tuple[bool, int]:
        return (_CODE_LIKE.fullmatch(word) is not None, counts[word])

    return _within_budget(sorted(words, key=order), lambda word: counts[word])


def _within_budget(ordered: Sequence[str], rows: Callable[[str], float]) -> list[str]:
    """The first terms whose rows add up to ROW_BUDGET, and at least MIN_TERMS of them."""
    chosen: list[str] = []
    spent = 0.0
    for term in ordered:
        cost = rows(term)
        if len(chosen) >= MIN_TERMS and spent + cost > ROW_BUDGET:
            break
        chosen.append(term)
        spent += cost
    return chosen


def _postgres_statistics(session: Session) -> _Statistics | None:
    """The column's lexeme statistics, read at most every STATISTICS_SECONDS per database."""
    key = str(session.get_bind().engine.url)
    known = _statistics.get(key)
    now = time.monotonic()
    if known is not None and now - known.read_at < STATISTICS_SECONDS:
        return known
    row = session.execute(_POSTGRES_COMMON).first()
    rows = session.scalar(_POSTGRES_ROWS) or 0.0
    if row is None or not row[0] or rows <= 0:
        _statistics.pop(key, None)
        return None  # never analysed yet: a small table, any-word search is cheap
    elements, shares = list(row[0]), list(row[1])
    frequency = dict(zip(elements, shares[: len(elements)], strict=True))
    known = _Statistics(now, float(rows), frequency, min(frequency.values()))
    _statistics[key] = known
    return known


def entries(*, session: Session, ids: Iterable[int]) -> dict[int, ArchiveEntry]:
    """Archive rows by id."""
    wanted = list(ids)
    if not wanted:
        return {}
    found = session.scalars(select(ArchiveEntry).where(ArchiveEntry.id.in_(wanted)))
    return {entry.id: entry for entry in found}


def unarchived(*, session: Session, claims: Sequence[Claim]) -> list[Claim]:
    """The claims that have no archive row yet."""
    have = set(
        session.scalars(
            select(ArchiveEntry.claim_id).where(
                ArchiveEntry.claim_id.in_([claim.id for claim in claims])
            )
        )
    )
    return [claim for claim in claims if claim.id not in have]


def record_matches(*, session: Session, claim_id: int, found: Sequence[tuple[int, float]]) -> None:
    """Keep the matches (archive entry id, score) to show on a claim's task."""
    for entry_id, score in found:
        session.add(ClaimMatch(claim_id=claim_id, archive_entry_id=entry_id, score=score))
    session.flush()


def add_claims(
    *,
    session: Session,
    claims: Sequence[Claim],
    vectors: npt.NDArray[numpy.float32] | None,
    channel_private: bool,
    vector_model: str | None = None,
    known_new: bool = False,
) -> list[ArchiveEntry]:
    """Give each claim its archive row (once), with its vector when there is one.

    ``known_new``: the caller has just checked that none has a row (``unarchived``)."""
    if vectors is not None and not vector_model:
        raise ValueError("vectors need the name of the model that made them")
    have: set[int] = set()
    if not known_new:
        have = {claim.id for claim in claims} - {
            claim.id for claim in unarchived(session=session, claims=claims)
        }
    added = []
    for index, claim in enumerate(claims):
        if claim.id in have:
            continue
        entry = ArchiveEntry(
            kind=ArchiveKind.CLAIM,
            slack_team_id=claim.article.slack_team_id,
            slack_channel_id=claim.article.slack_channel_id,
            channel_private=channel_private,
            claim_id=claim.id,
            text=claim.text,
            vector=None if vectors is None else encode_vector(vectors[index]),
            vector_model=None if vectors is None else vector_model,
        )
        session.add(entry)
        added.append(entry)
    session.flush()
    return added
