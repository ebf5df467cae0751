"""Telling the person who asked for a check, through their request's response_url, when
the bot cannot post where they asked: Slack answers `not_in_channel` (a public channel the
bot has not joined) or `channel_not_found` (a private one it was not invited to)."""

from __future__ import annotations

import logging

from factdesk.errors import SlackPostFailed
from factdesk.models import ArticleSource
from factdesk.render import notices
from factdesk.services import articles
from workers.context import WorkerContext
from workers.tell import by_response_url

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
        text = notices.not_in_channel(channel, url=article.url if by_command else None)
    if response_url is None:
        return
    if not by_response_url(response_url, user_id=f"article:{article_id}", text=text):
        log.warning(
            "requester not told that the bot is not in %s article_id=%s", channel, article_id
        )
