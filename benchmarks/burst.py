"""A burst of signed Slack events at the bot, and how long each took to be acknowledged.

The requests are built and signed before the clock starts, so what is timed is the HTTP
round trip of the bot's ack (connect, send, the bot's checks and listener dispatch, the
answer), not the client's JSON and HMAC work.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from benchmarks.stack import on_loopback
from standin.signing import message_event, sign


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class BurstResult:
    latencies_ms: list[float]
    statuses: list[int]
    seconds: float
    concurrency: int

    @property
    def refused(self) -> int:
        return sum(1 for status in self.statuses if status != 200)

    @property
    def per_second(self) -> float:
        return len(self.statuses) / self.seconds if self.seconds > 0 else 0.0


def signed_message_events(
    count: int,
    *,
    secret: str,
    text_for: Callable[[int], str],
    ts_for: Callable[[int, str], str],
    channel: str,
    user: str,
    team_for: Callable[[int], str],
) -> list[SignedRequest]:
    """`count` message events, each its own event_id, signed now (valid for five minutes)."""
    requests = []
    for i in range(count):
        text = text_for(i)
        ts = ts_for(i, text)
        envelope = message_event(text=text, channel=channel, user=user, ts=ts, team_id=team_for(i))
        body = json.dumps(envelope).encode("utf-8")
        requests.append(SignedRequest(body, sign(body, secret, content_type="application/json")))
    return requests


def fire(url: str, requests: Sequence[SignedRequest], *, concurrency: int) -> BurstResult:
    """Send every request, `concurrency` at a time, each on a new connection; time each."""
    if not on_loopback(url):
        raise ValueError(f"the benchmark only talks to loopback, not {url}")
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
    start = threading.Barrier(concurrency + 1)
    pending = list(enumerate(requests))
    lock = threading.Lock()
    latencies = [0.0] * len(requests)
    statuses = [0] * len(requests)

    def worker() -> None:
        start.wait()
        while True:
            with lock:
                if not pending:
                    return
                index, request = pending.pop()
            began = time.perf_counter()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            try:
                connection.request("POST", path, body=request.body, headers=request.headers)
                response = connection.getresponse()
                response.read()
                statuses[index] = response.status
            except OSError:
                statuses[index] = -1
            finally:
                connection.close()
            latencies[index] = (time.perf_counter() - began) * 1000

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="burst") as pool:
        futures = [pool.submit(worker) for _ in range(concurrency)]
        start.wait()
        began = time.perf_counter()
        for future in futures:
            future.result()
        seconds = time.perf_counter() - began
    return BurstResult(latencies, statuses, seconds, concurrency)
