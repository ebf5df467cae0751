"""`make bench`: how fast Factdesk turns shared links into claim tasks, on this machine.

Printed as tables and written to ``var/bench.json``:

1. the claim finder and the extractor alone, in this process;
2. the whole system (Slack stand-in, article server, ``factdesk bot`` and K
   ``factdesk worker`` processes on PostgreSQL and Redis when they answer on loopback,
   else on the embedded SQLite and Redis): the seed article's latency with nothing queued,
   throughput with 1 and then 2 worker processes on the same links (seed pages and
   generated ones), the ack latency of a burst of signed events, and the workers' memory;
3. App Home and weekly-digest query times on PostgreSQL holding a million claims.

This is a benchmark, not a test: it asserts nothing and only reports. Every process,
server and database it creates is stopped or dropped by a context manager, even when it
fails half way. It talks to loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
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

from sqlalchemy.engine import make_url

from benchmarks import cpu
from benchmarks.burst import BurstResult, fire, signed_message_events
from benchmarks.pages import GeneratedPage, site_directory
from benchmarks.queries import QueryResult, bench_queries
from benchmarks.queries import report as report_queries
from benchmarks.stack import (
    AUTO,
    EMBEDDED,
    ArticlePages,
    BenchStack,
    bench_stack,
    postgres_server,
)
from factdesk.errors import NoArticleText
from factdesk.settings import Settings
from launcher.procs import Processes
from launcher.stack import SIGNING_SECRET
from standin.signing import message_event, post_event
from standin.slack_api import RecordedCall, SlackStandIn
from workers.extract import extract
from workers.fetch import Page

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_TEXT = SEEDS / "000_e55cb495c0a959b5.txt"
LONG_PAGE = SEEDS / "long-article.html"
# The seed pages that hold an article, the first one the latency figure's. The paywall and
# video pages are left out on purpose: they end in a "no article text" warning by design and
# would show up as failures. A throughput batch takes them in this order, one every four
# links, so the long article (about five times the median page's work) comes mid-cycle.
# With it last of the five, every 40-link batch ended on it: one worker spent its last
# ~1.5 s on that page while the other had nothing left, ~15% of a 2-worker window spent
# measuring one page's length rather than how the system scales.
ARTICLE_MIX = (
    "north-korean-troops-russia.html",
    "000_e55cb495c0a959b5.txt",
    "long-article.html",
    "press-release.txt",
    "non-english.html",
)
CHANNEL = "C0NEWSDESK"
REPORTER = "U0ANA"
DONE, FAILED = "white_check_mark", "warning"
BENCH_PART = "bench + Slack stand-in"
CPU_PARTS = ("workers", "bot", BENCH_PART, "article server", "PostgreSQL", "Redis", cpu.OTHER)

DEFAULT_ARTICLES, QUICK_ARTICLES = 40, 6
# Single runs of the 2/1 ratio on a shared 2-core machine swing by +-0.2; the median of
# three back-to-back pairs is steadier.
DEFAULT_ROUNDS = 3
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


# -- worker memory (sampled during the system runs) -------------------------------------


class RssSampler:
    """Samples the memory of the worker processes, in a thread.

    ``launcher.procs.Processes`` starts each child in a session of its own, so a worker's
    process group is exactly one `factdesk worker` (the Celery parent) and its pool
    children. ``groups`` says which groups to look at now: workers come and go.

    The sampler shares the machine it measures, so a sample must stay cheap: one pass over
    /proc and VmRSS from ``statm``. PSS makes the kernel walk every page of the process
    (about 2 ms for a worker holding spaCy), so it is read only every ``pss_every``-th
    sample; reading both for every process five times a second cost the run ~6% of a core.
    """

    def __init__(
        self, groups: Callable[[], list[int]], interval: float = 0.2, pss_every: int = 10
    ) -> None:
        self.groups = groups
        self.interval = interval
        self.pss_every = pss_every
        self.max_total_kb = 0  # all worker processes together, summing VmRSS
        self.max_worker_kb = 0  # one worker (Celery parent + its pool), summing VmRSS
        self.max_single_kb = 0  # the largest single process
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

    def sample(self) -> None:
        members = _group_members(set(self.groups()))
        with_pss = self.samples % self.pss_every == 0
        rss = {pid: _rss_kb(pid) for pids in members.values() for pid in pids}
        sizes = [kb for kb in rss.values() if kb]
        if not sizes:
            return
        self.samples += 1
        self.max_total_kb = max(self.max_total_kb, sum(sizes))
        self.max_single_kb = max(self.max_single_kb, max(sizes))
        self.max_processes = max(self.max_processes, len(sizes))
        for pids in members.values():
            self.max_worker_kb = max(self.max_worker_kb, sum(rss[pid] for pid in pids))
        if with_pss:
            pss = sum(_pss_kb(pid) for pid in rss)
            self.max_total_pss_kb = max(self.max_total_pss_kb, pss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _group_members(groups: set[int]) -> dict[int, list[int]]:
    """The live processes of each of ``groups``, from one pass over /proc."""
    found: dict[int, list[int]] = {group: [] for group in groups}
    for pid, _, fields in cpu.processes():
        group = int(fields[2])
        if group in found:
            found[group].append(pid)
    return found


def _rss_kb(pid: int) -> int:
    """VmRSS in kB (``statm``'s resident pages), 0 if the process has gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def _pss_kb(pid: int) -> int:
    """Pss in kB: shared pages split between the processes sharing them.

    RSS counts the pages a forked pool child still shares with its parent once per
    process, so the sum overstates the total; PSS sums to what the group really holds.
    """
    try:
        return _kb_field(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")
    except (OSError, ValueError, IndexError):
        return 0


def _kb_field(path: Path, name: str) -> int:
    for line in path.read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    return 0


# -- 3. the whole system ---------------------------------------------------------------


@dataclass
class Shared:
    """One link shared as its own channel message (so its own thread), in its own workspace.

    A workspace each, because a link (or its canonical page) already checked in the same
    workspace gets a pointer to the first thread instead of a second extraction.
    """

    url: str
    ts: str
    sent_at: float  # wall clock, comparable with RecordedCall.at
    ack_ms: float
    status: int
    outcome: str | None = None
    done_at: float | None = None
    claims: list[float] = field(default_factory=list)  # wall-clock times of claim posts


@dataclass
class Run:
    """Links shared together (or one after another) and how long they took."""

    label: str
    workers: int
    articles: list[Shared]
    window_s: float
    cpu: cpu.CpuUse | None = None  # throughput runs only

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

    def articles_per_min(self) -> float:
        done = sum(1 for a in self.articles if a.outcome is not None)
        return done / self.window_s * 60 if self.window_s > 0 else math.nan

    def claims_per_s(self) -> float:
        return self.claims_posted() / self.window_s if self.window_s > 0 else math.nan

    def steady_articles_per_min(self) -> float:
        """Articles per minute while every worker had an article to work on.

        The last `workers - 1` outcomes come while the queue is empty and some worker has
        nothing left: how long that drain lasts depends on which page happens to be last,
        not on how the system scales. So this counts up to the outcome that emptied the
        queue for good.
        """
        done = sorted(a.done_at for a in self.articles if a.done_at is not None)
        counted = len(done) - (self.workers - 1)
        if counted < 1 or len(done) < len(self.articles):
            return math.nan
        started = min(a.sent_at for a in self.articles)
        window = done[counted - 1] - started
        return counted / window * 60 if window > 0 else math.nan


@dataclass
class SystemResult:
    backends: dict[str, str]
    startup_s: float
    latency: Run
    ones: list[Run]  # 1 worker, then 2, in rounds: ones[i] and twos[i] ran back to back
    twos: list[Run]
    burst: BurstResult
    rss: RssSampler
    generated: list[GeneratedPage]
    log: Path

    @property
    def scales(self) -> list[float]:
        """2 workers / 1 in each round."""
        return [
            two.articles_per_min() / one.articles_per_min()
            if one.articles_per_min() > 0
            else math.nan
            for one, two in zip(self.ones, self.twos, strict=True)
        ]

    @property
    def scale(self) -> float:
        return statistics.median(self.scales)

    @property
    def steady_scales(self) -> list[float]:
        """2 workers / 1 in each round, counting only while every worker had work."""
        return [
            two.steady_articles_per_min() / one.steady_articles_per_min()
            for one, two in zip(self.ones, self.twos, strict=True)
        ]

    @property
    def steady_scale(self) -> float:
        return statistics.median(self.steady_scales)

    @property
    def one(self) -> Run:
        """The 1-worker run of median throughput."""
        return _median_run(self.ones)

    @property
    def two(self) -> Run:
        return _median_run(self.twos)


def _median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.articles_per_min())[(len(runs) - 1) // 2]


_teams = itertools.count(1)


def share(slack: SlackStandIn, events_url: str, url: str) -> Shared:
    text = f"Can someone check this? <{url}>"
    ts = slack.add_message(CHANNEL, text, user=REPORTER)
    event = message_event(
        text=text, channel=CHANNEL, user=REPORTER, ts=ts, team_id=f"TBENCH{next(_teams):05d}"
    )
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
    seen = 0
    while pending and time.monotonic() < deadline:
        processes.check()  # a dead worker would otherwise cost the whole timeout
        calls = slack.calls_since(seen)
        for call in calls:
            if call.method != "reactions.add":
                continue
            article = pending.get(str(call.args.get("timestamp")))
            name = call.args.get("name")
            if article is not None and call.response.get("ok") and name in (DONE, FAILED):
                article.outcome, article.done_at = str(name), call.at
                del pending[article.ts]
        seen += len(calls)
        time.sleep(0.02)


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


def article_set(pages: ArticlePages, generated: list[GeneratedPage], count: int) -> list[str]:
    """`count` links: one in four a seed page (in ARTICLE_MIX's turn), the rest generated."""
    urls = []
    for i in range(count):
        if i % 4 == 0 or not generated:
            urls.append(pages.article_url(ARTICLE_MIX[(i // 4) % len(ARTICLE_MIX)]))
        else:
            urls.append(pages.article_url(generated[(i - i // 4 - 1) % len(generated)].name))
    return urls


def run_together(
    stack: BenchStack, label: str, urls: list[str], timeout: float, *, workers: int
) -> Run:
    """Share every link back to back from one client, to `workers` workers taking tasks;
    wait for every outcome."""
    own = {os.getpid(): BENCH_PART}
    before = cpu.snapshot(stack.cpu_parts(), own)
    started = time.time()
    shared = [share(stack.slack, stack.events_url, url) for url in urls]
    wait_for_outcomes(stack.slack, shared, stack.processes, timeout)
    finished = [a.done_at for a in shared if a.done_at is not None]
    window = (max(finished) if finished else time.time()) - started
    use = cpu.used(before, cpu.snapshot(stack.cpu_parts(), own))
    return Run(label, workers, shared, window, use)


def run_one_by_one(stack: BenchStack, label: str, url: str, times: int, timeout: float) -> Run:
    """Share the same page `times` times, each after the last one finished: no queueing."""
    started = time.time()
    shared = []
    for _ in range(times):
        article = share(stack.slack, stack.events_url, url)
        wait_for_outcomes(stack.slack, [article], stack.processes, timeout)
        shared.append(article)
    return Run(label, len(stack.workers), shared, time.time() - started)


def warm_up(stack: BenchStack, count: int) -> None:
    """Articles not counted: they wait out each pool child's spaCy loading."""
    url = stack.pages.article_url(ARTICLE_MIX[0])
    shared = [share(stack.slack, stack.events_url, url) for _ in range(count)]
    wait_for_outcomes(stack.slack, shared, stack.processes, timeout=120)
    if any(a.outcome != DONE for a in shared):
        raise RuntimeError("the warm-up articles did not finish")


def burst_events(stack: BenchStack, count: int, generated: list[GeneratedPage]) -> list[Any]:
    """Signed message events, each with a link to a page, each from its own workspace:
    the bot's most expensive ack (receipt, article row, enqueue)."""
    names = [page.name for page in generated] or list(ARTICLE_MIX)
    stored: dict[int, str] = {}

    def text_for(i: int) -> str:
        return f"Burst {i}: <{stack.pages.article_url(names[i % len(names)])}?burst={i}>"

    def ts_for(i: int, text: str) -> str:
        stored[i] = stack.slack.add_message(CHANNEL, text, user=REPORTER)
        return stored[i]

    return signed_message_events(
        count,
        secret=SIGNING_SECRET,
        text_for=text_for,
        ts_for=ts_for,
        channel=CHANNEL,
        user=REPORTER,
        team_for=lambda i: f"TBURST{i:05d}",
    )


@dataclass(frozen=True)
class SystemOptions:
    articles: int
    latency_runs: int
    burst: int
    burst_concurrency: int
    generated: int
    database: str
    redis: str
    pacing: bool
    timeout: float
    rounds: int = 1


def bench_system(settings: Settings, options: SystemOptions) -> SystemResult:
    var = (settings.var_dir / "bench").resolve()
    log = var.parent / "bench-processes.log"
    log.unlink(missing_ok=True)
    site = var.parent / "bench-site"
    generated = site_directory(site, SEEDS, options.generated)
    started = time.monotonic()
    try:
        with bench_stack(
            var,
            site=site,
            database=options.database,
            redis_url=options.redis,
            pacing=options.pacing,
            log=log,
        ) as stack:
            backends = {
                "database": _describe(stack.database_url),
                "redis": _describe(stack.redis_url),
            }
            with RssSampler(lambda: [worker.pid for worker in stack.workers]) as rss:
                stack.start_worker(1)
                startup_s = time.monotonic() - started
                warm_up(stack, 2)
                seed_url = stack.pages.article_url(ARTICLE_MIX[0])
                latency = run_one_by_one(
                    stack, "seed article, one at a time", seed_url, options.latency_runs, 60
                )
                urls = article_set(stack.pages, generated, options.articles)
                stack.start_worker(1)
                # Both workers take one each (prefetch 1, late acks): both pools warm.
                warm_up(stack, 4)
                ones, twos = [], []
                for round_ in range(1, options.rounds + 1):
                    # The second worker stays up and warm, only not taking tasks, so each
                    # round is the same system with one worker or two.
                    stack.set_consuming(2, False)
                    ones.append(
                        run_together(
                            stack, f"1 worker, round {round_}", urls, options.timeout, workers=1
                        )
                    )
                    stack.set_consuming(2, True)
                    twos.append(
                        run_together(
                            stack, f"2 workers, round {round_}", urls, options.timeout, workers=2
                        )
                    )
                requests = burst_events(stack, options.burst, generated)
                burst = fire(stack.events_url, requests, concurrency=options.burst_concurrency)
                rss.sample()
            calls = stack.slack.calls
    except Exception:
        # The context managers stopped everything; point at the processes' output.
        say(f"  (worker and bot output: {log})")
        raise
    for run in (latency, *ones, *twos):
        attach_claim_posts(calls, run.articles)
    return SystemResult(backends, startup_s, latency, ones, twos, burst, rss, generated, log)


def _describe(url: str) -> str:
    if url.startswith("sqlite"):
        return "embedded SQLite file"
    if url.startswith("redis+socket"):
        return "embedded redis-server (unix socket)"
    return make_url(url).render_as_string(hide_password=True)


def _latency_rows(run: Run) -> list[list[str]]:
    first, last = run.first_claim_s(), run.last_claim_s()
    return [
        [
            f"{run.label}: link -> first claim (s)",
            *(fmt(percentile(first, q), 2) for q in (50, 95, 99)),
        ],
        [
            f"{run.label}: link -> last claim (s)",
            *(fmt(percentile(last, q), 2) for q in (50, 95, 99)),
        ],
    ]


def report_system(result: SystemResult, options: SystemOptions) -> None:
    words = [page.words for page in result.generated]
    say("3. The whole system: Slack stand-in, article server, bot, K `factdesk worker` processes")
    say(
        f"  storage: {result.backends['database']}; broker: {result.backends['redis']} "
        f"(both created for this run and removed after it)"
    )
    say(
        "  pacing "
        + (
            "ON (SLACK_CHANNEL_POSTS_PER_SECOND as configured)"
            if options.pacing
            else "OFF: SLACK_CHANNEL_POSTS_PER_SECOND=1e6 for the workers, so the per-channel "
            "pacer never waits; the stand-in's rate limit is off too"
        )
    )
    say(
        f"  pages: {len(result.generated)} generated ({min(words, default=0):,} to "
        f"{max(words, default=0):,} words, median {statistics.median(words or [0]):,.0f}) "
        f"plus the seed pages {', '.join(ARTICLE_MIX)}"
    )
    say(
        f"  start-up to the first worker started {result.startup_s:.1f} s; "
        "each worker: --concurrency 1"
    )
    say()
    lat = result.latency
    say(
        f"  a) latency: {ARTICLE_MIX[0]} shared {len(lat.articles)} times, each after the "
        f"previous finished (1 worker process, nothing queued)"
    )
    rows = _latency_rows(lat)
    for run in (result.one, result.two):
        rows += _latency_rows(run)
    say(table(["", "p50", "p95", "p99"], rows, indent="    "))
    say()
    rounds = len(result.ones)
    say(
        f"  b) throughput: the same {len(result.one.articles)} links (1 in 4 a seed page, the "
        "rest generated) shared back to back, with 1 and then 2 worker processes, "
        f"{rounds} round{'s' if rounds > 1 else ''}"
    )
    runs = [run for pair in zip(result.ones, result.twos, strict=True) for run in pair]
    rows = []
    for run in runs:
        warnings = sum(1 for a in run.articles if a.outcome == FAILED)
        rows.append(
            [
                run.label,
                fmt(run.articles_per_min()),
                fmt(run.claims_per_s(), 2),
                f"{run.claims_posted():,}",
                f"{run.window_s:.1f}",
                f"{run.failures} ({warnings} warned)",
            ]
        )
    say(
        table(
            ["", "articles/min", "claims/s", "claims", "window s", "failures"],
            rows,
            indent="    ",
        )
    )
    each = ", ".join(f"{scale:.2f}" for scale in result.scales)
    say(
        f"    2 worker processes / 1: {fmt(result.scale, 2)}x"
        + (f", the median of the rounds' {each}" if rounds > 1 else "")
        + f" (this machine has {len(os.sched_getaffinity(0))} CPUs, shared with the bot, "
        "the stand-ins, PostgreSQL and Redis)"
    )
    steady = ", ".join(f"{scale:.2f}" for scale in result.steady_scales)
    say(
        f"    the same while every worker had work (the last outcome of the 2-worker runs, "
        f"when one worker had nothing left, not counted): {fmt(result.steady_scale, 2)}x"
        + (f", the median of {steady}" if rounds > 1 else "")
    )
    say()
    say("    CPU per article during each run (core-ms), and how busy the whole machine was")
    rows = [
        [run.label]
        + [f"{1000 * run.cpu.per(len(run.articles)).get(part, 0.0):,.0f}" for part in CPU_PARTS]
        + [f"{100 * run.cpu.machine_busy:.0f}%"]
        for run in runs
        if run.cpu is not None
    ]
    say(table(["", *CPU_PARTS, "machine busy"], rows, indent="    "))
    say()
    burst = result.burst
    say(
        f"  c) ack latency: {len(burst.statuses)} signed message events with a link each "
        f"(receipt + article row + enqueue), {burst.concurrency} at a time, new connection "
        f"each, while 2 workers run"
    )
    say(
        table(
            ["", "p50", "p95", "p99", "max"],
            [
                [
                    "HTTP round trip of the ack (ms)",
                    *(fmt(percentile(burst.latencies_ms, q)) for q in (50, 95, 99, 100)),
                ]
            ],
            indent="    ",
        )
    )
    say(
        f"    {burst.per_second:,.0f} events/s over {burst.seconds:.2f} s; "
        f"{burst.refused} not answered 200"
    )
    say()
    rss = result.rss
    say("  d) worker memory (VmRSS, sampled every 0.2 s from start-up to the end; PSS every 2 s)")
    say(
        f"    one worker (Celery parent + its pool child): max {rss.max_worker_kb / 1024:.0f} MB; "
        f"largest single process {rss.max_single_kb / 1024:.0f} MB"
    )
    say(
        f"    all workers together: {rss.max_total_kb / 1024:.0f} MB summing VmRSS over "
        f"{rss.max_processes} processes, {rss.max_total_pss_kb / 1024:.0f} MB summing PSS; "
        f"{rss.samples} samples"
    )
    say(f"  worker and bot output: {result.log}")
    say()


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
    memory_kb = 0
    with contextlib.suppress(OSError):
        memory_kb = _kb_field(Path("/proc/meminfo"), "MemTotal:")
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def rounded(value: float, digits: int) -> float | None:
    # JSON has no NaN; null says "not measured" (say, no article finished).
    return None if math.isnan(value) else round(value, digits)


def figures(
    finder: FinderResult,
    extraction: list[ExtractRow],
    system: SystemResult,
    queries: QueryResult | None,
    *,
    quick: bool,
    pacing: bool,
    seconds: float,
) -> dict[str, Any]:
    lat, one, two, burst = system.latency, system.one, system.two, system.burst
    return {
        "articles_per_min": rounded(two.articles_per_min(), 1),
        "claims_per_s": rounded(two.claims_per_s(), 2),
        # The seed article alone, shared when nothing is queued (the target's case).
        "first_claim_p50_s": rounded(percentile(lat.first_claim_s(), 50), 2),
        "first_claim_p95_s": rounded(percentile(lat.first_claim_s(), 95), 2),
        "first_claim_p99_s": rounded(percentile(lat.first_claim_s(), 99), 2),
        "last_claim_p50_s": rounded(percentile(lat.last_claim_s(), 50), 2),
        "last_claim_p95_s": rounded(percentile(lat.last_claim_s(), 95), 2),
        "last_claim_p99_s": rounded(percentile(lat.last_claim_s(), 99), 2),
        # The same under load: every link of the throughput run shared at once, 2 workers.
        "loaded_first_claim_p50_s": rounded(percentile(two.first_claim_s(), 50), 2),
        "loaded_first_claim_p95_s": rounded(percentile(two.first_claim_s(), 95), 2),
        "loaded_first_claim_p99_s": rounded(percentile(two.first_claim_s(), 99), 2),
        "loaded_last_claim_p50_s": rounded(percentile(two.last_claim_s(), 50), 2),
        "loaded_last_claim_p95_s": rounded(percentile(two.last_claim_s(), 95), 2),
        "loaded_last_claim_p99_s": rounded(percentile(two.last_claim_s(), 99), 2),
        "ack_p50_ms": rounded(percentile(burst.latencies_ms, 50), 1),
        "ack_p95_ms": rounded(percentile(burst.latencies_ms, 95), 1),
        "ack_p99_ms": rounded(percentile(burst.latencies_ms, 99), 1),
        "ack_burst_events": len(burst.statuses),
        "ack_burst_concurrency": burst.concurrency,
        "ack_burst_refused": burst.refused,
        # One `factdesk worker --concurrency 1`: the Celery parent and its pool child.
        "worker_rss_mb": round(system.rss.max_worker_kb / 1024, 1),
        "worker_rss_mb_all_workers": round(system.rss.max_total_kb / 1024, 1),
        "worker_pss_mb_all_workers": round(system.rss.max_total_pss_kb / 1024, 1),
        "worker_rss_mb_largest_process": round(system.rss.max_single_kb / 1024, 1),
        "articles_per_min_1_worker": rounded(one.articles_per_min(), 1),
        "articles_per_min_2_workers": rounded(two.articles_per_min(), 1),
        "scale_2_over_1": rounded(system.scale, 2),
        "scale_2_over_1_rounds": [rounded(scale, 2) for scale in system.scales],
        # Up to the outcome that emptied the queue: without the drain, when one worker
        # has nothing left and the other finishes the last page.
        "scale_2_over_1_steady": rounded(system.steady_scale, 2),
        "scale_2_over_1_steady_rounds": [rounded(scale, 2) for scale in system.steady_scales],
        "scale_basis": "2 worker processes / 1, each --concurrency 1, same links; "
        "the median of the rounds, each a 1-worker run then a 2-worker run",
        "cpu_ms_per_article_1_worker": _cpu_per_article(one),
        "cpu_ms_per_article_2_workers": _cpu_per_article(two),
        "home_query_ms": rounded(queries.p50("home (all three)"), 1) if queries else None,
        "digest_query_ms": rounded(queries.p50("digest (digests.build)"), 1) if queries else None,
        "query_claims": queries.shape.claims if queries else None,
        "finder_ms_seed_p50": rounded(statistics.median(finder.seed_ms), 1),
        "finder_ms_long_p50": rounded(statistics.median(finder.long_ms), 1),
        "extract_ms_p50": rounded(statistics.median(r.median_ms for r in extraction), 2),
        "articles": len(one.articles),
        "latency_runs": len(lat.articles),
        "failures": sum(run.failures for run in (lat, *system.ones, *system.twos)),
        "pacing": "on" if pacing else "off",
        "database": system.backends["database"],
        "redis": system.backends["redis"],
        "quick": quick,
        "seconds": round(seconds, 1),
        "machine": machine(),
    }


def _cpu_per_article(run: Run) -> dict[str, float] | None:
    if run.cpu is None:
        return None
    per = run.cpu.per(len(run.articles))
    return {
        **{part: round(1000 * per.get(part, 0.0), 1) for part in CPU_PARTS},
        "machine_busy": round(run.cpu.machine_busy, 3),
    }


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pipeline",
        description="Time the claim finder, extraction, the whole system and the desk's "
        "queries at a million claims; write var/bench.json.",
    )
    parser.add_argument(
        "--articles",
        type=int,
        default=None,
        help=f"links per throughput run (default {DEFAULT_ARTICLES}, {QUICK_ARTICLES} quick)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help=f"1-worker then 2-worker throughput runs (default {DEFAULT_ROUNDS}, 1 quick)",
    )
    parser.add_argument(
        "--latency-runs", type=int, default=None, help="seed article shares, one at a time"
    )
    parser.add_argument("--burst", type=int, default=None, help="signed events in the burst")
    parser.add_argument(
        "--burst-concurrency", type=int, default=16, help="events in flight at once (16)"
    )
    parser.add_argument(
        "--query-claims", type=int, default=None, help="claims for the query timings (1,000,000)"
    )
    parser.add_argument(
        "--database-url",
        default=AUTO,
        help="PostgreSQL server on loopback, 'embedded' for SQLite (default: 127.0.0.1:5432 "
        "when it answers, else SQLite; a database of its own is created and dropped)",
    )
    parser.add_argument(
        "--redis-url",
        default=AUTO,
        help="an EMPTY Redis database on loopback, 'embedded' for a redis-server of its own "
        "(default: an empty database on 127.0.0.1:6379 when it answers, else embedded)",
    )
    parser.add_argument("--pacing", action="store_true", help="keep per-channel post pacing on")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: few articles, few repetitions"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds to wait for a throughput run to finish (default 300)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    options = SystemOptions(
        articles=args.articles or (QUICK_ARTICLES if quick else DEFAULT_ARTICLES),
        latency_runs=args.latency_runs or (3 if quick else 10),
        burst=args.burst or (50 if quick else 500),
        burst_concurrency=args.burst_concurrency,
        generated=12 if quick else 60,
        database=args.database_url,
        redis=args.redis_url,
        pacing=args.pacing,
        timeout=args.timeout,
        rounds=args.rounds or (1 if quick else DEFAULT_ROUNDS),
    )
    query_claims = args.query_claims or (20_000 if quick else 1_000_000)
    if min(options.articles, options.latency_runs, options.burst, options.rounds, query_claims) < 1:
        parser.error("counts must be at least 1")
    finder_runs = QUICK_FINDER_RUNS if quick else FINDER_RUNS

    # Python's default SIGTERM ends the process on the spot, skipping the context managers
    # that stop Redis, the bot and the workers and drop the databases; an exception
    # unwinds through them instead.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    started = time.monotonic()
    settings = Settings()
    info = machine()
    say(
        f"Factdesk benchmark: {info['nproc']} CPUs ({info['cpu'] or 'unknown CPU'}), "
        f"{info['memory_gb']} GB, Python {info['python']}, {info['platform']}"
        + (" (quick)" if quick else "")
    )
    say()
    finder = bench_finder(settings, finder_runs)
    report_finder(finder, settings, finder_runs)
    extraction = bench_extract(EXTRACT_RUNS)
    report_extract(extraction, EXTRACT_RUNS)
    print("(the whole system: starting it and sharing links...)", file=sys.stderr)
    try:
        system = bench_system(settings, options)
    except (RuntimeError, TimeoutError, ConnectionError, ValueError) as exc:
        # Everything was already stopped and dropped by the context managers.
        say(f"The system benchmark failed: {exc}.")
        return 1
    report_system(system, options)

    say(f"4. App Home and digest queries on PostgreSQL with {query_claims:,} claims")
    server = None if args.database_url == EMBEDDED else postgres_server(args.database_url)
    queries: QueryResult | None = None
    if server is None:
        say("  skipped: PostgreSQL is not reachable on 127.0.0.1:5432 (or --database-url embedded)")
    else:
        say(f"  server: {_describe(server)}; a database of its own, dropped after")
        explain = (settings.var_dir / "bench-explain.txt").resolve()
        queries = bench_queries(server, claims=query_claims, explain_to=explain)
        report_queries(queries, say, table)
    say()

    seconds = time.monotonic() - started
    result = figures(
        finder, extraction, system, queries, quick=quick, pacing=options.pacing, seconds=seconds
    )
    out = settings.var_dir / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    say(f"Wrote {out} ({seconds:.1f} s in all).")
    failures = sum(run.failures for run in (system.latency, *system.ones, *system.twos))
    return 1 if failures or system.burst.refused else 0


if __name__ == "__main__":
    sys.exit(main())
