"""The ingestion pipeline: fetch, extract, find claims, store, post to the thread."""

from __future__ import annotations

import functools
import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from factdesk.errors import FactdeskError, FetchFailed, SlackPostFailed
from factdesk.metrics import CLAIMS_FOUND, FETCH_FAILURES
from factdesk.models import Article, ArticleSource, ArticleState, Claim
from factdesk.render import thread as render_thread
from factdesk.render.links import thread_link
from factdesk.services import articles, channels, claims
from factdesk.slack import workspace_url
from workers.claim_matches import alert_repeats, archive_and_match, match_blocks_for
from workers.context import WorkerContext, for_article
from workers.extract import canonical_url, extract
from workers.fetch import fetch, is_transient
from workers.posting import Outgoing, post_all_once, post_once
from workers.requester import tell_not_a_member
from workers.summary import posting_failed, summary_message, update_summary

log = logging.getLogger(__name__)

DONE_REACTION = "white_check_mark"
FAILED_REACTION = "warning"
# The claim finder reads at most this much of an article (about 25,000 words): a page of
# 100,000 sentences would otherwise hold a worker for minutes. Offsets stay valid since
# only the end is cut.
MAX_FINDER_CHARS = 150_000


class RetryLater(Exception):
    """A transient failure: the task should run again later, the user is not told yet."""

    def __init__(self, error: FactdeskError) -> None:
        super().__init__(f"{error.code}: {error.detail}")
        self.error = error


def transient(error: FactdeskError) -> bool:
    """Whether `error` may well go away if the same step runs again in a little while."""
    if isinstance(error, SlackPostFailed):
        return error.transient
    if isinstance(error, FetchFailed):
        return is_transient(error)
    return False


@for_article
def ingest_article(
    article_id: int, ctx: WorkerContext, *, fresh: bool = False, final_attempt: bool = True
) -> None:
    """Take an article from its link to posted claim tasks. Safe to run again.

    `fresh` reads it even when the same story already has a thread in the workspace.
    A transient failure raises `RetryLater` unless this is the `final_attempt`.
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
        if transient(error) and not final_attempt:
            log.info(
                "ingest will retry article_id=%s code=%s detail=%s",
                article_id,
                error.code,
                error.detail,
            )
            raise RetryLater(error) from error
        fail(article_id, error, ctx)


def _run(article_id: int, ctx: WorkerContext, *, fresh: bool) -> bool:
    """Read, store and post the article; False when it turned out to be a story
    already checked in the workspace (found by its canonical link)."""
    with ctx.session() as session:
        article = _load(session, article_id)
        thread_ts, channel = article.slack_thread_ts, article.slack_channel_id
        anchor = render_thread.anchor(article.url, article.requested_by)
    if thread_ts is None:

        def record_anchor(session: Session, ts: str) -> None:
            _load(session, article_id).slack_thread_ts = ts

        post_once(ctx, f"anchor:{article_id}", channel, None, anchor, on_posted=record_anchor)
    stored = 0
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
            found = find_claims(
                ctx, _finder_text(article.text or "", article_id), title=article.title
            )
            cap = channels.claim_cap(
                session=session,
                team_id=article.slack_team_id,
                channel_id=article.slack_channel_id,
                default=ctx.settings.max_claims_per_article,
            )
            known = len(article.claims)
            stored = len(claims.add_found(session=session, article=article, found=found, cap=cap))
            stored -= known
            archive_and_match(ctx, session, article)
    # Counted once committed: a run cut short before then finds them again.
    CLAIMS_FOUND.inc(stored)
    _post_thread(article_id, ctx)
    alert_repeats(ctx, article_id)
    with ctx.session() as session:
        article = _load(session, article_id)
        articles.finish(session=session, article=article)
        message_ts = article.slack_message_ts
        channel = article.slack_channel_id
        log.info("ingest done article_id=%s claims=%s", article_id, len(article.claims))
    if message_ts:
        _swap_reaction(ctx, channel, message_ts, DONE_REACTION)
    return True


def _finder_text(text: str, article_id: int) -> str:
    if len(text) <= MAX_FINDER_CHARS:
        return text
    cut = text.rfind("\n", 0, MAX_FINDER_CHARS)
    cut = cut if cut > MAX_FINDER_CHARS // 2 else text.rfind(". ", 0, MAX_FINDER_CHARS) + 1
    log.info("finder reads the first %s of %s chars article_id=%s", cut, len(text), article_id)
    return text[: cut or MAX_FINDER_CHARS]


def _answer_duplicate(article_id: int, ctx: WorkerContext) -> None:
    """Reply in the thread with a link to the thread already checking this story."""
    key = f"already-checked:{article_id}"
    # auth.test (once per token) before the session, so no session waits on Slack.
    link_base = workspace_url(ctx.slack)
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
        tally = claims.tally(session=session, article_id=original.id)
        reply = render_thread.already_checked(original, tally, thread_link(link_base, original))
    post_once(ctx, key, channel, thread_ts, reply)
    log.info("already-checked reply in place article_id=%s", article_id)
    if message_ts:
        _swap_reaction(ctx, channel, message_ts, DONE_REACTION)


def find_claims(
    ctx: WorkerContext, text: str, *, title: str | None = None
) -> list[claims.NewClaim]:
    """Every claim the finder ranks in `text` (its headline `title` helps find the main
    claim); the channel's cap applies when they are stored."""
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
        for found in finder(ctx.nlp, text, max_claims=None, title=title)
    ]


