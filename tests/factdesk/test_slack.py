"""The Slack client every part of Factdesk uses."""

from __future__ import annotations

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
