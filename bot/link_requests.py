"""Turning a requested link into an article and a queued ingest, shared by every entry point."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot import deps, payloads
from factdesk.models import Article, ArticleSource, ArticleState
from factdesk.render import notices
from factdesk.render import thread as render_thread
from factdesk.render.blocks import Message
from factdesk.render.links import thread_link
from factdesk.services import articles, channels, claims
from factdesk.slack import workspace_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Queued:
    """An article stored by a listener, and whether the worker must read it from scratch."""

    article_id: int
    fresh: bool = False


@dataclass(frozen=True)
class Place:
    """Where a person asked for a check: the message, the thread it goes in, and who."""

    team_id: str
    channel_id: str
    thread_ts: str
    message_ts: str
    user_id: str
    # Where the worker tells the person if it cannot post in the channel (the shortcut's).
    response_url: str | None = None

    def article_fields(self) -> dict[str, Any]:
        """The place as `articles.create` takes it."""
        return {
            "team_id": self.team_id,
            "channel_id": self.channel_id,
            "thread_ts": self.thread_ts,
            "message_ts": self.message_ts,
            "requested_by": self.user_id,
            "response_url": self.response_url,
        }


def from_command(
    ack: Ack, context: BoltContext, command: dict[str, Any], *, url: str, again: bool = False
) -> None:
    """`/factcheck <url> [again]`: point at the thread already checking it, or store and enqueue."""
    team_id = payloads.team_id(context, command)
    with deps.session(context) as session:
        original = (
            None if again else articles.find_checking(session=session, team_id=team_id, url=url)
        )
        if original is not None:
            answer = already_checked(session, context, original).text
            article_id = None
        else:
            article, _ = articles.create(
                session=session,
                url=url,
                team_id=team_id,
                channel_id=command["channel_id"],
                thread_ts=None,  # the worker posts a message to hang the thread on
                requested_by=command["user_id"],
                # Where the worker tells the person if it cannot post in the channel.
                response_url=command.get("response_url"),
            )
            article_id = article.id
            answer = render_thread.command_accepted(url)
    ack(text=answer, response_type="ephemeral")
    if article_id is None:
        log.info("command answered: already checking channel=%s", command["channel_id"])
        return
    enqueue(context, [Queued(article_id, fresh=again)])
    log.info(
        "command queued channel=%s article=%s again=%s", command["channel_id"], article_id, again
    )


# Subtypes that are still a person posting; edits, joins, bot posts and the rest are not.
PERSON_SUBTYPES = {None, "file_share", "thread_broadcast"}


def by_a_person(event: dict[str, Any], context: BoltContext) -> bool:
    """Whether a message event (or a mention) is a person posting, not a bot or an edit."""
    if event.get("subtype") not in PERSON_SUBTYPES or event.get("bot_id"):
        return False
    return event.get("user") not in (None, context.bot_user_id)


def from_message(
    event: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    *,
    links: Sequence[str],
    auto_links_only: bool,
) -> None:
    """A person's message's links become articles in its thread, queued, with the working
    reaction on the message. `auto_links_only`: only where the channel picks up links by
    itself (a mention of the bot asks by name, so it takes them anywhere).

    A message mentioning the bot arrives twice, as `message` and as `app_mention`; the
    article row (one per link per thread) makes the second find nothing new to queue.
    """
    settings = deps.settings(context)
    channel, ts = event["channel"], event["ts"]
    team_id = payloads.team_id(context, event)
    taken = links[: settings.max_links_per_message]
    with deps.session(context) as session:
        if auto_links_only and not channels.auto_links(
            session=session, team_id=team_id, channel_id=channel
        ):
            log.info("links ignored channel=%s: auto_links is off", channel)
            return
        place = Place(team_id, channel, event.get("thread_ts") or ts, ts, event["user"])
        queued = store_links(session, urls=taken, place=place)
    if not queued:
        return  # a redelivered event, or the message's other event: already done
    try:
        client.reactions_add(channel=channel, timestamp=ts, name=settings.working_reaction)
    except SlackApiError as exc:
        log.info("working reaction skipped: %s", exc.response.get("error"))
    enqueue(context, queued)
    log.info("links queued channel=%s articles=%s", channel, [q.article_id for q in queued])
    if len(links) > len(taken):
        client.chat_postEphemeral(
            channel=channel,
            user=event["user"],
            text=notices.some_links_skipped(len(taken)),
        )


def store_links(session: Session, *, urls: Sequence[str], place: Place) -> list[Queued]:
    """An article per link in the message's thread; a link already being checked elsewhere
    in the workspace is stored as a duplicate, so the worker answers with that thread.

    With a `response_url` (a person asked, with the shortcut), a link whose check failed in
    this thread is queued again: asking again is how a failure is retried.
    """
    queued = []
    for url in urls:
        original = articles.find_checking(session=session, team_id=place.team_id, url=url)
        article, is_new = articles.create(
            session=session, url=url, duplicate_of=original, **place.article_fields()
        )
        if is_new or _retried(session, article, place.response_url):
            queued.append(Queued(article.id))
    return queued


def store_message(session: Session, *, text: str, permalink: str, place: Place) -> Queued | None:
    """The message's own text as an article, its permalink standing in for a link; queued
    again if it failed and a person asks again (`response_url`), as `store_links` does."""
    article, is_new = articles.create(
        session=session,
        url=permalink,
        source=ArticleSource.MESSAGE,
        text=text,
        title=render_thread.MESSAGE_TITLE,
        **place.article_fields(),
    )
    return Queued(article.id) if is_new or _retried(session, article, place.response_url) else None


def _retried(session: Session, article: Article, response_url: str | None) -> bool:
    """Queue a failed article again when a person asked again; whether it was."""
    if not response_url or article.state is not ArticleState.FAILED:
        return False
    articles.requeue(session=session, article=article, response_url=response_url)
    log.info("failed article queued again article=%s", article.id)
    return True


def enqueue(context: BoltContext, queued: Sequence[Queued]) -> None:
    """Hand stored articles to the workers (after the commit, if sent inside the session)."""
    queue = deps.queue(context)
    for item in queued:
        if item.fresh:
            queue.ingest_article_fresh(item.article_id)
        else:
            queue.ingest_article(item.article_id)


def already_checked(session: Session, context: BoltContext, original: Article) -> Message:
    """The "already being checked" answer, with a link to the original thread."""
    tally = claims.tally(session=session, article_id=original.id)
    link = thread_link(workspace_url(context.client), original)
    return render_thread.already_checked(original, tally, link)
