"""Claim matching: accuracy on CheckThat! data, and lookup latency at a million claims.

Accuracy (``../shared/eval-data/claim-matching``, see its SOURCE.txt): each archive is
loaded into a throwaway SQLite database through ``launcher.matching`` (the code behind
``factdesk match``), and every query is ranked by ``workers.matcher.Matcher``, the
workers' own matcher, once with the full-text search alone ("BM25") and once re-ranked.
Reported on CheckThat! 2022 2A Dev-Test and 2021 2B dev; the official test splits are
held out and not read.

``--fit`` first fits the fusion's one weight on the dev pairs (2A dev and 2B dev, best
mean MAP@5 on a grid; the embedder was fine-tuned on the train pairs) and chooses the
display threshold on 2A dev (the lowest score at which what is shown is right at least
PRECISION of the time, each dev claim counted also as never checked, with its true
match taken out), and writes them to the model's fusion.json.

Latency (``--latency``): a schema of its own in the PostgreSQL database given, one
million archive rows generated from the CheckThat! vocabulary (word frequencies as in
the real claims, random unit vectors) and bulk-loaded with COPY, then the 2A Dev-Test
queries ranked one by one: p50/p95 of the whole lookup (embedding the query, full-text
candidates, fusion), and what matching adds to one article of 15 claims there. The
accuracy run times the same per-article path on SQLite against the 19,250 PolitiFact
claims (``ms_matching_per_article_15_claims``).

    python -m benchmarks.matching [--fit] [--latency] [--data DIR] [--postgres URL]

Results go to var/bench-matching.json.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy
from spacy.language import Language
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from factdesk.db import make_engine, migrate
from factdesk.models import Article, Claim
from factdesk.services import archive
from factdesk.settings import Settings
from launcher import matching
from workers.matcher import CANDIDATES, FUSION_FILE, Fusion, Matcher, archive_new_claims, fuse
from workers.nlp import find_claims
from workers.nlp.embedder import DIMENSIONS, embedder, model_name, model_path
from workers.nlp.finder import claim_pipeline
from workers.nlp.training.eval_data import eval_data_dir, main_claim_articles

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench-matching.json"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test_h8"
PRECISION = 0.9
WEIGHTS = [round(0.05 * step, 2) for step in range(0, 41)]
LATENCY_ROWS = 1_000_000
ARTICLE_CLAIMS = 15

Qrels = dict[str, set[str]]


@dataclass
class Split:
    name: str
    queries: list[matching.Query]
    qrels: Qrels


@dataclass
class Dataset:
    name: str
    archive: Path
    splits: dict[str, Split]


def read_qrels(path: Path) -> Qrels:
    qrels: Qrels = collections.defaultdict(set)
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.reader(stream, delimiter="\t"):
            if len(row) >= 4 and row[3].strip() == "1":
                qrels[row[0]].add(row[2])
    return dict(qrels)


def split(name: str, queries: Sequence[matching.Query], qrels: Qrels) -> Split:
    wanted = {query.qid: query for query in queries if query.qid in qrels}
    return Split(name, list(wanted.values()), qrels)


def datasets(data: Path) -> list[Dataset]:
    a = data / "checkthat2022-2a-en"
    a_queries = matching.read_queries(a / "CT2022-Task2A-EN-Train-Dev_Queries.tsv")
    a_devtest = matching.read_queries(a / "CT2022-Task2A-EN-Dev-Test_Queries.tsv")
    b = data / "checkthat2021-2b-en"
    b_queries = matching.read_queries(b / "iclaims.queries")
    return [
        Dataset(
            "2a",
            a / "vclaims.jsonl",
            {
                "train": split(
                    "train", a_queries, read_qrels(a / "CT2022-Task2A-EN-Train_QRELs.tsv")
                ),
                "dev": split("dev", a_queries, read_qrels(a / "CT2022-Task2A-EN-Dev_QRELs.tsv")),
                "devtest": split(
                    "devtest", a_devtest, read_qrels(a / "CT2022-Task2A-EN-Dev-Test_QRELs.tsv")
                ),
            },
        ),
        Dataset(
            "2b",
            b / "vclaims.jsonl",
            {
                "train": split("train", b_queries, read_qrels(b / "train.tsv")),
                "dev": split("dev", b_queries, read_qrels(b / "dev.tsv")),
            },
        ),
    ]


def metrics(runs: dict[str, list[str]], qrels: Qrels) -> dict[str, float]:
    """MAP@5, MAP@1, Recall@5 and MRR (over the top 5) as the organisers count them."""
    totals: dict[str, float] = collections.defaultdict(float)
    for qid, gold in qrels.items():
        ranked = runs.get(qid, [])[:5]
        for depth in (1, 5):
            hits, precision_sum = 0, 0.0
            for rank, vclaim in enumerate(ranked[:depth], start=1):
                if vclaim in gold:
                    hits += 1
                    precision_sum += hits / rank
            totals[f"map{depth}"] += precision_sum / len(gold)
        totals["recall5"] += len(gold & set(ranked)) / len(gold)
        first = next((rank for rank, v in enumerate(ranked, start=1) if v in gold), None)
        totals["mrr"] += 1 / first if first else 0.0
    return {name: round(value / len(qrels), 4) for name, value in totals.items()}


@dataclass
class Pool:
    """A split's candidates and query vectors, kept to fit the fusion without re-querying."""

    qids: list[str]
    candidates: list[list[archive.Candidate]]
    vectors: numpy.ndarray[Any, Any]


