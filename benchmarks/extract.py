"""`make bench-extract`: how well ``workers.extract.extract`` finds the article text.

Two labelled page sets from ``../shared/eval-data/article-extraction`` (see each folder's
``SOURCE.txt`` for origin, licence and the exact metric):

* ``zyte-article-extraction-benchmark``: 181 news pages with hand-typed bodies, scored with
  Zyte's token F1 (``\\w+`` tokens, 4-token shingles as multisets, per-page precision and
  recall averaged over pages, F1 the harmonic mean of the two means). **Held out**: report on
  it, never tune on it.
* ``trafilatura-eval``: 990 pages with segments that must ('with') and must not ('without')
  appear in the output, whitespace-normalised substring match, micro-averaged. Tune on this.

The extractor is called exactly as the bot calls it: ``extract(page)``; a ``NoArticleText``
refusal counts as empty output. The result is printed as a table and written to
``var/bench-extract.json``. This is a benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trafilatura

from factdesk.errors import NoArticleText
from workers.extract import extract
from workers.fetch import Page

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "eval-data" / "article-extraction"
ZYTE = DATA / "zyte-article-extraction-benchmark"
TRAF = DATA / "trafilatura-eval"
OUT = ROOT / "var" / "bench-extract.json"

TOKEN = re.compile(r"\w+")
SHINGLE = 4
BOOTSTRAP = 1000

# Published Zyte figures for the authors' stored predictions (SOURCE.txt): (F1, P, R).
ZYTE_ANCHORS = {
    "trafilatura": (0.958, 0.938, 0.978),
    "newspaper": (0.949, 0.964, 0.934),
    "readability": (0.922, 0.913, 0.931),
    "goose3": (0.896, 0.940, 0.856),
}

# "Boilerplate page": the extractor returned text, but not the article. Either every line is
# a site notice (matched by the pattern below, written for this benchmark independently of
# the extractor's own filters), or the text holds almost none of the article: under
# ZYTE_MISS_RECALL of the reference's shingles (Zyte), or none of the page's 'with'
# segments (trafilatura-eval).
NOTICE = re.compile(
    r"copyright|\u00a9|\(c\)\s*\d{4}|all rights reserved|reprint|republish|"
    r"(first|originally) (appeared|published)|cookie|privacy policy|terms of (use|service)|"
    r"newsletter|subscribe|sign (up|in)|log ?in|follow us|share (this|on)|advertisement",
    re.IGNORECASE,
)
NOTICE_MAX_WORDS = 40
ZYTE_MISS_RECALL = 0.10
BOILERPLATE_RULE = (
    "non-empty output that misses the article (Zyte: < 10% of the reference's 4-token "
    "shingles; trafilatura-eval: none of the page's 'with' segments) or whose every line "
    "is a copyright/reprint/cookie/newsletter/subscribe/share notice"
)


@dataclass(frozen=True)
class Sample:
    key: str
    page: Page


@dataclass
class Run:
    """What the extractor gave for each page of a set, and how long each call took."""

    texts: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Figures:
    name: str
    pages: int
    precision: float
    recall: float
    f1: float
    empty_pages: int
    boilerplate_pages: int
    ms_per_page: float
    ms_median: float
    ms_p95: float
    refused_pages: int
    errors: int
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(out.pop("extra"))
        return out


# -- scoring -----------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def shingles(words: Sequence[str], n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """The multiset of n-token shingles; a text shorter than n is one shingle."""
    if not words:
        return Counter()
    if len(words) < n:
        return Counter([tuple(words)])
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class PageScore:
    tp: float
    fp: float
    fn: float
    exact: bool

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp > 0 else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn > 0 else None


def zyte_page(truth: str, predicted: str) -> PageScore:
    """Zyte's per-page shingle match, with tp/fp/fn normalised to sum to 1."""
    true_words, pred_words = tokens(truth), tokens(predicted)
    true, pred = shingles(true_words), shingles(pred_words)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn or 1
    return PageScore(tp / total, fp / total, fn / total, true_words == pred_words)


def zyte_means(scores: Iterable[PageScore]) -> tuple[float, float, float]:
    """(F1, precision, recall): precision and recall are means over the pages where defined."""
    scores = list(scores)
    precisions = [p for s in scores if (p := s.precision) is not None]
    recalls = [r for s in scores if (r := s.recall) is not None]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def zyte_bootstrap_std(scores: Sequence[PageScore], rounds: int = BOOTSTRAP) -> float:
    rng = random.Random(20200101)
    f1s = [zyte_means(rng.choices(scores, k=len(scores)))[0] for _ in range(rounds)]
    return statistics.pstdev(f1s)


def normalise(text: str) -> str:
    return " ".join(text.split())


def segment_counts(text: str, item: dict[str, Any]) -> tuple[int, int, int, int]:
    """(TP, FN, FP, TN) for one trafilatura-eval page."""
    output = normalise(text)
    must = [normalise(s) for s in item.get("with", []) if s]
    must_not = [normalise(s) for s in item.get("without", []) if s]
    tp = sum(segment in output for segment in must)
    fp = sum(segment in output for segment in must_not)
    return tp, len(must) - tp, fp, len(must_not) - fp


