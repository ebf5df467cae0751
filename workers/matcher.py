"""The claim matcher: has the desk, or a fact-checker, checked this claim before?

Two stages. The database's full-text search (``factdesk.services.archive.candidates``)
finds the archive rows that share words with the claim and the viewer may see; then
every candidate is scored by a small fusion of its lexical score and the cosine between
its stored sentence embedding and the claim's (all-MiniLM-L6-v2, ``workers.nlp.embedder``):

    score = cosine + lexical_weight * lexical / best lexical among the candidates

The lexical score is divided by the best one so the same weight serves PostgreSQL's
ts_rank and SQLite's BM25, which count on different scales. The weight was fitted on the
CheckThat! train pairs and the display threshold chosen on the dev pairs
(``benchmarks.matching --fit``); both live in the model directory's fusion.json.
"""

from __future__ import annotations

import functools
import json
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import numpy
import numpy.typing as npt
from sqlalchemy import ColumnElement, Engine, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from factdesk.archive_models import ArchiveEntry
from factdesk.models import Claim
from factdesk.services import archive
from workers.nlp.embedder import Embedder, embedder, model_path

# Full-text candidates re-ranked per claim. 100 rather than 50: on the dev pairs 2B dev
# MAP@5 0.4378 -> 0.4427 (2A dev 0.9424 -> 0.9414), and on the train pairs, whose matches
# the embedder learnt but whose candidates it did not choose, 2B +0.014 and 2A +0.005;
# a debate sentence's match is often not among the words' best 50. It costs about 0.5 ms
# of CPU a lookup on SQLite (19,250 rows); on PostgreSQL at a million rows an article of
# 15 claims about 15 ms more wall (50 more rows and vectors a claim; docs/matching.md).
CANDIDATES = 100
# A task shows its best match; two more are kept for when someone hides it.
SHOWN_AT_MOST = 3
FUSION_FILE = "fusion.json"
# An article's full-text lookups run this many at once, each on a connection of its own
# (see _candidates_of); a worker process keeps that many connections more in its pool.
LOOKUP_THREADS = 2


@dataclass(frozen=True)
class Fusion:
    lexical_weight: float
    threshold: float

    @classmethod
    def load(cls, path: Path | None = None) -> Fusion:
        data = json.loads((path or model_path() / FUSION_FILE).read_text())
        return cls(lexical_weight=data["lexical_weight"], threshold=data["threshold"])


@dataclass(frozen=True)
class Match:
    entry_id: int
    score: float
    cosine: float
    lexical: float


@functools.cache
def _embedding_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="matcher-embed")


@functools.cache
def _lookup_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=LOOKUP_THREADS, thread_name_prefix="matcher-lookup")


@functools.cache
def fusion() -> Fusion:
    """The shipped fusion weights, read once per process."""
    return Fusion.load()


def fuse(
    found: Sequence[archive.Candidate],
    query_vector: npt.NDArray[numpy.float32] | None,
    weights: Fusion,
    vector_model: str | None,
) -> list[Match]:
    """The candidates scored and sorted, best first.

    Only vectors made by ``vector_model`` (the query's) are compared: a row embedded by
    another model, or whose model is unknown, counts by its words alone until
    ``factdesk migrate`` embeds it again."""
    if not found:
        return []
    lexical = numpy.array([candidate.lexical for candidate in found], dtype=numpy.float32)
    best = float(lexical.max())
    relative = lexical / best if best > 0 else numpy.zeros_like(lexical)
    cosine = numpy.zeros(len(found), dtype=numpy.float32)
    with_vector = [
        index
        for index, candidate in enumerate(found)
        if candidate.vector and vector_model and candidate.vector_model == vector_model
    ]
    if query_vector is not None and with_vector:
        blobs = [found[index].vector or b"" for index in with_vector]
        cosine[with_vector] = archive.decode_vectors(blobs) @ query_vector
    scores = cosine + weights.lexical_weight * relative
    order = numpy.argsort(-scores, kind="stable")
    return [
        Match(
            entry_id=found[index].entry_id,
            score=float(scores[index]),
            cosine=float(cosine[index]),
            lexical=float(lexical[index]),
        )
        for index in order
    ]


