"""The matcher's second source of candidates: the archive rows nearest a claim in meaning.

Full-text search misses a claim reworded with other words: on CheckThat! 2021 2B dev the
gold fact-check is among the 50 full-text candidates for only 59 % of the debate
sentences, 65 % once the 10 rows whose stored vectors are nearest are added. Those come
from a copy of the archive's vectors kept in the worker's memory, an exact search (one
matrix product, about 2 ms for 19,250 rows), while the archive is small enough for that:
up to MAX_ROWS rows, 46 MB as float32 (float16 would halve it, but numpy converts it
back at 17 ms per search for 19,250 rows, ten times the product). A larger archive (a
million imported fact-checks on PostgreSQL) is searched by its words alone. On the dev
pairs the added rows lift MAP@5 from 0.942 to 0.957 (2A dev) and 0.438 to 0.444 (2B dev).

The copy is per process and per database. Each search first reads the rows added since
(by id, cheap); every RELOAD_SECONDS it is read whole again, which picks up vectors
filled in later (``fill_missing_vectors``) and forgets deleted rows. Who may see a row is
decided by the database, for each search (``archive.visible_of``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry
from factdesk.services import archive

MAX_ROWS = 30_000
NEAREST = 10
# Rows less alike than this are no candidates, however near: a text of a few words
# would otherwise always bring ten rows, related or not. Chosen on the dev pairs (0.4
# loses nothing there, 0.5 loses 0.003 of 2B dev's MAP@5).
MIN_COSINE = 0.4
RELOAD_SECONDS = 600.0


@dataclass
class _Copy:
    ids: npt.NDArray[numpy.int64]
    matrix: npt.NDArray[numpy.float32]
    last_id: int
    loaded_at: float
    too_big: bool = False


_copies: dict[str, _Copy] = {}
_lock = threading.Lock()


def nearest(
    *, session: Session, vectors: npt.NDArray[numpy.float32], count: int = NEAREST
) -> list[list[int]] | None:
    """Per query vector, the ids of the `count` archive rows nearest it, best first,
    whoever may see them; None when the archive is too big to search this way."""
    copy = _current(session)
    if copy is None:
        return None
    if len(copy.ids) == 0 or len(vectors) == 0:
        return [[] for _ in vectors]
    scores = vectors @ copy.matrix.T
    count = min(count, len(copy.ids))
    best = numpy.argpartition(-scores, count - 1, axis=1)[:, :count]
    result = []
    for row, candidates in zip(scores, best, strict=True):
        ordered = candidates[numpy.argsort(-row[candidates], kind="stable")]
        result.append([int(copy.ids[index]) for index in ordered if row[index] >= MIN_COSINE])
    return result


def _current(session: Session) -> _Copy | None:
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    with _lock:
        copy = _copies.get(key)
        if (
            copy is None
            or now - copy.loaded_at >= RELOAD_SECONDS
            # Rows at the end went away (deleted, or a transaction rolled back): their ids
            # may be given again, to other texts.
            or (session.scalar(select(func.max(ArchiveEntry.id))) or 0) < copy.last_id
        ):
            copy = _copies[key] = _load(session, now)
        elif not copy.too_big:
            _extend(session, copy)
        return None if copy.too_big else copy


def _load(session: Session, now: float) -> _Copy:
    empty = numpy.zeros((0, 0), dtype=numpy.float32)
    with_vectors = select(func.count()).where(ArchiveEntry.vector.is_not(None))
    if (session.scalar(with_vectors) or 0) > MAX_ROWS:
        return _Copy(numpy.zeros(0, dtype=numpy.int64), empty, 0, now, too_big=True)
    copy = _Copy(numpy.zeros(0, dtype=numpy.int64), empty, 0, now)
    _extend(session, copy)
    return copy


def _extend(session: Session, copy: _Copy) -> None:
    rows = session.execute(
        select(ArchiveEntry.id, ArchiveEntry.vector)
        .where(ArchiveEntry.id > copy.last_id, ArchiveEntry.vector.is_not(None))
        .order_by(ArchiveEntry.id)
    ).all()
    if not rows:
        return
    added = archive.decode_vectors([vector or b"" for _, vector in rows])
    ids = numpy.array([entry_id for entry_id, _ in rows], dtype=numpy.int64)
    copy.matrix = added if len(copy.ids) == 0 else numpy.concatenate([copy.matrix, added])
    copy.ids = numpy.concatenate([copy.ids, ids])
    copy.last_id = int(ids[-1])
    if len(copy.ids) > MAX_ROWS:
        copy.ids, copy.matrix, copy.too_big = ids[:0], copy.matrix[:0], True


def forget() -> None:
    """Drop every kept copy (tests, benchmarks)."""
    with _lock:
        _copies.clear()
