from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from standin.slack_api import SlackStandIn


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as server:
        yield server


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    # No retry handlers: a test sees exactly the answer the stand-in gave.
    return WebClient(token="xoxb-test", base_url=standin.base_url, retry_handlers=[])
