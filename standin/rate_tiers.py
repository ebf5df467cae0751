"""The buckets the stand-in counts Slack's Web API rate tiers in (each method's tier is in
`standin.slack_methods.METHODS`, the one table of methods).

Sources (Slack's documentation, as of 2026):

- The tiers: "Rate limits", https://docs.slack.dev/apis/web-api/rate-limits -- limits apply
  "per API method per workspace/team per app"; Tier 1 is 1+ requests a minute ("a small
  amount of burst behavior is tolerated"), Tier 2 20+ ("occasional bursts"), Tier 3 50+
  ("sporadic bursts are welcome"), Tier 4 100+ ("generous burst behavior"); Special tier
  methods have rules of their own. Going over answers HTTP 429 with a `Retry-After` header
  (seconds) and `{"ok": false, "error": "ratelimited"}`.
- Each method's tier: the "Rate limits" fact of its reference page,
  https://docs.slack.dev/reference/methods/<method>.
- chat.postMessage (Special): about one message a second per channel, short bursts allowed,
  and a workspace-wide limit of several hundred a minute (not modelled: no figure given).
- chat.getPermalink and auth.test (Special): "hundreds of requests per minute".
- conversations.history and conversations.replies: Tier 3, but for apps distributed
  outside the Slack Marketplace (new ones since 2025-05-29, existing installations since
  2026-03-03) "rate limited to 1 request per minute", and "the maximum and default values
  for the limit parameter have both been reduced to 15 objects".

Where Slack says only "bursts are tolerated", the burst sizes below are the stand-in's
choice: a minute's quota at once for Tiers 2 to 4, two requests for Tier 1.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from standin.slack_methods import METHODS, Tier

__all__ = ["OUTSIDE_MARKETPLACE_PAGE_LIMIT", "Quota", "RateLimiter"]


@dataclass(frozen=True)
class Quota:
    """`per_minute` requests a minute, of which `burst` may come at once."""

    per_minute: float
    burst: int


TIER_QUOTAS: dict[Tier, Quota] = {
    Tier.TIER_1: Quota(per_minute=1, burst=2),
    Tier.TIER_2: Quota(per_minute=20, burst=20),
    Tier.TIER_3: Quota(per_minute=50, burst=50),
    Tier.TIER_4: Quota(per_minute=100, burst=100),
    # The Special methods other than chat.postMessage ("hundreds of requests per minute").
    Tier.SPECIAL: Quota(per_minute=300, burst=300),
}


OUTSIDE_MARKETPLACE_QUOTA = Quota(per_minute=1, burst=1)
OUTSIDE_MARKETPLACE_PAGE_LIMIT = 15  # the most conversations.history/replies give a page there

POSTING_METHOD = "chat.postMessage"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets per team and method, and per team and channel for chat.postMessage.

    Nothing is limited until `tiers` (every method at its tier) or `posting` (only
    chat.postMessage, per channel) is switched on. `minute` is how many real seconds a
    stand-in minute lasts, so a test can watch a Tier 1 minute go by in a second or two;
    the posting limit is per real second, as Slack states it. Not thread-safe: the
    stand-in calls it under its own lock.
    """

    def __init__(self) -> None:
        self.tiers = False
        self.posting = False
        self.outside_marketplace = False
        self.minute = 60.0
        self.posts_per_second = 1.0
        self.posting_burst = 5
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}

    def clear(self) -> None:
        """Forget what was spent: every bucket starts full again."""
        self._buckets.clear()

    def quota(self, method: str) -> Quota | None:
        """The per-minute quota `method` is held to now, or None when it is not limited."""
        if not self.tiers:
            return None
        spec = METHODS.get(method)
        if spec is None:
            return None
        if self.outside_marketplace and spec.outside_marketplace_tier is not None:
            return OUTSIDE_MARKETPLACE_QUOTA
        return TIER_QUOTAS[spec.tier]

    def take(self, *, team: str, method: str, channel: str = "") -> int | None:
        """Spend one request; None if allowed, else the whole seconds to wait (Retry-After)."""
        if method == POSTING_METHOD:
            if not (self.posting or self.tiers):
                return None
            return self._spend((team, method, channel), self.posts_per_second, self.posting_burst)
        quota = self.quota(method)
        if quota is None:
            return None
        return self._spend((team, method, ""), quota.per_minute / self.minute, quota.burst)

    def _spend(self, key: tuple[str, str, str], per_second: float, burst: int) -> int | None:
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(tokens=float(burst), updated=now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated) * per_second)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        # Retry-After is whole seconds in HTTP, and slack_sdk reads it with int().
        return max(1, math.ceil((1.0 - bucket.tokens) / per_second))