def pool(session: Session, matcher: Matcher, queries: Sequence[matching.Query]) -> Pool:
    viewer = archive.Viewer(matching.MATCH_TEAM)
    found = [
        archive.candidates(session=session, query=q.text, viewer=viewer, limit=CANDIDATES)
        for q in queries
    ]
    vectors = matcher.embed([q.text for q in queries])
    assert vectors is not None
    return Pool([q.qid for q in queries], found, vectors)


def pooled_runs(candidates: Pool, weights: Fusion, vclaims: dict[int, str]) -> dict[str, list[str]]:
    return {
        qid: [vclaims[m.entry_id] for m in fuse(found, vector, weights, model_name())[:5]]
        for qid, found, vector in zip(
            candidates.qids, candidates.candidates, candidates.vectors, strict=True
        )
    }


def fit(
    tune: list[tuple[Pool, Qrels, dict[int, str]]], dev: tuple[Pool, Qrels, dict[int, str]]
) -> tuple[Fusion, dict[str, float]]:
    """The weight with the best mean MAP@5 on `tune`; the threshold from dev's top matches."""
    scored = []
    for weight in WEIGHTS:
        fusion = Fusion(lexical_weight=weight, threshold=0.0)
        maps = [metrics(pooled_runs(p, fusion, ids), q)["map5"] for p, q, ids in tune]
        scored.append((statistics.mean(maps), weight))
    best_map, weight = max(scored)
    dev_pool, dev_qrels, dev_ids = dev
    # Every dev claim has its match in the archive, unlike most claims a desk sees. Each
    # query therefore counts twice: as is (shown right or wrong), and with its true
    # match taken out of the candidates, as a claim never checked before, where anything
    # shown is wrong. The threshold is the lowest score at which PRECISION of what is
    # shown is right.
    tops: list[tuple[float, bool]] = []
    for qid, found, vector in zip(
        dev_pool.qids, dev_pool.candidates, dev_pool.vectors, strict=True
    ):
        gold = dev_qrels[qid]
        ranked = fuse(found, vector, Fusion(weight, 0.0), model_name())
        if ranked:
            tops.append((ranked[0].score, dev_ids[ranked[0].entry_id] in gold))
        unseen = [c for c in found if dev_ids[c.entry_id] not in gold]
        ranked = fuse(unseen, vector, Fusion(weight, 0.0), model_name())
        if ranked:
            tops.append((ranked[0].score, False))
    tops.sort(reverse=True)
    threshold, shown, right = (tops[0][0] + 1e-4) if tops else 1.0, 0, 0
    for score, correct in tops:
        shown, right = shown + 1, right + int(correct)
        if right / shown >= PRECISION:
            threshold = score
    at = [correct for score, correct in tops if score >= threshold]
    report = {
        "dev_mean_map5": round(best_map, 4),
        "dev_precision_at_threshold": round(sum(at) / max(len(at), 1), 4),
        "dev_matched_claims_shown": round(sum(at) / max(len(dev_qrels), 1), 4),
        "dev_wrong_shown_per_query": round((len(at) - sum(at)) / max(len(dev_qrels), 1), 4),
    }
    return Fusion(lexical_weight=weight, threshold=round(threshold, 4)), report


