"""Web API clients for Slack, or for the local stand-in when SLACK_API_URL is set."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from factdesk.metrics import SLACK_API_ERRORS
from factdesk.settings import Settings, secret

log = logging.getLogger(__name__)


class MeteredWebClient(WebClient):
    """A WebClient that counts Slack's error answers by method and code (metrics)."""

    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(api_method, *args, **kwargs)
        except SlackApiError as exc:
            code = str(exc.response.get("error") or exc.response.status_code)
            SLACK_API_ERRORS.labels(method=api_method, code=code).inc()
            raise


def metered(client: WebClient, *, component: str) -> MeteredWebClient:
    """`client`'s copy that counts Slack's errors and names `component` in its User-Agent.

    Bolt gives each request a plain WebClient of its own, built on the headers dict of the
    app's client, and in doing so resets the User-Agent that dict holds.
    """
    return MeteredWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers={name: value for name, value in client.headers.items() if name != "User-Agent"},
        user_agent_prefix=f"factdesk-{component}",
        team_id=client.default_params.get("team_id"),
        logger=client.logger,
        retry_handlers=client.retry_handlers,
    )


# When the running task must be done waiting on Slack (time.monotonic()); None outside a
# task. Set by `rate_limit_waits_within`, read by BoundedRateLimitRetryHandler.
_wait_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "factdesk_slack_wait_deadline", default=None
)
_WAITED = "factdesk_waited_seconds"


WaitToken = contextvars.Token[float | None]


def limit_rate_limit_waits(seconds: float) -> WaitToken:
    """From now on in this context, Slack calls wait out 429s only while `seconds` last
    (a task's time limit); `unlimit_rate_limit_waits` undoes it."""
    deadline = time.monotonic() + max(0.0, seconds)
    outer = _wait_deadline.get()
    return _wait_deadline.set(deadline if outer is None else min(outer, deadline))


def unlimit_rate_limit_waits(token: WaitToken) -> None:
    _wait_deadline.reset(token)


@contextmanager
def rate_limit_waits_within(seconds: float) -> Iterator[None]:
    """Within the block, Slack calls wait out 429s only while `seconds` from now last."""
    token = limit_rate_limit_waits(seconds)
    try:
        yield
    finally:
        unlimit_rate_limit_waits(token)


def _retry_after_header(headers: Any) -> float:
    """Retry-After, in seconds, from a headers mapping (values as strings or lists)."""
    found = (v for k, v in dict(headers or {}).items() if str(k).lower() == "retry-after")
    value = next(found, None)
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(str(value)))
    except ValueError:
        return 1.0  # Slack always sends one; slack_sdk waits a second without it


def retry_after(exc: SlackApiError) -> float | None:
    """The seconds a 429 answer asks to wait (its Retry-After header), if it is one."""
    response = exc.response
    if getattr(response, "status_code", None) != 429:
        return None
    return _retry_after_header(getattr(response, "headers", None))


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Waits out Slack's 429s as Retry-After asks, within a bound: `max_wait` seconds per
    call in all, and never past the running task's deadline (`rate_limit_waits_within`).

    A wait that doesn't fit leaves the 429 to the caller, so a Tier 1 minute (history and
    replies outside the Marketplace) never outlasts the task's time limit and gets it
    killed mid-way: the task is retried after Retry-After instead.
    """

    def __init__(self, *, max_retry_count: int, max_wait: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        asked = _retry_after_header(response.headers)
        wait = asked + 1.0  # slack_sdk adds up to a second of jitter
        values = state.custom_values if state.custom_values is not None else {}
        waited = float(values.get(_WAITED, 0.0))
        room = self.max_wait - waited
        deadline = _wait_deadline.get()
        if deadline is not None:
            room = min(room, deadline - time.monotonic())
        if wait > room:
            log.info(
                "not waiting %.0fs for Slack's rate limit on %s: %.0fs left to wait",
                asked,
                request.url.rsplit("/", 1)[-1],
                max(room, 0.0),
            )
            return False
        values[_WAITED] = waited + wait
        state.custom_values = values
        return True


def web_client(settings: Settings, token: str | None = None, *, component: str) -> WebClient:
    """A WebClient that waits out 429s (honouring Retry-After, within a bound: see
    BoundedRateLimitRetryHandler), and retries dropped connections and Slack's 5xx
    answers with backoff. Without a token (multi-workspace installs) Bolt and the workers
    give it each team's.

    Its User-Agent starts with `factdesk-<component>` (bot, worker), so a call in Slack's
    access logs, or in the stand-in's record, says which part of Factdesk made it.
    """
    return MeteredWebClient(
        token=token or secret(settings.slack_bot_token) or None,
        user_agent_prefix=f"factdesk-{component}",
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            BoundedRateLimitRetryHandler(
                max_retry_count=5, max_wait=settings.slack_rate_limit_max_wait_seconds
            ),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
        timeout=15,
        base_url=settings.slack_api_url or WebClient.BASE_URL,
    )


_workspace_urls: dict[str, str] = {}
_workspace_urls_lock = threading.Lock()


def workspace_url(client: WebClient) -> str | None:
    """The workspace's web address (`https://x.slack.com/`), asked of auth.test once per token.

    Permalinks are built from it (`render.links`), so listing twenty tasks costs no twenty
    API calls.
    """
    key = f"{client.base_url}|{client.token}"
    with _workspace_urls_lock:
        if key in _workspace_urls:
            return _workspace_urls[key]
    try:
        url = client.auth_test().get("url")
    except SlackApiError as exc:
        log.warning("auth.test failed: %s", exc.response.get("error"))
        return None
    if not url:
        return None
    with _workspace_urls_lock:
        _workspace_urls[key] = str(url)
    return str(url)


# GCRA: one "theoretical arrival time" per channel in Redis, shared by every worker
# process. Each caller reserves the next slot and sleeps until it; a burst of
# `burst` posts goes out at once, then one per 1/rate seconds.
_PACE_SCRIPT = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
local ttl = math.ceil((tat + interval - now) * 1000) + 1000
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', ttl)
return tostring(wait)
"""
_local_tat: dict[str, float] = {}
_local_lock = threading.Lock()


def pace_channel(settings: Settings, channel: str) -> float:
    """Wait for this channel's next posting slot; return the seconds waited.

    Slack allows about one message a second per channel with short bursts; pacing here
    keeps a 40-claim thread in a busy channel from running into 429s at all.
    """
    interval = 1.0 / settings.slack_channel_posts_per_second
    tolerance = interval * (settings.slack_channel_burst - 1)
    try:
        wait = float(
            _pacer(settings.resolved_redis_url)(
                keys=[f"factdesk:pace:{channel}"], args=[time.time(), interval, tolerance]
            )
        )
    except Exception as exc:  # noqa: BLE001 -- without Redis, pace within this process
        log.debug("channel pacing without Redis: %r", exc)
        wait = _pace_locally(channel, interval, tolerance)
    if wait > 0:
        time.sleep(wait)
    return wait


@cache
def _pacer(redis_url: str) -> Any:
    import redis

    if redis_url.startswith("redis+socket://"):
        redis_url = "unix://" + redis_url.removeprefix("redis+socket://")
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    return client.register_script(_PACE_SCRIPT)


def _pace_locally(channel: str, interval: float, tolerance: float) -> float:
    now = time.monotonic()
    with _local_lock:
        tat = max(_local_tat.get(channel, now), now)
        _local_tat[channel] = tat + interval
    return max(0.0, tat - tolerance - now)
