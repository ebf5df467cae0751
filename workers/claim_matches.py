"""After the finder stores an article's claims: their vectors go into the archive, and
what the matcher finds for each is kept to show on its task.

The embedding model is loaded once per worker process (``workers.nlp.embedder``). A
model that will not load (missing or altered files) costs the matches, never the
article: the claims are archived without vectors and the tasks are posted as before.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.models import Article, Claim, ClaimStatus
from factdesk.render import matches as render_matches
from factdesk.render.blocks import Block, Message
from factdesk.render.links import task_link
from factdesk.services import archive, matches
from factdesk.slack import workspace_url
from workers.context import WorkerContext, for_team
from workers.matcher import (
    Fusion,
    Matcher,
    archive_new_claims,
    fill_missing_vectors,
    needs_vector,
)
from workers.nlp.embedder import ModelIntegrityError, model_name
from workers.posting import post_once

log = logging.getLogger(__name__)


@functools.cache
def shared_matcher() -> Matcher:
    return Matcher()


def fill_archive_vectors(*, session: Session, most: int) -> int:
    """Give up to `most` archive rows the running embedder's vector; how many it gave."""
    # The usual tick finds nothing to do: it then loads no model into a process that
    # may never need one otherwise.
    if session.scalar(select(ArchiveEntry.id).where(needs_vector(model_name())).limit(1)) is None:
        return 0
    try:
        matcher = shared_matcher()
    except (ModelIntegrityError, OSError) as error:
        log.error("archive vectors not filled, the claim matcher will not load: %s", error)
        return 0
    return fill_missing_vectors(session=session, matcher=matcher, most=most)


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
    """Archive the article's new posted claims with their vectors; return how many matched.

    Claims held back by the channel's cap wait until someone asks for them
    (``post_held_back``): a long article has dozens, and matching them would cost its
    processing what nobody looks at."""
    posted = [claim for claim in article.claims if not claim.held_back]
    fresh = archive.unarchived(session=session, claims=posted)
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
    for claim_id, shown in found.items():
        archive.record_matches(
            session=session,
            claim_id=claim_id,
            found=[(match.entry_id, match.score) for match in shown],
        )
    return sum(1 for shown in found.values() if shown)


def match_blocks_for(ctx: WorkerContext, session: Session, claim: Claim) -> list[Block] | None:
    """The match line and buttons for a task, or None when it has no match to show."""
    view = matches.best_view(session=session, claim_id=claim.id)
    if view is None:
        return None
    if view.kind is ArchiveKind.CLAIM:
        original = matches.original_claim(session=session, claim_id=claim.id)
        if original is not None:
            link = task_link(workspace_url(ctx.slack), original)
            view = replace(view, thread_link=link)
    return render_matches.match_blocks(view)


def alert_repeats(ctx: WorkerContext, article_id: int) -> None:
    """One line in each disputed original's thread that a new article repeats, once each.

    Not when the new article sits in a private channel other than the original's: the
    line would tell a wider channel about a private one."""
    alerts = []
    with ctx.session() as session:
        article = session.get(Article, article_id)
        if article is None:
            return
        private = None
        for claim in article.claims:
            original = matches.original_claim(session=session, claim_id=claim.id)
            if original is None or original.status is not ClaimStatus.DISPUTED:
                continue
            where = original.article
            if where.slack_channel_id != article.slack_channel_id:
                if private is None:
                    private = channel_is_private(ctx, article.slack_channel_id)
                if private:
                    continue
            line = render_matches.repeat_alert(
                article.title or "", article.url, article.slack_channel_id
            )
            thread = where.slack_thread_ts
            alerts.append(
                (f"repeat:{original.id}:{article.id}", where.slack_channel_id, thread, line)
            )
    for key, channel, thread, line in alerts:
        post_once(ctx, key, channel, thread, Message(text=line))


SEARCH_RESULTS = 5


@for_team
def search_archive(
    team_id: str, channel_id: str, user_id: str, words: str, ctx: WorkerContext
) -> None:
    """Answer `/factcheck search <words>` privately with the archive's best matches."""
    viewer = archive.Viewer(team_id, channel_id)
    with ctx.session() as session:
        try:
            ranked = shared_matcher().rank(
                session=session, text=words, viewer=viewer, top=SEARCH_RESULTS
            )
        except (ModelIntegrityError, OSError) as error:
            log.error("claim matcher unavailable, searching words alone: %s", error)
            ranked = Matcher(lexical_only=True, weights=Fusion(0.0, 0.0)).rank(
                session=session, text=words, viewer=viewer, top=SEARCH_RESULTS
            )
        found = archive.entries(session=session, ids=[match.entry_id for match in ranked])
        message = render_matches.search_results(words, [found[m.entry_id] for m in ranked])
    try:
        ctx.slack.chat_postEphemeral(
            channel=channel_id, user=user_id, text=message.text, blocks=message.blocks
        )
    except SlackApiError as error:
        # Not in the channel (or a DM with someone else): send it to the person.
        log.info("search answer by DM user=%s: %s", user_id, error.response.get("error"))
        dm = ctx.slack.conversations_open(users=user_id)["channel"]["id"]
        ctx.slack.chat_postMessage(channel=dm, text=message.text, blocks=message.blocks)
