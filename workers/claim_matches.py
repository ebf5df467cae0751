"""After the finder stores an article's claims: their vectors go into the archive, and
what the matcher finds for each is kept to show on its task.

The embedding model is loaded once per worker process (``workers.nlp.embedder``). A
model that will not load (missing or altered files) costs the matches, never the
article: the claims are archived without vectors and the tasks are posted as before.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from factdesk.models import Article
from factdesk.services import archive
from workers.context import WorkerContext
from workers.matcher import Matcher, archive_new_claims
from workers.nlp.embedder import ModelIntegrityError

log = logging.getLogger(__name__)


@functools.cache
def shared_matcher() -> Matcher:
    return Matcher()


def channel_is_private(ctx: WorkerContext, channel_id: str) -> bool:
    """Whether the channel is private; when Slack will not say, private, so nothing leaks."""
    try:
        info = ctx.slack.conversations_info(channel=channel_id)
    except SlackApiError as error:
        log.warning("conversations.info failed channel=%s error=%s", channel_id, error)
        return True
    channel: dict[str, Any] = info.get("channel") or {}
    return bool(channel.get("is_private", True))


def archive_and_match(ctx: WorkerContext, session: Session, article: Article) -> int:
    """Archive the article's new claims with their vectors; return how many matched."""
    fresh = archive.unarchived(session=session, claims=article.claims)
    if not fresh:
        return 0
    private = channel_is_private(ctx, article.slack_channel_id)
    try:
        matcher = shared_matcher()
    except (ModelIntegrityError, OSError) as error:
        log.error("claim matcher unavailable, archiving without vectors: %s", error)
        archive.add_claims(session=session, claims=fresh, vectors=None, channel_private=private)
        return 0
    found = archive_new_claims(
        session=session, claims=fresh, channel_private=private, matcher=matcher
    )
    for claim_id, matches in found.items():
        archive.record_matches(
            session=session,
            claim_id=claim_id,
            found=[(match.entry_id, match.score) for match in matches],
        )
    return sum(1 for matches in found.values() if matches)
