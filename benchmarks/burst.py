"""A burst of signed Slack events at the bot, and how long each took to be acknowledged.

The requests are built and signed before the clock starts, so what is timed is the HTTP
round trip of the bot's ack (connect, send, the bot's checks and listener dispatch, the
answer), not the client's JSON and HMAC work.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
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
    """Send every request, `concurrency` at a time, each on a new connection; time each.

    The client runs in a process of its own, on one asyncio loop: in the bench's process
    it would share an interpreter lock with the Slack stand-in and the article server,
    which are busy serving the workers during the burst, and their turns would be timed
    as the bot's (docs/performance.md compares the two).
    """
    if not on_loopback(url):
        raise ValueError(f"the benchmark only talks to loopback, not {url}")
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fire_here, url, list(requests), concurrency=concurrency).result()


def fire_here(url: str, requests: Sequence[SignedRequest], *, concurrency: int) -> BurstResult:
    """`fire`, in this process."""
    if not on_loopback(url):
        raise ValueError(f"the benchmark only talks to loopback, not {url}")
    return asyncio.run(_fire(url, requests, concurrency))


async def _fire(url: str, requests: Sequence[SignedRequest], concurrency: int) -> BurstResult:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    latencies = [0.0] * len(requests)
    statuses = [0] * len(requests)
    pending = iter(enumerate(requests))

    async def send(index: int, request: SignedRequest) -> None:
        head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
        head += [f"{name}: {value}" for name, value in request.headers.items()]
        head.append(f"Content-Length: {len(request.body)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + request.body
        began = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(raw)
                status_line = await reader.readline()
                await reader.read()  # the rest, up to the server's close
            finally:
                writer.close()
            statuses[index] = int(status_line.split()[1])
        except (OSError, IndexError, ValueError):
            statuses[index] = -1
        latencies[index] = (time.perf_counter() - began) * 1000

    async def lane() -> None:
        for index, request in pending:
            await send(index, request)

    began = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    return BurstResult(latencies, statuses, seconds, concurrency)