def _post_thread(article_id: int, ctx: WorkerContext) -> None:
    # Every post goes through a two-phase marker (workers/posting.py), so a re-run after a
    # crash at any step resumes where the last run stopped and posts nothing twice.
    _post_unposted_claims(article_id, ctx, with_summary=True)


@for_article
def post_held_back(article_id: int, ctx: WorkerContext) -> None:
    """Post the claims held back by the cap, then redraw the summary without the offer."""
    with ctx.session() as session:
        claims.release_held_back(session=session, article_id=article_id)
        archive_and_match(ctx, session, _load(session, article_id))
    _post_unposted_claims(article_id, ctx)
    alert_repeats(ctx, article_id)
    with ctx.session() as session:
        update_summary(session, _load(session, article_id), ctx)


def _post_unposted_claims(
    article_id: int, ctx: WorkerContext, *, with_summary: bool = False
) -> None:
    """Post the claims that have no message yet, after the summary if it has none either."""
    with ctx.session() as session:
        article = _load(session, article_id)
        channel, thread_ts = article.slack_channel_id, article.slack_thread_ts
        waiting = []
        if with_summary and article.slack_summary_ts is None:
            summary = summary_message(session, article)
            record = functools.partial(_record_summary, article_id)
            waiting.append(Outgoing(f"summary:{article_id}", summary, on_posted=record))
        posted = claims.list_for_article(session=session, article_id=article_id)
        waiting += [
            Outgoing(
                f"claim:{claim.id}",
                render_thread.claim_task(
                    claim,
                    number=number,
                    total=len(posted),
                    match=match_blocks_for(ctx, session, claim),
                ),
                on_posted=functools.partial(_record_claim, claim.id),
            )
            for number, claim in enumerate(posted, start=1)
            if claim.slack_ts is None
        ]
    post_all_once(ctx, channel, thread_ts, waiting)


def _record_summary(article_id: int, session: Session, ts: str) -> None:
    _load(session, article_id).slack_summary_ts = ts


def _record_claim(claim_id: int, session: Session, ts: str) -> None:
    claim = session.get(Claim, claim_id)
    if claim is not None:
        claim.slack_ts = ts


@for_article
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
        reply = render_thread.failure(article, error)
    log.warning(
        "ingest failed article_id=%s code=%s detail=%s", article_id, error.code, error.detail
    )
    if isinstance(error, FetchFailed):
        FETCH_FAILURES.labels(kind=error.code).inc()
    if isinstance(error, SlackPostFailed):
        # Slack refused a post, so another reply would likely fail too; the summary (if it
        # is up) says posting stopped and offers "Post remaining claims". Not a member of
        # the channel, there is no thread: the person who asked hears it where they are.
        tell_not_a_member(ctx, article_id, error)
        with ctx.session() as session:
            update_summary(session, _load(session, article_id), ctx)
    else:
        try:
            post_once(ctx, f"failure:{article_id}", channel, thread_ts, reply)
        except SlackPostFailed as exc:
            log.warning("failure reply not posted article_id=%s detail=%s", article_id, exc.detail)
    if message_ts:
        _swap_reaction(ctx, channel, message_ts, FAILED_REACTION)


def _swap_reaction(
    ctx: WorkerContext, channel: str, ts: str, done: str, *, undo: str | None = None
) -> None:
    """Replace the working reaction (or `undo`) on the shared message with the outcome's."""
    for call, name in (
        (ctx.slack.reactions_remove, undo or ctx.settings.working_reaction),
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


@for_article
def post_new_claims(article_id: int, ctx: WorkerContext) -> None:
    """Post claims stored after the thread was (e.g. added by a person); redraw the summary."""
    with ctx.session() as session:
        archive_and_match(ctx, session, _load(session, article_id))
    _post_unposted_claims(article_id, ctx)
    with ctx.session() as session:
        update_summary(session, _load(session, article_id), ctx)


@for_article
def post_remaining(article_id: int, ctx: WorkerContext, *, final_attempt: bool = True) -> None:
    """After posting failed for good: post what is missing, then mark the article done."""
    try:
        _post_thread(article_id, ctx)
    except SlackPostFailed as error:
        if error.transient and not final_attempt:
            raise RetryLater(error) from error
        fail(article_id, error, ctx)
        return
    with ctx.session() as session:
        article = _load(session, article_id)
        if posting_failed(article):
            articles.finish(session=session, article=article)
        update_summary(session, article, ctx)
        channel, message_ts = article.slack_channel_id, article.slack_message_ts
    log.info("remaining claims posted article_id=%s", article_id)
    if message_ts:
        _swap_reaction(ctx, channel, message_ts, DONE_REACTION, undo=FAILED_REACTION)
