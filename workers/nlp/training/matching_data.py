"""The CheckThat! pairs the matcher's embedder trains and is chosen on: 2A and 2B, train and dev.

Each query comes with its full-text candidates from the production archive search (on a
throwaway SQLite database), so training mines its near misses, and the dev figures score,
the very shortlist the matcher re-ranks. No torch here: `train_matcher` needs it, this doesn't.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

Log = Callable[[str], None]
CANDIDATES = 50


@dataclass
class Split:
    queries: dict[str, str]
    qrels: dict[str, set[str]]
    # Each query's full-text candidates: (vclaim_id, lexical score), best first.
    candidates: dict[str, list[tuple[str, float]]]


@dataclass
class Dataset:
    name: str
    texts: dict[str, str]
    splits: dict[str, Split]


def _qrels(path: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.reader(stream, delimiter="\t"):
            if len(row) >= 4 and row[3].strip() == "1":
                found[row[0]].add(row[2])
    return dict(found)


def load_data(data: Path, log: Log = print) -> list[Dataset]:
    """The train and dev splits of 2A and 2B, each query with its full-text candidates."""
    from launcher import matching  # the production archive and search, on SQLite
    from workers.matcher import Matcher

    a, b = data / "checkthat2022-2a-en", data / "checkthat2021-2b-en"
    a_queries = matching.read_queries(a / "CT2022-Task2A-EN-Train-Dev_Queries.tsv")
    b_queries = matching.read_queries(b / "iclaims.queries")
    layout = [
        (
            "2a",
            a / "vclaims.jsonl",
            a_queries,
            {
                "train": a / "CT2022-Task2A-EN-Train_QRELs.tsv",
                "dev": a / "CT2022-Task2A-EN-Dev_QRELs.tsv",
            },
        ),
        ("2b", b / "vclaims.jsonl", b_queries, {"train": b / "train.tsv", "dev": b / "dev.tsv"}),
    ]
    words_only = Matcher(lexical_only=True)
    from factdesk.services import archive

    result = []
    for name, archive_file, queries, qrel_files in layout:
        rows = matching.read_archive(archive_file)
        by_id = {query.qid: query.text for query in queries}
        with matching.throwaway_session(None) as session:
            ids = matching.load_archive(session, rows, words_only)
            viewer = archive.Viewer(matching.MATCH_TEAM)
            splits = {}
            for split_name, qrel_file in qrel_files.items():
                qrels = _qrels(qrel_file)
                texts = {qid: by_id[qid] for qid in qrels if qid in by_id}
                candidates = {
                    qid: [
                        (ids[c.entry_id], c.lexical)
                        for c in archive.candidates(
                            session=session, query=text, viewer=viewer, limit=CANDIDATES
                        )
                    ]
                    for qid, text in texts.items()
                }
                splits[split_name] = Split(texts, qrels, candidates)
                log(f"  {name} {split_name}: {len(texts)} queries")
        result.append(Dataset(name, dict(rows), splits))
    return result


def data_sha256(datasets: Sequence[Dataset]) -> str:
    """Hash of the train pairs (query text, fact-check text), in order."""
    digest = hashlib.sha256()
    for dataset in datasets:
        train = dataset.splits["train"]
        for qid in sorted(train.queries):
            for vclaim in sorted(train.qrels[qid]):
                row = [dataset.name, qid, train.queries[qid], vclaim, dataset.texts[vclaim]]
                digest.update(json.dumps(row).encode("utf-8") + b"\n")
    return digest.hexdigest()


def map5(runs: dict[str, list[str]], qrels: dict[str, set[str]]) -> float:
    total = 0.0
    for qid, gold in qrels.items():
        hits, precision_sum = 0, 0.0
        for rank, vclaim in enumerate(runs.get(qid, [])[:5], start=1):
            if vclaim in gold:
                hits += 1
                precision_sum += hits / rank
        total += precision_sum / len(gold)
    return total / len(qrels)