def article_cost(
    session: Session,
    matcher: Matcher,
    articles: Sequence[Sequence[str]],
    claims_of: Callable[[Sequence[str]], Sequence[str]] | None = None,
) -> dict[str, Any]:
    """What matching adds to one article's processing: its new claims archived with their
    vectors and matched, by the workers' own function with the model loaded; wall and
    CPU milliseconds (CPU counts the embedding thread too). Each article is its claims,
    cold (the embedder keeps no vector from before), or, with ``claims_of``, an article
    text that the claim finder reads first, untimed, as the ingest task does: then the
    matcher reuses the vectors the finder's centrality computed. Rolled back after."""
    walls, cpus, counts = [], [], []
    for number, item in enumerate(articles):
        if claims_of is None:
            embedder().forget()
            texts = item
        else:
            texts = claims_of(item)
        if not texts:
            continue
        url = f"https://example.org/bench/{number}"
        article = Article(
            url=url,
            normalized_url=url,
            slack_team_id=matching.MATCH_TEAM,
            slack_channel_id="C0BENCH",
            slack_thread_ts=f"{number}.000",
        )
        article.claims = [
            Claim(
                text=claim,
                start_char=100 * index,
                end_char=100 * index + len(claim),
                score=1.0,
                rank=index + 1,
            )
            for index, claim in enumerate(texts)
        ]
        session.add(article)
        session.flush()
        started, cpu_started = time.perf_counter(), time.process_time()
        found = archive_new_claims(
            session=session, claims=article.claims, channel_private=False, matcher=matcher
        )
        for claim_id, shown in found.items():
            archive.record_matches(
                session=session,
                claim_id=claim_id,
                found=[(match.entry_id, match.score) for match in shown],
            )
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu_started) * 1000)
        counts.append(len(texts))
    session.rollback()
    # The first article pays for cold caches (pages, lexemes): it is left out.
    walls, cpus = walls[1:], cpus[1:]
    return {
        "articles": len(walls),
        "claims_mean": round(statistics.mean(counts), 1),
        "ms_p50": round(statistics.median(walls), 1),
        "ms_p95": _p95(walls),
        "cpu_ms_p50": round(statistics.median(cpus), 1),
        "cpu_ms_p95": _p95(cpus),
    }


def groups(texts: Sequence[str]) -> list[list[str]]:
    """The texts as articles of ARTICLE_CLAIMS claims (a short last one dropped)."""
    cut = [list(texts[i : i + ARTICLE_CLAIMS]) for i in range(0, len(texts), ARTICLE_CLAIMS)]
    return [group for group in cut if len(group) == ARTICLE_CLAIMS]


def _p95(values: Sequence[float]) -> float:
    return round(sorted(values)[int(0.95 * (len(values) - 1))], 1)


def finder_claims(nlp: Language) -> Callable[[Sequence[str]], Sequence[str]]:
    """An article's first ARTICLE_CLAIMS claims, as the ingest task finds them."""

    def claims_of(article: Sequence[str]) -> Sequence[str]:
        (body,) = article
        return [claim.text for claim in find_claims(nlp, body, max_claims=ARTICLE_CLAIMS)]

    return claims_of


def news_articles() -> list[list[str]]:
    """The news-main-claims dev articles' texts (health and science news)."""
    return [[body] for body, _ in main_claim_articles(eval_data_dir())]