class Matcher:
    """Ranks the archive for a text; `lexical_only` is the full-text search alone."""

    def __init__(
        self,
        model: Embedder | None = None,
        weights: Fusion | None = None,
        *,
        lexical_only: bool = False,
        candidates: int = CANDIDATES,
    ) -> None:
        self.lexical_only = lexical_only
        self._model = None if lexical_only else (model or embedder())
        self.vector_model = None if self._model is None else self._model.name
        self.weights = weights or fusion()
        self.candidates = candidates

    def embed(self, texts: Sequence[str]) -> npt.NDArray[numpy.float32] | None:
        return None if self._model is None else self._model.embed(texts)

    def rank(
        self,
        *,
        session: Session,
        text: str,
        viewer: archive.Viewer,
        vector: npt.NDArray[numpy.float32] | None = None,
        exclude_article_id: int | None = None,
        top: int = 5,
    ) -> list[Match]:
        """The best `top` archive rows for the text, best first."""
        pending = None
        if vector is None and self._model is not None:
            # Embedding is CPU work outside the GIL and the search mostly waits on the
            # database: run them side by side, the lookup then costs the longer of the two.
            pending = _embedding_pool().submit(self._model.embed, [text])
        found = archive.candidates(
            session=session,
            query=text,
            viewer=viewer,
            limit=self.candidates,
            exclude_article_id=exclude_article_id,
        )
        if pending is not None:
            vector = pending.result()[0]
        return self.fuse(found, vector)[:top]

    def fuse(
        self, found: Sequence[archive.Candidate], vector: npt.NDArray[numpy.float32] | None
    ) -> list[Match]:
        """Candidates scored, best first (by the words alone when lexical_only)."""
        if self.lexical_only:
            return [
                Match(entry_id=c.entry_id, score=c.lexical, cosine=0.0, lexical=c.lexical)
                for c in found
            ]
        return fuse(found, vector, self.weights, self.vector_model)

    def shown(self, matches: Sequence[Match]) -> list[Match]:
        """The matches sure enough to show a person (threshold chosen on dev data)."""
        return [match for match in matches if match.score >= self.weights.threshold]


def archive_new_claims(
    *, session: Session, claims: Sequence[Claim], channel_private: bool, matcher: Matcher
) -> dict[int, list[Match]]:
    """Store the new claims' vectors in the archive; return each one's shown matches.

    The article's claims are embedded on the embedding thread while their full-text
    lookups run (the database does that work outside the GIL; on PostgreSQL two at a
    time, see _candidates_of), so the article pays about the longer of the two, not
    their sum. Claims already in the archive (a re-run task) are left alone and get no
    matches."""
    claims = archive.unarchived(session=session, claims=claims)
    if not claims:
        return {}
    texts = [claim.text for claim in claims]
    pending = None if matcher.lexical_only else _embedding_pool().submit(matcher.embed, texts)
    found = _candidates_of(session, claims, matcher.candidates)
    vectors = None if pending is None else pending.result()
    archive.add_claims(
        session=session,
        claims=claims,
        vectors=vectors,
        vector_model=matcher.vector_model,
        channel_private=channel_private,
        known_new=True,
    )
    matches = {}
    for index, claim in enumerate(claims):
        vector = None if vectors is None else vectors[index]
        ranked = matcher.fuse(found[index], vector)[:SHOWN_AT_MOST]
        matches[claim.id] = matcher.shown(ranked)
    return matches


