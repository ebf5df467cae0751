"""Telling the person who asked for a check, through their request's response_url, when
the bot cannot post where they asked: Slack answers `not_in_channel` (a public channel the
bot has not joined) or `channel_not_found` (a private one it was not invited to)."""

from __future__ import annotations

import logging
from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from factdesk import render_notices
from factdesk.models import ArticleSource
from factdesk.services import articles
from workers.context import WorkerContext
from workers.posting import SlackPostFailed

log = logging.getLogger(__name__)

NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})


def tell_not_a_member(ctx: WorkerContext, article_id: int, error: SlackPostFailed) -> None:
    """Tell the requester to invite the bot, once per request; a no-op for other failures
    and for articles no one asked for through a command or shortcut."""
    if error.slack_error not in NOT_A_MEMBER:
        return
    with ctx.session() as session:
        article = articles.get(session=session, article_id=article_id)
        if article is None:
            return
        # Taken, and committed, before posting: a message and its links fail together,
        # and the person hears it once.
        response_url = articles.take_response_url(session=session, article=article)
        channel = article.slack_channel_id
        # A command's article has no message of its own; the shortcut's has.
        by_command = article.slack_message_ts is None and article.source is ArticleSource.LINK
        text = render_notices.not_in_channel(channel, url=article.url if by_command else None)
    if response_url is None:
        return
    try:
        answer = WebhookClient(
            response_url,
            timeout=10,
            user_agent_prefix="factdesk-worker",
            retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2)],
        ).send(text=text, response_type="ephemeral", replace_original=False)
    except (URLError, OSError) as exc:
        log.warning("requester not told article_id=%s: %r", article_id, exc)
        return
    if answer.status_code != 200:
        log.warning(
            "requester not told article_id=%s: %s %s",
            article_id,
            answer.status_code,
            str(answer.body)[:100],
        )