def accuracy(data: Path, *, refit: bool) -> dict[str, Any]:
    matcher = Matcher(weights=Fusion(0.0, 0.0)) if refit else Matcher()
    lexical = Matcher(lexical_only=True)
    results: dict[str, Any] = {}
    loaded = []
    stack = []
    for dataset in datasets(data):
        started = time.perf_counter()
        context = matching.throwaway_session(None)
        session = context.__enter__()
        stack.append(context)
        vclaims = matching.load_archive(session, matching.read_archive(dataset.archive), matcher)
        results[f"load_{dataset.name}_s"] = round(time.perf_counter() - started, 1)
        loaded.append((dataset, session, vclaims))
    try:
        if refit:
            pools = {
                (d.name, name): (
                    pool(s, matcher, d.splits[name].queries),
                    d.splits[name].qrels,
                    ids,
                )
                for d, s, ids in loaded
                for name in ("dev",)
            }
            # The embedder was fine-tuned on the train pairs, where its cosines are better
            # than on anything new: the weight is chosen on the dev pairs instead.
            fusion, report = fit([pools["2a", "dev"], pools["2b", "dev"]], pools["2a", "dev"])
            results["fit"] = report | {
                "lexical_weight": fusion.lexical_weight,
                "threshold": fusion.threshold,
            }
            path = model_path() / FUSION_FILE
            path.write_text(
                json.dumps({"lexical_weight": fusion.lexical_weight, "threshold": fusion.threshold})
                + "\n"
            )
            matcher = Matcher(weights=fusion)
        viewer = archive.Viewer(matching.MATCH_TEAM)
        for dataset, session, vclaims in loaded:
            for name, part in dataset.splits.items():
                if name == "train":
                    continue
                for label, ranker in (("", matcher), ("bm25_", lexical)):
                    runs = {
                        q.qid: [
                            vclaims[m.entry_id]
                            for m in ranker.rank(session=session, text=q.text, viewer=viewer)
                        ]
                        for q in part.queries
                    }
                    for metric, value in metrics(runs, part.qrels).items():
                        results[f"{label}{metric}_{dataset.name}_{name}"] = value
        # An article's claims: debate sentences (2B dev and train) against the PolitiFact
        # archive, loaded with its vectors on SQLite, the embedded default.
        dataset, session, _ = loaded[1]
        sentences = [q.text for name in ("dev", "train") for q in dataset.splits[name].queries]
        results["article_sqlite_19k"] = article_cost(session, matcher, groups(sentences[:315]))
        # The same archive, each article's claims found by the claim finder first.
        results["article_sqlite_19k_after_finder"] = article_cost(
            session, matcher, news_articles(), finder_claims(claim_pipeline(Settings().spacy_model))
        )
    finally:
        for context in stack:
            context.__exit__(None, None, None)
    return results


@contextmanager
def bench_schema(server: str, keep: str | None) -> Iterator[tuple[str, bool]]:
    """A schema of its own in the given database, dropped after unless `keep` names it;
    yields its URL and whether it was there already (filled by an earlier kept run)."""
    schema = keep or f"bench_matching_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server)
    with admin.begin() as connection:
        existed = bool(
            connection.scalar(
                text("SELECT count(*) FROM pg_namespace WHERE nspname = :name"), {"name": schema}
            )
        )
        if not existed:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False), existed
    finally:
        if keep is None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def generated_texts(
    vocabulary: list[str], weights: numpy.ndarray[Any, Any], count: int, seed: int
) -> Iterator[str]:
    rng = numpy.random.default_rng(seed)
    lengths = rng.integers(8, 26, size=count)
    words = rng.choice(len(vocabulary), size=int(lengths.sum()), p=weights)
    start = 0
    for length in lengths:
        yield " ".join(vocabulary[index] for index in words[start : start + length])
        start += length


def latency(data: Path, server: str, rows: int, keep: str | None = None) -> dict[str, Any]:
    texts = [t for _, t in matching.read_archive(data / "checkthat2022-2a-en" / "vclaims.jsonl")]
    texts += [t for _, t in matching.read_archive(data / "checkthat2021-2b-en" / "vclaims.jsonl")]
    counts = collections.Counter(word for t in texts for word in t.split())
    vocabulary = list(counts)
    weights = numpy.array([counts[w] for w in vocabulary], dtype=numpy.float64)
    weights /= weights.sum()
    queries = [
        q.text
        for q in matching.read_queries(
            data / "checkthat2022-2a-en" / "CT2022-Task2A-EN-Dev-Test_Queries.tsv"
        )
    ]
    result: dict[str, Any] = {"rows": rows}
    with bench_schema(server, keep) as (url, filled):
        migrate(url)
        engine = make_engine(url)
        if not filled:
            result |= _fill(engine, rows, vocabulary, weights)
        else:
            # The rows' vectors are random: whichever model is shipped now, they count as
            # its own, or every lookup would skip the cosines and time too little.
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "UPDATE archive_entries SET vector_model = :model"
                        " WHERE vector_model IS DISTINCT FROM :model"
                    ),
                    {"model": model_name()},
                )
        result |= _time_lookups(engine, queries)
        engine.dispose()
    return result


