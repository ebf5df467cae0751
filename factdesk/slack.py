"""Web API clients for Slack, or for the local stand-in when SLACK_API_URL is set."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from factdesk.settings import Settings, secret


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient that waits out 429s (honouring Retry-After) and retries dropped connections."""
    return WebClient(
        token=token or secret(settings.slack_bot_token),
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=5),
        ],
        timeout=15,
        base_url=settings.slack_api_url or WebClient.BASE_URL,
    )
