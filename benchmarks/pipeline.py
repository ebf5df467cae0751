"""`make bench`: how fast Factdesk turns shared links into claim tasks, on this machine.

Three measurements, printed as tables and written to ``var/bench.json``:

1. the claim finder and the extractor alone, in this process;
2. the whole path as in ``make demo`` (embedded Redis, Slack stand-in, article server,
   ``factdesk bot`` and ``factdesk worker`` subprocesses) with N links shared at once;
3. the worker processes' resident memory, sampled during that run.

This is a benchmark, not a test: it asserts nothing and only reports. Every process and
server it starts is stopped by a context manager, even when it fails half way.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from factdesk.errors import NoArticleText
from factdesk.settings import Settings
from launcher.procs import Processes
from launcher.stack import SIGNING_SECRET, local_stack
from standin.signing import message_event, post_event
from standin.slack_api import RecordedCall, SlackStandIn
from workers.extract import extract
from workers.fetch import Page

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_TEXT = SEEDS / "000_e55cb495c0a959b5.txt"
LONG_PAGE = SEEDS / "long-article.html"
# The seed pages that hold an article. The paywall and video pages are left out on purpose:
# they end in a "no article text" warning by design and would show up as failures.
ARTICLE_MIX = (
    "north-korean-troops-russia.html",
    "000_e55cb495c0a959b5.txt",
    "press-release.txt",
    "non-english.html",
    "long-article.html",
)
CHANNEL = "C0NEWSDESK"
REPORTER = "U0ANA"
DONE, FAILED = "white_check_mark", "warning"

DEFAULT_ARTICLES, QUICK_ARTICLES = 30, len(ARTICLE_MIX)
FINDER_RUNS, QUICK_FINDER_RUNS = 20, 5
EXTRACT_RUNS = 5


# -- small helpers ---------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating between ranks; NaN when empty.

    Interpolation rather than nearest rank, so p95 and p99 of a few dozen samples do not
    all collapse onto the maximum.
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timed_ms(action: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds per call of ``action`` over ``runs`` calls, after one untimed call.

    The untimed call pays for lazy set-up (vocabulary growth, regex compilation, caches),
    which a long-running worker pays once, not per article.
    """
    action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def fmt(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for number, row in enumerate([headers, *rows]):
        cells = [
            str(cell).ljust(width) if column == 0 else str(cell).rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(indent + "  ".join(cells).rstrip())
        if number == 0:
            lines.append(indent + "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def say(text: str = "") -> None:
    print(text, flush=True)


def page_from_file(path: Path) -> Page:
    return Page(url=path.as_uri(), content_type="text/html", body=path.read_bytes(), encoding=None)


# -- 1. the claim finder alone ---------------------------------------------------------


@dataclass
class FinderResult:
    load_s: float
    seed_ms: list[float]
    seed_claims: int
    seed_chars: int
    long_ms: list[float]
    long_claims: int
    long_chars: int


def bench_finder(settings: Settings, runs: int) -> FinderResult:
    # Imported here so the load time below includes importing spaCy, as a worker pays it.
    from workers.context import pipeline

    started = time.perf_counter()
    nlp = pipeline(settings.spacy_model)
    load_s = time.perf_counter() - started

    from workers.nlp import find_claims

    cap = settings.max_claims_per_article
    seed_text = SEED_TEXT.read_text(encoding="utf-8")
    long_text = extract(page_from_file(LONG_PAGE)).text
    return FinderResult(
        load_s=load_s,
        seed_ms=timed_ms(lambda: find_claims(nlp, seed_text, max_claims=cap), runs),
        seed_claims=len(find_claims(nlp, seed_text, max_claims=cap)),
        seed_chars=len(seed_text),
        long_ms=timed_ms(lambda: find_claims(nlp, long_text, max_claims=cap), runs),
        long_claims=len(find_claims(nlp, long_text, max_claims=cap)),
        long_chars=len(long_text),
    )


def report_finder(result: FinderResult, settings: Settings, runs: int) -> None:
    say(f"1. Claim finder alone (in this process, {settings.spacy_model})")
    say(f"  pipeline load (spaCy import + model): {result.load_s:.2f} s")
    rows = [
        [
            f"seed text ({SEED_TEXT.name})",
            f"{result.seed_chars:,}",
            str(result.seed_claims),
            fmt(statistics.median(result.seed_ms)),
            fmt(percentile(result.seed_ms, 95)),
        ],
        [
            f"long article ({LONG_PAGE.name}, extracted)",
            f"{result.long_chars:,}",
            str(result.long_claims),
            fmt(statistics.median(result.long_ms)),
            fmt(percentile(result.long_ms, 95)),
        ],
    ]
    say(table(["find_claims on", "chars", "claims", "p50 ms", "p95 ms"], rows))
    say(f"  ({runs} timed runs each, after one untimed run)")
    say()


# -- 2. extraction alone ---------------------------------------------------------------


@dataclass
class ExtractRow:
    name: str
    kb: float
    median_ms: float
    outcome: str


def bench_extract(runs: int) -> list[ExtractRow]:
    rows = []
    for path in sorted(SEEDS.glob("*.html")):
        page = page_from_file(path)

        def once(page: Page = page) -> str:
            try:
                return f"{len(extract(page).text.split()):,} words"
            except NoArticleText:
                # The refusal is the expected outcome for teaser pages; time it all the same.
                return "no article text"

        samples = timed_ms(once, runs)
        rows.append(
            ExtractRow(path.name, len(page.body) / 1024, statistics.median(samples), once())
        )
    return rows


def report_extract(rows: list[ExtractRow], runs: int) -> None:
    say("2. Extraction alone (workers.extract.extract, trafilatura)")
    say(
        table(
            ["page", "KB", "p50 ms", "outcome"],
            [[r.name, f"{r.kb:.1f}", fmt(r.median_ms), r.outcome] for r in rows],
        )
    )
    say(f"  ({runs} timed runs per page, after one untimed run)")
    say()


# -- 4. worker memory (sampled during 3) -----------------------------------------------


class RssSampler:
    """Samples the memory of every process in a process group, in a thread.

    ``launcher.procs.Processes`` starts each child in a session of its own, so the worker's
    process group is exactly the Celery parent and its pool children.
    """

    def __init__(self, group: int, interval: float = 0.2) -> None:
        self.group = group
        self.interval = interval
        self.max_total_kb = 0
        self.max_single_kb = 0
        self.max_total_pss_kb = 0
        self.max_processes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            found = _group_memory_kb(self.group)
            if found:
                rss = [sizes[0] for sizes in found.values()]
                self.samples += 1
                self.max_total_kb = max(self.max_total_kb, sum(rss))
                self.max_single_kb = max(self.max_single_kb, max(rss))
                self.max_total_pss_kb = max(
                    self.max_total_pss_kb, sum(sizes[1] for sizes in found.values())
                )
                self.max_processes = max(self.max_processes, len(found))
            self._stop.wait(self.interval)


def _group_memory_kb(group: int) -> dict[int, tuple[int, int]]:
    """(VmRSS, Pss) in kB of each live process whose process group is ``group``.

    RSS counts the pages a forked pool child still shares with its parent once per
    process, so the sum overstates the total; PSS splits shared pages between the sharers
    and sums to what the group really holds.
    """
    found: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            # The command name may hold spaces and parentheses; fields resume after the last ')'.
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) != group:
                continue
            rss = _kb_field(Path(entry.path, "status"), "VmRSS:")
            pss = _kb_field(Path(entry.path, "smaps_rollup"), "Pss:")
        except (OSError, ValueError, IndexError):
            continue  # the process ended between listing and reading: not ours to count
        found[int(entry.name)] = (rss, pss)
    return found


def _kb_field(path: Path, name: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    return 0


# -- 3. end to end ---------------------------------------------------------------------


@dataclass
class Shared:
    """One link shared as its own channel message (so its own thread)."""

    url: str
    ts: str
    sent_at: float  # wall clock, comparable with RecordedCall.at
    ack_ms: float
    status: int
    outcome: str | None = None
    done_at: float | None = None
    claims: list[float] = field(default_factory=list)  # wall-clock times of claim posts


@dataclass
class EndToEnd:
    articles: list[Shared]
    workers: int
    window_s: float
    rss: RssSampler
    warmup_s: float
    startup_s: float
    log: Path

    @property
    def completed(self) -> list[Shared]:
        return [a for a in self.articles if a.outcome == DONE and a.claims]

    @property
    def failures(self) -> int:
        return sum(1 for a in self.articles if a.status != 200 or a.outcome != DONE)

    def first_claim_s(self) -> list[float]:
        return [a.claims[0] - a.sent_at for a in self.completed]

    def last_claim_s(self) -> list[float]:
        return [a.claims[-1] - a.sent_at for a in self.completed]

    def claims_posted(self) -> int:
        return sum(len(a.claims) for a in self.articles)


def share(slack: SlackStandIn, events_url: str, url: str) -> Shared:
    text = f"Can someone check this? <{url}>"
    ts = slack.add_message(CHANNEL, text, user=REPORTER)
    event = message_event(text=text, channel=CHANNEL, user=REPORTER, ts=ts)
    sent_at = time.time()
    started = time.perf_counter()
    status, _ = post_event(events_url, event, SIGNING_SECRET)
    return Shared(url, ts, sent_at, (time.perf_counter() - started) * 1000, status)


def wait_for_outcomes(
    slack: SlackStandIn, shared: list[Shared], processes: Processes, timeout: float
) -> None:
    """Fill in each shared message's outcome reaction, until all have one or time runs out."""
    pending = {a.ts: a for a in shared if a.status == 200}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        processes.check()  # a dead worker would otherwise cost the whole timeout
        for call in slack.calls_to("reactions.add"):
            article = pending.get(str(call.args.get("timestamp")))
            name = call.args.get("name")
            if article is not None and call.response.get("ok") and name in (DONE, FAILED):
                article.outcome, article.done_at = str(name), call.at
                del pending[article.ts]
        time.sleep(0.05)


def attach_claim_posts(calls: list[RecordedCall], shared: list[Shared]) -> None:
    """Each thread's chat.postMessage times after its first post, the summary."""
    by_thread: dict[str, list[float]] = {}
    for call in calls:
        if (
            call.method == "chat.postMessage"
            and call.response.get("ok")
            and call.args.get("channel") == CHANNEL
            and call.args.get("thread_ts")
        ):
            by_thread.setdefault(str(call.args["thread_ts"]), []).append(call.at)
    for article in shared:
        posts = sorted(by_thread.get(article.ts, []))
        # A failed article's only post is the failure reply, which is no claim.
        article.claims = posts[1:] if article.outcome == DONE else []


def bench_end_to_end(settings: Settings, articles: int, workers: int, timeout: float) -> EndToEnd:
    var = (settings.var_dir / "bench").resolve()
    log = var.parent / "bench-processes.log"
    log.unlink(missing_ok=True)
    started = time.monotonic()
    with local_stack(var, worker_concurrency=workers, log=log) as stack:
        slack, pages, processes, events_url = (
            stack.slack,
            stack.pages,
            stack.processes,
            stack.events_url,
        )
        with RssSampler(stack.worker.pid) as rss:
            startup_s = time.monotonic() - started

            # One article per pool process first, not counted: it waits out the pool's
            # spaCy loading, so the timed burst measures a warm worker.
            warm_started = time.monotonic()
            warmup = [
                share(slack, events_url, f"{pages.article_url(ARTICLE_MIX[0])}?warmup={i}")
                for i in range(1, workers + 1)
            ]
            wait_for_outcomes(slack, warmup, processes, timeout=90)
            warmup_s = time.monotonic() - warm_started
            if any(a.outcome != DONE for a in warmup):
                raise RuntimeError(f"the warm-up articles did not finish; see {log}")

            # Back to back from one client: the fastest a channel could share links.
            burst_started = time.time()
            shared = [
                share(
                    slack,
                    events_url,
                    f"{pages.article_url(ARTICLE_MIX[i % len(ARTICLE_MIX)])}?n={i + 1}",
                )
                for i in range(articles)
            ]
            wait_for_outcomes(slack, shared, processes, timeout=timeout)
        attach_claim_posts(slack.calls, shared)
        finished = [a.done_at for a in shared if a.done_at is not None]
        window_s = (max(finished) if finished else time.time()) - burst_started
    return EndToEnd(shared, workers, window_s, rss, warmup_s, startup_s, log)


def report_end_to_end(result: EndToEnd) -> None:
    n = len(result.articles)
    say(
        f"3. End to end: {n} links, one message (and thread) each, worker --concurrency "
        f"{result.workers}"
    )
    say(
        "  pacing off: the Slack stand-in's rate limit is off (its default), so posts are "
        "not held to Slack's ~1 message/s per channel"
    )
    say(
        f"  mix, in turn: {', '.join(ARTICLE_MIX)}; sent back to back from one client after "
        f"{result.workers} warm-up article(s), not counted"
    )
    say(
        f"  start-up to bot healthy {result.startup_s:.1f} s; warm-up "
        f"{result.warmup_s:.1f} s (includes the pool loading spaCy)"
    )
    first, last = result.first_claim_s(), result.last_claim_s()
    acks = [a.ack_ms for a in result.articles]
    rows = [
        ["link -> first claim posted (s)", *(fmt(percentile(first, q), 2) for q in (50, 95, 99))],
        ["link -> last claim posted (s)", *(fmt(percentile(last, q), 2) for q in (50, 95, 99))],
        ["ack latency, signed event (ms)", *(fmt(percentile(acks, q)) for q in (50, 95, 99))],
    ]
    say(table(["", "p50", "p95", "p99"], rows))
    claims = result.claims_posted()
    say(
        f"  throughput: {fmt(articles_per_min(result))} articles/min, "
        f"{fmt(claims_per_s(result), 2)} claims/s "
        f"({claims} claim tasks posted in {result.window_s:.1f} s, first send to last reaction)"
    )
    warnings = sum(1 for a in result.articles if a.outcome == FAILED)
    unanswered = sum(1 for a in result.articles if a.status == 200 and a.outcome is None)
    refused = sum(1 for a in result.articles if a.status != 200)
    say(
        f"  failures: {result.failures} ({warnings} warning reactions, "
        f"{unanswered} unfinished at the timeout, {refused} events not acked with 200)"
    )
    say()
    say("4. Worker memory (VmRSS, sampled every 0.2 s from start-up to the end of the run)")
    say(
        f"  max {result.rss.max_total_kb / 1024:.0f} MB across the worker's "
        f"{result.rss.max_processes} processes (Celery parent + pool children), summing "
        f"VmRSS; largest single process {result.rss.max_single_kb / 1024:.0f} MB"
    )
    say(
        f"  summed PSS (shared pages split between the forked processes): "
        f"{result.rss.max_total_pss_kb / 1024:.0f} MB; {result.rss.samples} samples"
    )
    say(f"  worker and bot output: {result.log}")
    say()


def articles_per_min(result: EndToEnd) -> float:
    done = sum(1 for a in result.articles if a.outcome is not None)
    return done / result.window_s * 60 if result.window_s > 0 else math.nan


def claims_per_s(result: EndToEnd) -> float:
    return result.claims_posted() / result.window_s if result.window_s > 0 else math.nan


# -- the whole run ---------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def rounded(value: float, digits: int) -> float | None:
    # JSON has no NaN; null says "not measured" (say, no article finished).
    return None if math.isnan(value) else round(value, digits)


def figures(
    finder: FinderResult,
    extraction: list[ExtractRow],
    e2e: EndToEnd,
    *,
    quick: bool,
    seconds: float,
) -> dict[str, Any]:
    acks = [a.ack_ms for a in e2e.articles]
    return {
        "finder_ms_seed_p50": rounded(statistics.median(finder.seed_ms), 1),
        "finder_ms_long_p50": rounded(statistics.median(finder.long_ms), 1),
        # The median over the pages of each page's median.
        "extract_ms_p50": rounded(statistics.median(r.median_ms for r in extraction), 2),
        "articles_per_min": rounded(articles_per_min(e2e), 1),
        "claims_per_s": rounded(claims_per_s(e2e), 2),
        "first_claim_p50_s": rounded(percentile(e2e.first_claim_s(), 50), 2),
        "first_claim_p95_s": rounded(percentile(e2e.first_claim_s(), 95), 2),
        "last_claim_p50_s": rounded(percentile(e2e.last_claim_s(), 50), 2),
        "ack_p50_ms": rounded(percentile(acks, 50), 1),
        "ack_p99_ms": rounded(percentile(acks, 99), 1),
        "worker_rss_mb": round(e2e.rss.max_total_kb / 1024, 1),
        "worker_pss_mb": round(e2e.rss.max_total_pss_kb / 1024, 1),
        "worker_rss_mb_largest_process": round(e2e.rss.max_single_kb / 1024, 1),
        "articles": len(e2e.articles),
        "workers": e2e.workers,
        "failures": e2e.failures,
        "pacing": "off",
        "quick": quick,
        "seconds": round(seconds, 1),
        "machine": machine(),
    }


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pipeline",
        description="Time the claim finder, extraction and the whole path; write var/bench.json.",
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=None,
        help=f"links to share end to end (default {DEFAULT_ARTICLES}, {QUICK_ARTICLES} quick)",
    )
    parser.add_argument("--workers", type=int, default=2, help="worker --concurrency (default 2)")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: few articles, few repetitions"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the shared links to finish (default 120)",
    )
    args = parser.parse_args(argv)
    articles = args.articles or (QUICK_ARTICLES if args.quick else DEFAULT_ARTICLES)
    if articles < 1 or args.workers < 1:
        parser.error("--articles and --workers must be at least 1")
    finder_runs = QUICK_FINDER_RUNS if args.quick else FINDER_RUNS

    # Python's default SIGTERM ends the process on the spot, skipping the context managers
    # that stop Redis, the bot and the worker; an exception unwinds through them instead.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    started = time.monotonic()
    settings = Settings()
    info = machine()
    say(
        f"Factdesk benchmark: {info['nproc']} CPUs ({info['cpu'] or 'unknown CPU'}), "
        f"Python {info['python']}, {info['platform']}" + (" (quick)" if args.quick else "")
    )
    say()
    finder = bench_finder(settings, finder_runs)
    report_finder(finder, settings, finder_runs)
    extraction = bench_extract(EXTRACT_RUNS)
    report_extract(extraction, EXTRACT_RUNS)
    print(f"(end to end: starting the system and sharing {articles} links...)", file=sys.stderr)
    try:
        e2e = bench_end_to_end(settings, articles, args.workers, args.timeout)
    except (RuntimeError, TimeoutError) as exc:
        # Everything was already stopped by the context managers; say where to look.
        log = (settings.var_dir / "bench" / "processes.log").resolve()
        say(f"End to end failed: {exc}. Worker and bot output: {log}")
        return 1
    report_end_to_end(e2e)

    seconds = time.monotonic() - started
    result = figures(finder, extraction, e2e, quick=args.quick, seconds=seconds)
    out = settings.var_dir / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    say(f"Wrote {out} ({seconds:.1f} s in all).")
    return 1 if e2e.failures else 0


if __name__ == "__main__":
    sys.exit(main())