def _fill(engine: Engine, rows: int, vocabulary: list[str], weights: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    started = time.perf_counter()
    rng = numpy.random.default_rng(7)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # Build the GIN index once after the load rather than row by row during it (the
        # trigger of migration 0013 fills archive_search as the rows arrive).
        cursor.execute("DROP INDEX ix_archive_search_search_vector")
        cursor.execute("DROP INDEX ix_archive_entries_search_vector")
        chunk = 50_000
        with cursor.copy(
            "COPY archive_entries (kind, slack_team_id, channel_private, text, vector,"
            " vector_model, created_at) FROM STDIN"
        ) as copy:
            for offset in range(0, rows, chunk):
                size = min(chunk, rows - offset)
                vectors = rng.standard_normal((size, DIMENSIONS)).astype(numpy.float32)
                vectors /= numpy.linalg.norm(vectors, axis=1, keepdims=True)
                for index, line in enumerate(generated_texts(vocabulary, weights, size, offset)):
                    copy.write_row(
                        (
                            "fact_check",
                            matching.MATCH_TEAM,
                            False,
                            line,
                            archive.encode_vector(vectors[index]),
                            model_name(),
                            "2026-01-01T00:00:00Z",
                        )
                    )
        raw.commit()
        result["copy_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for table in ("archive_search", "archive_entries"):  # the latter until 0013's successor
            cursor.execute(
                f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)"
            )
        cursor.execute("ANALYZE archive_entries")
        cursor.execute("ANALYZE archive_search")
        raw.commit()
        result["index_s"] = round(time.perf_counter() - started, 1)
    finally:
        raw.close()
    return result


def _time_lookups(engine: Engine, queries: list[str]) -> dict[str, Any]:
    matcher = Matcher()
    viewer = archive.Viewer(matching.MATCH_TEAM)
    timings = []
    # Loading may run niced on a shared machine; the lookups are timed at the normal
    # priority a worker has, or the figures would measure the neighbours.
    os.setpriority(os.PRIO_PROCESS, 0, 0)
    with Session(engine) as session:
        for query in queries[:20]:  # warm the caches first
            matcher.rank(session=session, text=query, viewer=viewer)
        for query in queries:
            started = time.perf_counter()
            matcher.rank(session=session, text=query, viewer=viewer)
            timings.append((time.perf_counter() - started) * 1000)
        article = article_cost(session, matcher, groups(queries))
    timings.sort()
    return {
        "queries": len(timings),
        "query_p50_ms": round(statistics.median(timings), 1),
        "query_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "article_15_claims": article,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--fit", action="store_true", help="refit the fusion and write it")
    parser.add_argument("--latency", action="store_true", help="also time lookups at 1M rows")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the accuracy runs")
    parser.add_argument("--rows", type=int, default=LATENCY_ROWS)
    parser.add_argument(
        "--keep-schema",
        metavar="NAME",
        default=None,
        help="keep the generated rows in this schema, and reuse them when it exists",
    )
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES))
    args = parser.parse_args()
    if args.data is None:
        args.data = eval_data_dir() / "claim-matching"
    if not (args.data / "SOURCE.txt").is_file():
        parser.error(f"no claim-matching data at {args.data} (it lives in ../shared/eval-data)")
    OUT.parent.mkdir(exist_ok=True)
    results: dict[str, Any] = {}
    if not args.no_accuracy:
        measured = accuracy(args.data, refit=args.fit)
        results |= {"accuracy": measured}
        results |= {
            "map5_2a_devtest": measured["map5_2a_devtest"],
            "map5_2b_dev": measured["map5_2b_dev"],
            "bm25_map5_2a_devtest": measured["bm25_map5_2a_devtest"],
            "bm25_map5_2b_dev": measured["bm25_map5_2b_dev"],
        }
        results["ms_matching_per_article_15_claims"] = measured["article_sqlite_19k"]["ms_p50"]
    if args.latency:
        measured = latency(args.data, args.postgres, args.rows, args.keep_schema)
        results |= {
            "latency_postgres_1m": measured,
            "query_p95_ms_1m": measured["query_p95_ms"],
            "ms_matching_per_article_15_claims_postgres_1m": measured["article_15_claims"][
                "ms_p50"
            ],
        }
    # Read just before writing, so a run of one part keeps the other part's figures.
    previous = json.loads(OUT.read_text()) if OUT.is_file() else {}
    OUT.write_text(json.dumps(previous | results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
