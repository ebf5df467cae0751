"""The stand-in's rate tiers, through the real slack_sdk.WebClient, as Slack documents them."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from standin.rate_tiers import TIER_QUOTAS
from standin.slack_api import SlackStandIn
from standin.slack_methods import METHODS, Tier


def _limited(call: object) -> SlackApiError:
    with pytest.raises(SlackApiError) as exc:
        call()  # type: ignore[operator]
    return exc.value


def test_each_tiers_quota_is_slacks_floor() -> None:
    # Slack's floors: 1+, 20+, 50+ and 100+ requests a minute.
    assert [TIER_QUOTAS[t].per_minute for t in (Tier.TIER_1, Tier.TIER_2, Tier.TIER_3)] == [
        1,
        20,
        50,
    ]
    assert TIER_QUOTAS[Tier.TIER_4].per_minute == 100
    assert METHODS["conversations.replies"].tier is Tier.TIER_3
    assert METHODS["chat.postMessage"].tier is Tier.SPECIAL


def test_nothing_is_limited_unless_asked(standin: SlackStandIn, client: WebClient) -> None:
    for i in range(30):
        client.conversations_history(channel="C0GENERAL")
        client.chat_postMessage(channel="C0GENERAL", text=f"{i}")

    assert {c.status for c in standin.calls} == {200}


def test_a_tier_2_method_answers_429_past_its_minute_with_retry_after(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.set_rate_tiers()
    posted = client.chat_postMessage(channel="C0GENERAL", text="react to me")["ts"]
    for name in [f"emoji{i}" for i in range(20)]:
        client.reactions_add(channel="C0GENERAL", timestamp=posted, name=name)
    for name in [f"emoji{i}" for i in range(20)]:  # reactions.remove is Tier 2: 20 a minute
        client.reactions_remove(channel="C0GENERAL", timestamp=posted, name=name)

    limited = _limited(
        lambda: client.reactions_remove(channel="C0GENERAL", timestamp=posted, name="emoji0")
    )

    assert limited.response.status_code == 429
    assert limited.response.data == {"ok": False, "error": "ratelimited"}
    assert 1 <= int(limited.response.headers["Retry-After"]) <= 3  # a 20th of a minute
    # Another method has a bucket of its own.
    client.reactions_add(channel="C0GENERAL", timestamp=posted, name="late")


def test_each_team_has_its_own_buckets(standin: SlackStandIn) -> None:
    standin.set_rate_tiers(outside_marketplace=True)
    tokens = []
    for team in ("T0ONE", "T0TWO"):
        code = standin.authorize_code(team)
        granted = WebClient(base_url=standin.base_url).oauth_v2_access(
            client_id=standin.oauth_client_id,
            client_secret=standin.oauth_client_secret,
            code=code,
        )
        tokens.append(str(granted["access_token"]))
    one, two = (WebClient(token=t, base_url=standin.base_url, retry_handlers=[]) for t in tokens)

    one.conversations_history(channel="C0GENERAL")
    two.conversations_history(channel="C0GENERAL")  # another workspace: its own minute
    limited = _limited(lambda: one.conversations_history(channel="C0NEWSDESK"))

    assert limited.response.status_code == 429  # per team and method, whatever the channel


def test_outside_the_marketplace_history_and_replies_are_tier_1_with_pages_of_15(
    standin: SlackStandIn, client: WebClient
) -> None:
    root = standin.add_message("C0GENERAL", "root", user="U0ANA")
    for i in range(20):
        standin.add_message("C0GENERAL", f"reply {i}", user="U0BEN", thread_ts=root)
    standin.set_rate_tiers(outside_marketplace=True)

    first = client.conversations_replies(channel="C0GENERAL", ts=root, limit=200)
    limited = _limited(
        lambda: client.conversations_replies(
            channel="C0GENERAL", ts=root, cursor=first["response_metadata"]["next_cursor"]
        )
    )
    history = client.conversations_history(channel="C0GENERAL")  # a bucket of its own

    assert len(first["messages"]) == 15, "a larger limit is capped at 15"
    assert first["has_more"] is True
    assert first["response_metadata"]["next_cursor"]
    assert limited.response.status_code == 429
    assert 50 <= int(limited.response.headers["Retry-After"]) <= 60  # one a minute
    assert history["messages"][0]["text"] == "root"
    # Other Tier 3 methods keep their 50 a minute.
    for _ in range(10):
        client.conversations_info(channel="C0GENERAL")


def test_pages_of_15_without_a_limit_and_a_minute_waited_out(standin: SlackStandIn) -> None:
    root = standin.add_message("C0GENERAL", "root", user="U0ANA")
    for i in range(20):
        standin.add_message("C0GENERAL", f"reply {i}", user="U0BEN", thread_ts=root)
    # A stand-in minute of one second, so the wait is short.
    standin.set_rate_tiers(outside_marketplace=True, minute=1.0)
    client = WebClient(
        token="xoxb-test",
        base_url=standin.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )

    texts: list[str] = []
    cursor = None
    started = time.monotonic()
    while True:
        page = client.conversations_replies(channel="C0GENERAL", ts=root, cursor=cursor)
        texts += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not page["has_more"]:
            break

    assert texts == ["root"] + [f"reply {i}" for i in range(20)]
    statuses = [c.status for c in standin.calls_to("conversations.replies")]
    assert statuses == [200, 429, 200], "the second page waited out its Retry-After"
    assert time.monotonic() - started >= 1


def test_marketplace_apps_keep_tier_3_and_their_page_size(
    standin: SlackStandIn, client: WebClient
) -> None:
    for i in range(20):
        standin.add_message("C0GENERAL", f"message {i}", user="U0ANA")
    standin.set_rate_tiers(outside_marketplace=False)

    pages = [client.conversations_history(channel="C0GENERAL", limit=200) for _ in range(10)]

    assert all(len(p["messages"]) == 20 for p in pages)


def test_page_size_is_capped_outside_the_marketplace_even_without_rate_limits(
    standin: SlackStandIn, client: WebClient
) -> None:
    for i in range(20):
        standin.add_message("C0GENERAL", f"message {i}", user="U0ANA")
    standin.set_outside_marketplace(True)

    first = client.conversations_history(channel="C0GENERAL")
    second = client.conversations_history(
        channel="C0GENERAL", cursor=first["response_metadata"]["next_cursor"]
    )

    assert [len(first["messages"]), len(second["messages"])] == [15, 5]
    assert second["has_more"] is False


def test_posting_is_per_channel_at_about_one_a_second(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.set_rate_tiers()
    for i in range(5):  # the stand-in's burst
        client.chat_postMessage(channel="C0GENERAL", text=f"{i}")

    limited = _limited(lambda: client.chat_postMessage(channel="C0GENERAL", text="one too many"))
    client.chat_postMessage(channel="C0NEWSDESK", text="another channel")

    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "1"


def test_reset_refills_every_bucket(standin: SlackStandIn, client: WebClient) -> None:
    standin.set_rate_tiers(outside_marketplace=True)
    client.conversations_history(channel="C0GENERAL")
    _limited(lambda: client.conversations_history(channel="C0GENERAL"))

    standin.reset()

    client.conversations_history(channel="C0GENERAL")
