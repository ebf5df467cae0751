"""Web API clients for Slack, or for the local stand-in when SLACK_API_URL is set."""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from factdesk.settings import Settings, secret

log = logging.getLogger(__name__)


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


_workspace_urls: dict[str, str] = {}
_workspace_urls_lock = threading.Lock()


def workspace_url(client: WebClient) -> str | None:
    """The workspace's web address (`https://x.slack.com/`), asked of auth.test once per token.

    Permalinks are built from it, so listing twenty tasks costs no twenty API calls.
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


def permalink(workspace: str, channel_id: str, ts: str, thread_ts: str | None = None) -> str:
    """A message's permalink, as `chat.getPermalink` would answer it."""
    link = f"{workspace.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts is not None and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link
