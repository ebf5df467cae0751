"""The ingestion pipeline: fetch, extract, find claims, store, post to the thread."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk import render
from factdesk.errors import FactdeskError
from factdesk.models import Article, ArticleSource, ArticleState, SlackPost
from factdesk.services import articles, channels, claims
from workers.context import WorkerContext
from workers.extract import canonical_url, extract
from workers.fetch import fetch

log = logging.getLogger(__name__)

DONE_REACTION = "white_check_mark"
FAILED_REACTION = "warning"


class SlackPostFailed(FactdeskError):
    code = "slack_post_failed"
    user_message = "I couldn't post the claims in Slack."


def ingest_article(article_id: int, ctx: WorkerContext, *, fresh: bool = False) -> None:
    """Take an article from its link to posted claim tasks. Safe to run again.

    `fresh` reads it even when the same story already has a thread in the workspace.
    """
    with ctx.session() as session:
        article = articles.get(session=session, article_id=article_id)
        if article is None:
            log.warning("ingest skipped: article_id=%s not found", article_id)
            return
        if article.state is ArticleState.DONE:
            return
        duplicate = article.state is ArticleState.DUPLICATE
        if not duplicate:
            articles.start(session=session, article=article)
    try:
        if duplicate or not _run(article_id, ctx, fresh=fresh):
            _answer_duplicate(article_id, ctx)
    except FactdeskError as error:
        fail(article_id, error, ctx)


def _run(article_id: int, ctx: WorkerContext, *, fresh: bool) -> bool:
    """Read, store and post the article; False when it turned out to be a story
    already checked in the workspace (found by its canonical link)."""
    with ctx.session() as session:
        article = _load(session, article_id)
        if article.slack_thread_ts is None:
            anchor = render.anchor(article.url, article.requested_by)
            response = _post(ctx, article.slack_channel_id, None, anchor)
            article.slack_thread_ts = response
    with ctx.session() as session:
        article = _load(session, article_id)
        if article.text_hash is None:
            if article.source is ArticleSource.MESSAGE:
                # The shortcut stored the message's own text: there is nothing to fetch.
                extracted = articles.Extracted(text=article.text or "", title=article.title)
                articles.store_extraction(session=session, article=article, extracted=extracted)
            else:
                page = fetch(article.url, ctx.settings)
                articles.store_extraction(
                    session=session,
                    article=article,
                    extracted=extract(page),
                    canonical_url=canonical_url(page),
                    final_url=page.url,
                )
                original = (
                    None if fresh else articles.find_original(session=session, article=article)
                )
                if original is not None:
                    articles.mark_duplicate(session=session, article=article, original=original)
                    log.info(
                        "ingest found a re-share article_id=%s duplicate_of=%s",
                        article_id,
                        original.id,
                    )
                    return False
            found = find_claims(ctx, article.text or "")
            cap = channels.claim_cap(
                session=session,
                team_id=article.slack_team_id,
                channel_id=article.slack_channel_id,
                default=ctx.settings.max_claims_per_article,
            )
            claims.add_found(session=session, article=article, found=found, cap=cap)
    _post_thread(article_id, ctx)
    with ctx.session() as session:
        article = _load(session, article_id)
        articles.finish(session=session, article=article)
        message_ts = article.slack_message_ts
        channel = article.slack_channel_id
        log.info("ingest done article_id=%s claims=%s", article_id, len(article.claims))
    if message_ts:
        _swap_reaction(ctx, channel, message_ts, DONE_REACTION)
    return True


def _answer_duplicate(article_id: int, ctx: WorkerContext) -> None:
    """Reply in the thread with a link to the thread already checking this story."""
    key = f"already-checked:{article_id}"
    with ctx.session() as session:
        article = _load(session, article_id)
        channel, thread_ts, message_ts = (
            article.slack_channel_id,
            article.slack_thread_ts,
            article.slack_message_ts,
        )
        original = (
            articles.get(session=session, article_id=article.duplicate_of_id)
            if article.duplicate_of_id is not None
            else None
        )
        if original is None:
            log.warning("duplicate without an original article_id=%s", article_id)
            return
        posted = session.scalar(select(SlackPost.id).where(SlackPost.key == key)) is not None
        tally = claims.tally(session=session, article_id=original.id)
        original_id, original_channel, original_thread = (
            original.id,
            original.slack_channel_id,
            original.slack_thread_ts,
        )
    if not posted:
        permalink = _permalink(ctx, original_channel, original_thread)
        with ctx.session() as session:
            reply = render.already_checked(_load(session, original_id), tally, permalink)
        ts = _post(ctx, channel, thread_ts, reply)
        with ctx.session() as session:
            session.add(SlackPost(key=key, channel_id=channel, ts=ts))
        log.info("already-checked reply posted article_id=%s", article_id)
    if message_ts:
        _swap_reaction(ctx, channel, message_ts, DONE_REACTION)


def _permalink(ctx: WorkerContext, channel: str, ts: str | None) -> str | None:
    if ts is None:
        return None
    try:
        return str(ctx.slack.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.info("permalink skipped channel=%s: %s", channel, exc.response.get("error"))
        return None


def find_claims(ctx: WorkerContext, text: str) -> list[claims.NewClaim]:
    """Every claim the finder ranks in `text`; the channel's cap applies when they are stored."""
    from workers.nlp import find_claims as finder

    return [
        claims.NewClaim(
            text=found.text,
            start_char=found.start_char,
            end_char=found.end_char,
            score=found.score,
            reasons=found.reasons,
            rank=found.rank,
            speaker=found.speaker,
            context=found.context,
        )
        for found in finder(ctx.nlp, text, max_claims=None)
    ]


