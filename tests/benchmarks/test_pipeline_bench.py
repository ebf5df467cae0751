"""Smoke runs of `make bench`'s helpers with tiny numbers: the code paths, never the speed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from benchmarks import pages, pipeline, stack
from benchmarks.burst import BurstResult, fire, signed_message_events
from standin.slack_api import RecordedCall

SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"


def test_percentiles_interpolate_and_say_nan_when_empty() -> None:
    assert pipeline.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert pipeline.percentile([5.0], 99) == 5.0
    assert pipeline.fmt(pipeline.percentile([], 50)) == "-"


def test_generated_pages_vary_in_length_and_repeat_byte_for_byte(tmp_path: Path) -> None:
    first = pages.write_pages(tmp_path / "a", 8, seed=3)
    again = pages.write_pages(tmp_path / "b", 8, seed=3)

    assert [p.name for p in first] == [f"gen-{n:04d}.html" for n in range(1, 9)]
    assert len({p.words for p in first}) > 4
    for page in first:
        assert (tmp_path / "a" / page.name).read_bytes() == (
            tmp_path / "b" / page.name
        ).read_bytes()
    assert first == again


def test_the_site_holds_the_seeds_and_the_generated_pages(tmp_path: Path) -> None:
    generated = pages.site_directory(tmp_path / "site", SEEDS, 2)

    names = {path.name for path in (tmp_path / "site").iterdir()}
    assert set(pipeline.ARTICLE_MIX) <= names
    assert {page.name for page in generated} <= names


@pytest.mark.parametrize("count", [20, pipeline.DEFAULT_ARTICLES, 120])
def test_a_throughput_batch_does_not_end_on_its_longest_page(count: int) -> None:
    generated = [pages.GeneratedPage(f"gen-{n:04d}.html", 400, 6) for n in range(1, 61)]
    site = stack.ArticlePages("http://127.0.0.1:1", pid=0)

    urls = pipeline.article_set(site, generated, count)

    assert sum(url.endswith(pipeline.LONG_PAGE.name) for url in urls) == count // 20
    # Ten ordinary pages are more work than the long one, so the other worker keeps busy.
    assert not any(url.endswith(pipeline.LONG_PAGE.name) for url in urls[-10:])


def test_generated_pages_yield_claims(tmp_path: Path) -> None:
    from tests.workers.nlp.helpers import make_blank_pipeline
    from workers.extract import extract
    from workers.nlp import find_claims

    page = pages.write_pages(tmp_path, 1, seed=11)[0]
    text = extract(pipeline.page_from_file(tmp_path / page.name)).text

    assert len(text.split()) > 100
    assert find_claims(make_blank_pipeline(), text, max_claims=15)


def test_claim_posts_are_matched_to_their_threads() -> None:
    def post(thread: str, at: float) -> RecordedCall:
        args = {"channel": pipeline.CHANNEL, "thread_ts": thread}
        return RecordedCall("chat.postMessage", args, None, 200, {"ok": True}, at)

    done = pipeline.Shared("u1", "1.000001", 100.0, 5.0, 200, pipeline.DONE, 104.0)
    failed = pipeline.Shared("u2", "1.000002", 100.0, 5.0, 200, pipeline.FAILED, 103.0)
    calls = [post("1.000001", 101.0), post("1.000001", 102.5), post("1.000001", 102.0)]
    calls.append(post("1.000002", 101.5))

    pipeline.attach_claim_posts(calls, [done, failed])

    assert done.claims == [102.0, 102.5]  # the summary (first post) is no claim
    assert failed.claims == []
    run = pipeline.Run("r", 1, [done, failed], window_s=6.0)
    assert run.first_claim_s() == [2.0]
    assert run.last_claim_s() == [2.5]
    assert (run.failures, run.claims_posted(), run.articles_per_min()) == (1, 2, 20.0)


def test_the_memory_sampler_reads_this_process_group() -> None:
    import os

    sampler = pipeline.RssSampler(lambda: [os.getpgrp()])
    sampler.sample()

    assert sampler.samples == 1
    assert sampler.max_single_kb > 0
    assert sampler.max_worker_kb >= sampler.max_single_kb


class _Ack(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        ok = self.headers.get("X-Slack-Signature", "").startswith("v0=")
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def ack_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ack)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    finally:
        server.shutdown()
        server.server_close()


def test_a_burst_times_every_signed_event(ack_server: str) -> None:
    requests = signed_message_events(
        12,
        secret="s",
        text_for=lambda i: f"link {i}",
        ts_for=lambda i, text: f"1732480000.{i:06d}",
        channel="C0X",
        user="U0X",
        team_for=lambda i: f"T{i}",
    )

    result = fire(ack_server, requests, concurrency=4)

    assert result.statuses == [200] * 12
    assert len(result.latencies_ms) == 12
    assert all(latency > 0 for latency in result.latencies_ms)
    assert result.refused == 0
    assert len({json.loads(r.body)["event_id"] for r in requests}) == 12


def test_the_bench_talks_to_loopback_only() -> None:
    assert stack.on_loopback("postgresql+psycopg://postgres@127.0.0.1:5432/x")
    assert stack.on_loopback("redis://localhost:6379/3")
    assert not stack.on_loopback("redis://10.0.0.5:6379/3")
    with pytest.raises(ValueError, match="loopback"):
        stack.postgres_server("postgresql+psycopg://postgres@db.example.com/x")
    with pytest.raises(ValueError, match="loopback"):
        fire("http://192.0.2.1/slack/events", [], concurrency=1)


def test_embedded_storage_is_chosen_when_asked() -> None:
    assert stack.postgres_server(stack.EMBEDDED) is None
    assert stack.redis_choice(stack.EMBEDDED) is None


def test_the_ratio_is_the_median_of_the_rounds() -> None:
    def run(per_min: float) -> pipeline.Run:
        done = pipeline.Shared("u", "1.0", 0.0, 1.0, 200, outcome=pipeline.DONE, done_at=1.0)
        return pipeline.Run("r", 1, [done] * int(per_min), window_s=60.0)

    result = pipeline.SystemResult(
        backends={},
        startup_s=0.0,
        latency=run(1),
        ones=[run(100), run(120), run(90)],
        twos=[run(190), run(180), run(180)],
        burst=BurstResult([], [], 0.0, 1),
        rss=pipeline.RssSampler(list),
        generated=[],
        log=Path("log"),
    )

    assert result.scales == [1.9, 1.5, 2.0]
    assert result.scale == 1.9
    assert result.one.articles_per_min() == 100
    assert result.two.articles_per_min() == 180


def test_steady_throughput_leaves_out_the_drain_of_the_last_workers() -> None:
    def shared(done_at: float) -> pipeline.Shared:
        return pipeline.Shared("u", "1.0", 0.0, 1.0, 200, outcome=pipeline.DONE, done_at=done_at)

    # Two workers: the fourth outcome came 3 s after the third, one worker idle meanwhile.
    two = pipeline.Run("r", 2, [shared(t) for t in (1.0, 2.0, 3.0, 6.0)], window_s=6.0)
    one = pipeline.Run("r", 1, [shared(t) for t in (1.0, 2.0, 3.0, 6.0)], window_s=6.0)

    assert two.articles_per_min() == 40.0
    assert two.steady_articles_per_min() == 60.0  # 3 articles in 3 s
    assert one.steady_articles_per_min() == one.articles_per_min() == 40.0


# What issue 7 asks `make bench` to write, whatever else it adds.
BENCH_JSON_KEYS = {
    "articles_per_min",
    "first_claim_p50_s",
    "first_claim_p95_s",
    "ack_p50_ms",
    "ack_p99_ms",
    "worker_rss_mb",
    "scale_2_over_1",
    "home_query_ms",
    "digest_query_ms",
}


@pytest.mark.parametrize("pacing", [False, True])
def test_bench_json_holds_the_agreed_keys_and_says_whether_posts_were_paced(
    tmp_path: Path, pacing: bool
) -> None:
    done = pipeline.Shared("u1", "1.000001", 100.0, 5.0, 200, pipeline.DONE, 101.0, [100.5])
    run = pipeline.Run("r", 1, [done], window_s=1.0)
    system = pipeline.SystemResult(
        backends={"database": "sqlite", "redis": "embedded"},
        startup_s=1.0,
        latency=run,
        ones=[run],
        twos=[run],
        burst=BurstResult([5.0, 7.0], [200, 200], 0.1, 16),
        rss=pipeline.RssSampler(lambda: []),
        generated=[],
        log=tmp_path / "log",
    )
    finder = pipeline.FinderResult(1.0, [200.0], 15, 7_899, [1_500.0], 15, 40_459)
    extraction = [pipeline.ExtractRow("page.html", 9.2, 6.7, "612 words")]

    result = pipeline.figures(
        finder, extraction, system, None, quick=True, pacing=pacing, seconds=1.0
    )

    assert result.keys() >= BENCH_JSON_KEYS
    assert result["pacing"] == ("on" if pacing else "off")
    assert json.loads(json.dumps(result)) == result