def is_notice_only(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and all(
        len(line.split()) <= NOTICE_MAX_WORDS and NOTICE.search(line) for line in lines
    )


# -- data --------------------------------------------------------------------------------------


def load_zyte(limit: int | None) -> tuple[list[Sample], dict[str, str]]:
    truth = json.loads((ZYTE / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[:limit]
    samples = [
        Sample(
            key,
            Page(
                url=truth[key].get("url") or f"https://zyte.example/{key}",
                content_type="text/html",
                body=gzip.decompress((ZYTE / "html" / f"{key}.html.gz").read_bytes()),
                encoding="utf-8",
            ),
        )
        for key in keys
    ]
    return samples, {key: truth[key].get("articleBody") or "" for key in keys}


def load_traf(limit: int | None) -> tuple[list[Sample], dict[str, dict[str, Any]]]:
    items: dict[str, dict[str, Any]] = json.loads(
        (TRAF / "evaldata.json").read_text(encoding="utf-8")
    )
    keys = sorted(items)[:limit]
    samples = [
        Sample(
            url,
            Page(
                url=url,
                content_type="text/html",
                body=gzip.decompress((TRAF / "html" / f"{items[url]['file']}.gz").read_bytes()),
                encoding=None,  # no HTTP header here: the extractor has to find the charset
            ),
        )
        for url in keys
    ]
    return samples, {url: items[url] for url in keys}


def published_outputs() -> dict[str, dict[str, str]]:
    outputs = {}
    for name in ZYTE_ANCHORS:
        raw = json.loads((ZYTE / "output" / f"{name}.json").read_text(encoding="utf-8"))
        items = raw.get("output", raw)
        outputs[name] = {k: (v or {}).get("articleBody") or "" for k, v in items.items()}
    return outputs


# -- running -----------------------------------------------------------------------------------


def run(samples: Sequence[Sample], extractor: Callable[[Page], str]) -> Run:
    result = Run()
    if samples:
        _call(extractor, samples[0].page)  # warm up imports and caches, untimed
    for sample in samples:
        started = time.perf_counter()
        try:
            text = extractor(sample.page)
        except NoArticleText:
            text = ""
            result.refused.add(sample.key)
        except Exception as exc:  # noqa: BLE001 -- a benchmark reports failures, it does not stop
            text = ""
            result.errors[sample.key] = repr(exc)
        result.seconds[sample.key] = time.perf_counter() - started
        result.texts[sample.key] = text
    return result


def _call(extractor: Callable[[Page], str], page: Page) -> None:
    with contextlib.suppress(Exception):  # warm-up only; the timed loop records failures
        extractor(page)


def factdesk_text(page: Page) -> str:
    return extract(page).text


REFERENCE_NAME = "  plain trafilatura"


def reference_text(page: Page) -> str:
    """trafilatura 2.x as MEASURED.txt runs it ('nocomments'): no cleaning, no word minimum."""
    return trafilatura.extract(page.body, url=page.url, include_comments=False) or ""


def _timing(result: Run) -> tuple[float, float, float]:
    ms = sorted(s * 1000 for s in result.seconds.values()) or [0.0]
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return statistics.fmean(ms), statistics.median(ms), p95


def score_zyte(result: Run, truth: dict[str, str], name: str = "Zyte (held out)") -> Figures:
    scores = {key: zyte_page(truth[key], result.texts[key]) for key in truth}
    f1, precision, recall = zyte_means(scores.values())
    empty = [k for k in truth if not tokens(result.texts[k])]
    boilerplate = [
        k
        for k in truth
        if k not in empty
        and ((scores[k].recall or 0.0) < ZYTE_MISS_RECALL or is_notice_only(result.texts[k]))
    ]
    mean, median, p95 = _timing(result)
    return Figures(
        name=name,
        pages=len(truth),
        precision=precision,
        recall=recall,
        f1=f1,
        empty_pages=len(empty),
        boilerplate_pages=len(boilerplate),
        ms_per_page=mean,
        ms_median=median,
        ms_p95=p95,
        refused_pages=len(result.refused),
        errors=len(result.errors),
        extra={
            "accuracy": statistics.fmean(s.exact for s in scores.values()) if scores else 0.0,
            "f1_bootstrap_std": zyte_bootstrap_std(list(scores.values())) if scores else 0.0,
        },
    )


def score_traf(
    result: Run, items: dict[str, dict[str, Any]], name: str = "trafilatura-eval (tuning)"
) -> Figures:
    tp = fn = fp = tn = 0
    empty: list[str] = []
    boilerplate: list[str] = []
    for key, item in items.items():
        text = result.texts[key]
        page = segment_counts(text, item)
        tp, fn, fp, tn = tp + page[0], fn + page[1], fp + page[2], tn + page[3]
        if not text.strip():
            empty.append(key)
        elif (page[0] == 0 and page[1] > 0) or is_notice_only(text):
            boilerplate.append(key)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    mean, median, p95 = _timing(result)
    return Figures(
        name=name,
        pages=len(items),
        precision=precision,
        recall=recall,
        f1=f1,
        empty_pages=len(empty),
        boilerplate_pages=len(boilerplate),
        ms_per_page=mean,
        ms_median=median,
        ms_p95=p95,
        refused_pages=len(result.refused),
        errors=len(result.errors),
        extra={
            "accuracy": (tp + tn) / (tp + fn + fp + tn) if tp + fn + fp + tn else 0.0,
            "segments": {"tp": tp, "fn": fn, "fp": fp, "tn": tn},
        },
    )


# -- reporting ---------------------------------------------------------------------------------


def say(line: str = "") -> None:
    print(line, flush=True)


def check_zyte_scorer() -> bool:
    """Re-score the authors' stored predictions; they must give the published figures."""
    truth = json.loads((ZYTE / "ground-truth.json").read_text(encoding="utf-8"))
    ok = True
    parts = []
    for name, predicted in published_outputs().items():
        f1, p, r = zyte_means(
            zyte_page(truth[k].get("articleBody") or "", predicted.get(k, "")) for k in truth
        )
        got = (round(f1, 3), round(p, 3), round(r, 3))
        ok = ok and got == ZYTE_ANCHORS[name]
        parts.append(f"{name} {got[0]:.3f}/{got[1]:.3f}/{got[2]:.3f}")
    verdict = "matches the published F1/P/R" if ok else "DOES NOT match the published figures"
    say(f"Zyte scorer check on output/*.json: {'; '.join(parts)} -- {verdict}")
    return ok


def table(rows: Sequence[Figures]) -> None:
    head = (
        f"{'set':<27}{'pages':>6}{'P':>7}{'R':>7}{'F1':>7}{'empty':>7}{'boilerpl.':>10}"
        f"{'refused':>8}{'errors':>7}{'ms/page':>9}{'median':>8}{'p95':>7}"
    )
    say(head)
    say("-" * len(head))
    for f in rows:
        say(
            f"{f.name:<27}{f.pages:>6}{f.precision:>7.3f}{f.recall:>7.3f}{f.f1:>7.3f}"
            f"{f.empty_pages:>7}{f.boilerplate_pages:>10}{f.refused_pages:>8}{f.errors:>7}"
            f"{f.ms_per_page:>9.1f}{f.ms_median:>8.1f}{f.ms_p95:>7.1f}"
        )
    say()
    for f in rows:
        if "f1_bootstrap_std" in f.extra:
            say(
                f"{f.name}: F1 {f.f1:.3f} +- {f.extra['f1_bootstrap_std']:.3f} (bootstrap, "
                f"{BOOTSTRAP} rounds); exact-match accuracy {f.extra['accuracy']:.3f}"
            )
        else:
            say(f"{f.name}: segment accuracy {f.extra['accuracy']:.3f}; {f.extra['segments']}")
    say(
        "empty = no words came back (a NoArticleText refusal counts as empty); refused = "
        "NoArticleText raised; ms = extract() call only, page bytes already in memory."
    )
    say(f"boilerplate = {BOILERPLATE_RULE}.")


def _keys(f: Figures | None) -> dict[str, Any]:
    if f is None:
        return dict.fromkeys(
            ("f1", "precision", "recall", "empty_pages", "boilerplate_pages", "ms_per_page")
        )
    return f.as_json()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extract", description=__doc__)
    parser.add_argument("--set", choices=("zyte", "trafilatura", "both"), default="both")
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each set")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also score plain trafilatura.extract(include_comments=False), for comparison",
    )
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        say(f"No eval data at {DATA}; it is expected next to the repository (../shared).")
        return 2

    say(
        f"workers.extract.extract on Python {platform.python_version()}, trafilatura "
        f"{trafilatura.__version__}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}; data from {DATA}"
    )
    rows: list[Figures] = []
    zyte: Figures | None = None
    traf: Figures | None = None
    scorer_ok: bool | None = None
    if args.set in ("zyte", "both"):
        scorer_ok = check_zyte_scorer()
        samples, truth = load_zyte(args.limit)
        zyte = score_zyte(run(samples, factdesk_text), truth)
        rows.append(zyte)
        if args.reference:
            rows.append(score_zyte(run(samples, reference_text), truth, REFERENCE_NAME))
    if args.set in ("trafilatura", "both"):
        tsamples, items = load_traf(args.limit)
        traf = score_traf(run(tsamples, factdesk_text), items)
        rows.append(traf)
        if args.reference:
            rows.append(score_traf(run(tsamples, reference_text), items, REFERENCE_NAME))
    say()
    table(rows)

    report = _keys(zyte) | {
        "trafilatura_eval": _keys(traf),
        "limit": args.limit,
        "zyte_scorer_matches_published": scorer_ok,
        "boilerplate_rule": BOILERPLATE_RULE,
        "trafilatura_version": trafilatura.__version__,
        "python": platform.python_version(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    say(f"\nWrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