def _post_thread(article_id: int, ctx: WorkerContext) -> None:
    # Each post's ts is committed before the next post, so a re-run resumes where the
    # last run stopped instead of posting the thread again.
    with ctx.session() as session:
        article = _load(session, article_id)
        if article.slack_summary_ts is None:
            article.slack_summary_ts = _post(
                ctx,
                article.slack_channel_id,
                article.slack_thread_ts,
                summary_message(session, article),
            )
    _post_unposted_claims(article_id, ctx)


def post_held_back(article_id: int, ctx: WorkerContext) -> None:
    """Post the claims held back by the cap, then redraw the summary without the offer."""
    with ctx.session() as session:
        claims.release_held_back(session=session, article_id=article_id)
    _post_unposted_claims(article_id, ctx)
    with ctx.session() as session:
        update_summary(session, _load(session, article_id), ctx)


def _post_unposted_claims(article_id: int, ctx: WorkerContext) -> None:
    with ctx.session() as session:
        waiting = [
            claim.id
            for claim in claims.list_for_article(session=session, article_id=article_id)
            if claim.slack_ts is None
        ]
    for claim_id in waiting:
        with ctx.session() as session:
            claim = claims.get(session=session, claim_id=claim_id)
            number, total = claims.position(session=session, claim=claim)
            claim.slack_ts = _post(
                ctx,
                claim.article.slack_channel_id,
                claim.article.slack_thread_ts,
                render.claim_task(claim, number=number, total=total),
            )


def summary_message(session: Session, article: Article) -> render.Message:
    """The summary as it stands: tally, and any lower-scored claims still on offer."""
    return render.summary(
        article,
        claims.tally(session=session, article_id=article.id),
        held_back=claims.count_held_back(session=session, article_id=article.id),
    )


def update_summary(session: Session, article: Article, ctx: WorkerContext) -> None:
    """Redraw the summary in place; a failure is logged, never raised."""
    if article.slack_summary_ts is None:
        return
    message = summary_message(session, article)
    try:
        ctx.slack.chat_update(
            channel=article.slack_channel_id,
            ts=article.slack_summary_ts,
            text=message.text,
            blocks=message.blocks,
        )
    except SlackApiError as exc:
        log.warning(
            "summary not updated article_id=%s error=%s", article.id, exc.response.get("error")
        )


def _post(ctx: WorkerContext, channel: str, thread_ts: str | None, message: render.Message) -> str:
    try:
        response = ctx.slack.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=message.text,
            blocks=message.blocks or None,
            unfurl_links=False,
            unfurl_media=False,
        )
    except SlackApiError as exc:
        raise SlackPostFailed(detail=f"{exc.response.get('error')} channel={channel}") from exc
    return str(response["ts"])


def fail(article_id: int, error: FactdeskError, ctx: WorkerContext) -> None:
    """Record the failure and tell the thread why, in words a newsroom reads."""
    with ctx.session() as session:
        article = _load(session, article_id)
        articles.fail(session=session, article=article, error=error)
        channel, thread_ts, message_ts = (
            article.slack_channel_id,
            article.slack_thread_ts,
            article.slack_message_ts,
        )
        reply = render.failure(article, error)
    log.warning(
        "ingest failed article_id=%s code=%s detail=%s", article_id, error.code, error.detail
    )
    if isinstance(error, SlackPostFailed):
        return  # Slack itself refused; another post would fail the same way
    try:
        _post(ctx, channel, thread_ts, reply)
    except SlackPostFailed as exc:
        log.warning("failure reply not posted article_id=%s detail=%s", article_id, exc.detail)
    if message_ts:
        _swap_reaction(ctx, channel, message_ts, FAILED_REACTION)


def _swap_reaction(ctx: WorkerContext, channel: str, ts: str, done: str) -> None:
    """Replace the working reaction on the shared message with the outcome's."""
    for call, name in (
        (ctx.slack.reactions_remove, ctx.settings.working_reaction),
        (ctx.slack.reactions_add, done),
    ):
        try:
            call(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:
            # Only decoration: a missing or duplicate reaction must not fail the ingest.
            log.info("reaction %s skipped: %s", name, exc.response.get("error"))


def _load(session: Session, article_id: int) -> Article:
    article = articles.get(session=session, article_id=article_id)
    assert article is not None, f"article {article_id} vanished mid-ingest"
    return article


def post_new_claims(article_id: int, ctx: WorkerContext) -> None:
    """Post claims stored after the thread was (e.g. added by a person); redraw the summary."""
    _post_unposted_claims(article_id, ctx)
    with ctx.session() as session:
        update_summary(session, _load(session, article_id), ctx)
