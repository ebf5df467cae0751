"""The labelled sets in ``../shared/eval-data`` that the combiner and the ranking are
fitted on, and the news-main-claims measure (``recall@k``, as its SOURCE.txt defines
it). Only tuning splits are read here: ClaimBuster ``dev`` and news-main-claims
``dev``; ClaimBuster ``test`` never."""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
_TOKEN = re.compile(r"\w+")


def eval_data_dir() -> Path:
    """``../shared/eval-data`` seen from the main checkout or from a worktree under it,
    or $FACTDESK_EVAL_DATA."""
    configured = os.environ.get("FACTDESK_EVAL_DATA")
    candidates = [Path(configured)] if configured else []
    candidates += [parent / "shared" / "eval-data" for parent in ROOT.parents]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("no eval-data: set FACTDESK_EVAL_DATA to ../shared/eval-data")


def claimbuster_dev(data: Path) -> list[tuple[str, int]]:
    """(text, 1 if CFS) of the random split's dev rows that are not also in train."""
    path = data / "splits" / "claimbuster_splits.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (record["Text"], int(record["label_cfs"]))
            for record in csv.DictReader(handle)
            if record["split_random"] == "dev" and record["random_text_seen_in_train"] != "1"
        ]


def main_claim_articles(data: Path) -> list[tuple[str, str]]:
    """(text, main claim) of the news-main-claims dev articles."""
    path = data / "news-main-claims" / "inobo_dev.jsonl"
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [(str(row["text"]), str(row["main_claim"])) for row in rows]


def covers(candidate: str, main_claim: str) -> bool:
    """Whether ``candidate`` has at least half of the main claim's word tokens (lower-cased
    \\w+ tokens as a multiset), as news-main-claims' SOURCE.txt defines recall@k."""
    wanted = Counter(_TOKEN.findall(main_claim.lower()))
    if not wanted:
        return False
    shared = wanted & Counter(_TOKEN.findall(candidate.lower()))
    return 2 * sum(shared.values()) >= sum(wanted.values())


def recall_at(ranked_lists: Iterable[Sequence[str]], main_claims: Sequence[str], k: int) -> float:
    hits = [
        any(covers(text, claim) for text in ranked[:k])
        for ranked, claim in zip(ranked_lists, main_claims, strict=True)
    ]
    return sum(hits) / len(hits) if hits else 0.0
