"""The Slack client every part of Factdesk uses."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from factdesk.settings import Settings
from factdesk.slack import web_client
from standin.slack_api import SlackStandIn


def test_each_call_says_which_part_of_factdesk_made_it(slack: SlackStandIn) -> None:
    settings = Settings(slack_bot_token=SecretStr("xoxb-agent"), slack_api_url=slack.base_url)

    web_client(settings, component="worker").auth_test()
    web_client(settings, component="bot").auth_test()

    agents = [call.user_agent for call in slack.calls_to("auth.test")[-2:]]
    assert agents[0].startswith("factdesk-worker ")
    assert agents[1].startswith("factdesk-bot ")


def test_a_429_is_waited_out_within_the_clients_bound_and_no_longer() -> None:
    from slack_sdk.errors import SlackApiError

    from factdesk.slack import rate_limit_waits_within, retry_after

    with SlackStandIn() as standin:
        settings = Settings(
            slack_bot_token=SecretStr("xoxb-bound"),
            slack_api_url=standin.base_url,
            slack_rate_limit_max_wait_seconds=5,
        )
        client = web_client(settings, component="worker")
        standin.fail_next("conversations.info", "ratelimited", status=429)  # Retry-After: 1

        client.conversations_info(channel="C0GENERAL")
        with rate_limit_waits_within(0.5):  # a task about to run out of time
            standin.fail_next("conversations.info", "ratelimited", status=429)
            with pytest.raises(SlackApiError) as late:
                client.conversations_info(channel="C0GENERAL")
        standin.set_rate_tiers(outside_marketplace=True)  # history: one a minute
        client.conversations_history(channel="C0GENERAL")
        with pytest.raises(SlackApiError) as limited:
            client.conversations_history(channel="C0GENERAL")

        statuses = [call.status for call in standin.calls_to("conversations.info")]
        assert statuses == [429, 200, 429], "waited out once, then left to the caller"
        assert retry_after(late.value) == 1
        assert limited.value.response.status_code == 429
        assert (retry_after(limited.value) or 0) > 5, "a minute is more than the bound"