def _candidates_of(
    session: Session, claims: Sequence[Claim], limit: int
) -> list[list[archive.Candidate]]:
    """Each claim's full-text candidates, in the claims' order.

    On PostgreSQL, a session with a transaction of its own has the lookups run
    LOOKUP_THREADS at a time, each thread on a connection of its own: the server works
    on each in a process of its own while psycopg waits outside the GIL, so an article's
    lookups overlap instead of queueing. Those connections see what is committed, as
    this session does, except what its own transaction wrote: the article and its
    claims, which no lookup may return anyway (``exclude_article_id``). A session bound
    to a connection (a transaction others cannot see) looks them up itself, one after
    another, and so does SQLite, whose lookups are this process's own CPU work: in
    threads they measured no faster (docs/matching.md)."""
    wanted = [
        (
            claim.text,
            archive.Viewer(claim.article.slack_team_id, claim.article.slack_channel_id),
            claim.article_id,
        )
        for claim in claims
    ]

    def look_up(on: Session, index: int) -> list[archive.Candidate]:
        text, viewer, article_id = wanted[index]
        return archive.candidates(
            session=on, query=text, viewer=viewer, limit=limit, exclude_article_id=article_id
        )

    bind = session.get_bind()
    threads = min(LOOKUP_THREADS, len(wanted))
    if (
        threads < 2
        or not isinstance(bind, Engine)
        or bind.dialect.name != "postgresql"
        or _spare_connections(bind) < threads
    ):
        return [look_up(session, index) for index in range(len(wanted))]
    found: list[list[archive.Candidate]] = [[] for _ in wanted]
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(wanted)):
        todo.put(index)

    # Set when a lookup fails or the task gives up waiting (a soft time limit): the other
    # threads then take no further claim, rather than work on for a task already lost.
    stop = threading.Event()

    def work() -> None:
        # Each thread takes the next claim when done with one: a slow lookup holds up
        # only its own thread.
        with Session(bind) as own:
            while not stop.is_set():
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    found[index] = look_up(own, index)
                except BaseException:
                    stop.set()
                    raise

    try:
        done, _ = wait([_lookup_pool().submit(work) for _ in range(threads)])
    finally:
        stop.set()
    for future in done:
        future.result()
    return found


def _spare_connections(engine: Engine) -> int:
    """Connections the engine's pool can still hand out without waiting: with none to
    spare (DB_POOL_SIZE=1 and DB_MAX_OVERFLOW=0, say) the lookup threads would wait out
    the pool's timeout for the one this session holds."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return LOOKUP_THREADS  # no limit: it opens what it is asked for
    # The pool's own limit: reading the settings again (pool_limits) costs 2 ms. A negative
    # overflow is SQLAlchemy's "no limit". Read before the threads start: a pool process
    # runs one task at a time, so nothing else takes connections meanwhile.
    if pool._max_overflow < 0:
        return LOOKUP_THREADS
    return pool.size() + pool._max_overflow - pool.checkedout()


FILL_BATCH = 64


def needs_vector(vector_model: str) -> ColumnElement[bool]:
    """Archive rows without a vector of ``vector_model``: none at all, or another model's."""
    return or_(ArchiveEntry.vector_model.is_(None), ArchiveEntry.vector_model != vector_model)


def fill_missing_vectors(
    *, session: Session, matcher: Matcher, batch: int = FILL_BATCH, most: int | None = None
) -> int:
    """Embed the archive rows stored without a vector of the matcher's model (claims from
    before the archive, rows stored while the model would not load or by an earlier
    model); commit batch by batch, so a run cut short keeps its work and the next one
    resumes; at most `most` rows when given. Returns how many were filled."""
    if matcher.vector_model is None:
        return 0
    filled, last_id = 0, 0
    while most is None or filled < most:
        size = batch if most is None else min(batch, most - filled)
        rows = session.scalars(
            select(ArchiveEntry)
            .where(needs_vector(matcher.vector_model), ArchiveEntry.id > last_id)
            .order_by(ArchiveEntry.id)
            .limit(size)
        ).all()
        if not rows:
            return filled
        vectors = matcher.embed([row.text for row in rows])
        if vectors is None:
            return filled
        for row, vector in zip(rows, vectors, strict=True):
            row.vector = archive.encode_vector(vector)
            row.vector_model = matcher.vector_model
        session.commit()
        filled += len(rows)
        last_id = rows[-1].id
    return filled
