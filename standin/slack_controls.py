"""What tests read from the stand-in and set on it: calls, messages, views, failures, limits."""

from __future__ import annotations

import copy
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from standin.slack_workspace import RecordedCall, SlackWorkspace


class StandInControls(SlackWorkspace):
    """Inspection (calls, messages, views, `wait_for`) and the knobs tests turn."""

    # -- inspection --------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def calls_since(self, start: int) -> list[RecordedCall]:
        """The calls recorded after the first ``start``: a poller's cheap next page."""
        with self._lock:
            return self._calls[start:]

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._messages.get(channel, []))

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        with self._lock:
            found = self._index.get((channel, ts))
            if found is None:
                raise KeyError(f"no message {ts} in {channel}")
            return copy.deepcopy(found)

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._messages.get(channel, [])
                if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
            ]

    def ephemeral_messages(self, channel: str) -> list[dict[str, Any]]:
        """Ephemeral messages sent in ``channel`` (each names its ``user``), in order."""
        with self._lock:
            return copy.deepcopy(self._ephemeral.get(channel, []))

    def views(self) -> list[dict[str, Any]]:
        """Every view opened, updated or published, latest version of each."""
        with self._lock:
            return copy.deepcopy(list(self._views.values()))

    def view(self, view_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._views[view_id])

    def home_view(self, user_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._views[self._home_views[user_id]])

    def wait_for(self, predicate: Callable[[Self], bool], timeout: float = 30.0) -> None:
        """Poll until ``predicate(self)`` is true, for code that posts from another thread.

        A predicate that raises ``KeyError``/``IndexError`` (say, ``message()`` before the
        message exists) just counts as "not yet".
        """
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            try:
                if predicate(self):
                    return
                last_error = None
            except (KeyError, IndexError) as exc:
                last_error = exc
            if time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        name = getattr(predicate, "__name__", repr(predicate))
        recent = ", ".join(
            f"{c.method}->{'ok' if c.response.get('ok') else c.response.get('error', c.status)}"
            for c in self.calls[-10:]
        )
        detail = f"; last attempt raised {last_error!r}" if last_error is not None else ""
        raise TimeoutError(
            f"condition {name} still false after {timeout:g}s{detail}; "
            f"{len(self.calls)} calls recorded, most recent: [{recent or 'none'}]"
        )

    # -- test controls -----------------------------------------------------------

    def set_rate_limit(self, enabled: bool, *, per_second: float = 1.0, burst: int = 5) -> None:
        """Limit chat.postMessage per channel (alone, or with the tiers' other methods)."""
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be > 0 and burst >= 1")
        with self._lock:
            self._limits.posting = enabled
            self._limits.posts_per_second = per_second
            self._limits.posting_burst = burst
            self._limits.clear()

    def set_rate_tiers(
        self,
        enabled: bool = True,
        *,
        outside_marketplace: bool | None = None,
        minute: float = 60.0,
    ) -> None:
        """Hold every method to its Slack rate tier, per team (standin/rate_tiers.py).

        `outside_marketplace` makes this an app distributed outside the Slack Marketplace
        (None leaves it as it is); `minute` is how many real seconds a minute of the
        tiers lasts, so a test can see a Tier 1 minute pass quickly.
        """
        if minute <= 0:
            raise ValueError("minute must be > 0")
        with self._lock:
            self._limits.tiers = enabled
            self._limits.minute = minute
            if outside_marketplace is not None:
                self._limits.outside_marketplace = outside_marketplace
            self._limits.clear()

    def set_outside_marketplace(self, outside: bool) -> None:
        """An app distributed outside the Slack Marketplace: conversations.history and
        conversations.replies page by 15 at most, and (with the tiers on) at 1 a minute."""
        with self._lock:
            self._limits.outside_marketplace = outside
            self._limits.clear()

    def fail_next(self, method: str, error: str, *, status: int = 200) -> None:
        """Make the next call to ``method`` answer ``{"ok": false, "error": error}``."""
        with self._lock:
            self._failures.setdefault(method, deque()).append((error, status))

    @property
    def bot_scopes(self) -> tuple[str, ...]:
        """The scopes the bot token (and any xoxb-/xoxp- token not issued by OAuth) holds."""
        with self._lock:
            return self._bot_scopes

    def set_scopes(self, scopes: Iterable[str]) -> None:
        """Grant exactly `scopes` to the bot token from now on, as reinstalling an app with
        other scopes would; tokens issued by oauth.v2.access keep the ones they were given."""
        with self._lock:
            self._bot_scopes = self._scope_list(scopes)

    @contextmanager
    def scopes_granted(self, scopes: Iterable[str]) -> Iterator[None]:
        """`set_scopes` for the length of a `with` block, for a stand-in tests share."""
        before = self.bot_scopes
        self.set_scopes(scopes)
        try:
            yield
        finally:
            self.set_scopes(before)

    def reset(self) -> None:
        """Forget calls, messages, views, pending failures and rate-limit state.

        Channels and users stay, so a fixture can seed a workspace once.
        """
        with self._lock:
            self._calls.clear()
            self._messages = {channel_id: [] for channel_id in self._channels}
            self._index.clear()
            self._ephemeral.clear()
            self._views.clear()
            self._external_ids.clear()
            self._home_views.clear()
            self._failures.clear()
            self._limits.clear()
