"""`factdesk match`: rank an archive file for a file of queries, as a TREC run.

The archive goes into a throwaway database (SQLite in a temporary directory unless
``--database`` names another one, which must be empty) through the same migrations, the
same archive service and the same ``workers.matcher.Matcher`` that the workers use, so
what this measures is what the desk gets.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.db import make_engine, migrate
from factdesk.services import archive

if TYPE_CHECKING:
    # The matcher loads onnxruntime; the rest of the command line does without it.
    from workers.matcher import Matcher

# The workspace the throwaway archive belongs to: every entry is a fact-check, which
# any channel of its workspace may see.
MATCH_TEAM = "T0MATCH"
RUN_TAG = "factdesk"
LOAD_BATCH = 512


@dataclass(frozen=True)
class Query:
    qid: str
    text: str


def read_archive(path: Path) -> list[tuple[str, str]]:
    """(vclaim_id, searchable text) per JSON line; the title, when there is one, is added."""
    rows = []
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                text = " ".join(
                    str(item[key]).strip() for key in ("vclaim", "title") if item.get(key)
                )
                rows.append((str(item["vclaim_id"]), text))
            except (ValueError, KeyError) as error:
                raise SystemExit(f"{path}:{number}: not an archive line ({error})") from error
    return rows


def read_queries(path: Path) -> list[Query]:
    """`id<TAB>text` lines, read as CSV (some texts are quoted); a header row is skipped."""
    queries = []
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.reader(stream, delimiter="\t"):
            if len(row) < 2 or row[0] in {"iclaim_id", "id", "qid"}:
                continue
            queries.append(Query(row[0], row[1]))
    return queries


@contextmanager
def throwaway_session(url: str | None) -> Iterator[Session]:
    with tempfile.TemporaryDirectory(prefix="factdesk-match-") as scratch:
        url = url or f"sqlite:///{Path(scratch) / 'archive.db'}"
        migrate(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                yield session
        finally:
            engine.dispose()


def load_archive(
    session: Session, rows: Sequence[tuple[str, str]], matcher: Matcher
) -> dict[int, str]:
    """Store the rows as fact-checks with their vectors; return vclaim_id by entry id."""
    ids: dict[int, str] = {}
    for start in range(0, len(rows), LOAD_BATCH):
        batch = rows[start : start + LOAD_BATCH]
        vectors = matcher.embed([text for _, text in batch])
        entries = [
            ArchiveEntry(
                kind=ArchiveKind.FACT_CHECK,
                slack_team_id=MATCH_TEAM,
                text=text,
                vector=None if vectors is None else archive.encode_vector(vectors[index]),
                vector_model=None if vectors is None else matcher.vector_model,
            )
            for index, (_, text) in enumerate(batch)
        ]
        session.add_all(entries)
        session.flush()
        ids.update(
            {entry.id: vclaim_id for entry, (vclaim_id, _) in zip(entries, batch, strict=True)}
        )
    session.commit()
    return ids


def run(
    archive_path: Path,
    queries_path: Path,
    *,
    top: int = 5,
    lexical_only: bool = False,
    database_url: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Print the TREC run; return the exit status."""
    from workers.matcher import Matcher

    out = out or sys.stdout
    matcher = Matcher(lexical_only=lexical_only)
    queries = read_queries(queries_path)
    rows = read_archive(archive_path)
    viewer = archive.Viewer(MATCH_TEAM)
    with throwaway_session(database_url) as session:
        vclaims = load_archive(session, rows, matcher)
        for query in queries:
            ranked = matcher.rank(session=session, text=query.text, viewer=viewer, top=top)
            for rank, match in enumerate(ranked, start=1):
                out.write(
                    f"{query.qid}\tQ0\t{vclaims[match.entry_id]}\t{rank}\t{match.score:.6f}\t{RUN_TAG}\n"
                )
    return 0
