"""After a change to a claim: redraw its task and the summary, announce it in the thread."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kombu.exceptions import OperationalError
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from factdesk.errors import SlackPostFailed
from factdesk.models import Claim, EventAction, SlackPost
from factdesk.render import thread as render_thread
from factdesk.render.blocks import Message
from factdesk.services import claims
from workers.claim_matches import match_blocks_for
from workers.context import WorkerContext, for_claim
from workers.locks import article_lock
from workers.posting import post_once
from workers.summary import update_summary

log = logging.getLogger(__name__)

# Actions whose from/to values are user ids rather than statuses.
_PEOPLE_ACTIONS = frozenset({EventAction.CLAIMED, EventAction.RELEASED, EventAction.REASSIGNED})


@dataclass(frozen=True)
class _Plan:
    channel: str
    team_id: str
    thread_ts: str | None
    task_ts: str | None
    task: Message
    line_key: str | None
    line: Message | None
    people: frozenset[str]


@for_claim
def sync_claim(claim_id: int, event_id: int | None, ctx: WorkerContext) -> None:
    """Bring Slack in line with the database for one claim. Safe to run twice."""
    with ctx.session() as session:
        claim = session.get(Claim, claim_id)
        if claim is None:
            log.warning("sync skipped: claim_id=%s not found", claim_id)
            return
        article_id = claim.article_id
    # One article's changes are drawn one at a time: each redraw reads the tally after the
    # previous one is on screen, so two changes landing together end with the right counts.
    with article_lock(ctx.settings, article_id) as locked:
        if not locked:
            log.warning("article lock wait timed out article_id=%s; redrawing anyway", article_id)
        plan = _plan(claim_id, event_id, ctx)
        _update(ctx, plan.channel, plan.task_ts, plan.task)
        _announce(ctx, plan)
        with ctx.session() as session:
            article = claims.get(session=session, claim_id=claim_id).article
            update_summary(session, article, ctx)
    for user_id in sorted(plan.people):
        _refresh_home(ctx, plan.team_id, user_id)


def _plan(claim_id: int, event_id: int | None, ctx: WorkerContext) -> _Plan:
    with ctx.session() as session:
        claim = claims.get(session=session, claim_id=claim_id)
        number, total = claims.position(session=session, claim=claim)
        article = claim.article
        event = claims.get_event(session=session, event_id=event_id) if event_id else None
        if event is not None and event.claim_id != claim_id:
            log.warning("sync: event_id=%s is not about claim_id=%s", event_id, claim_id)
            event = None
        line = render_thread.event_line(event, claim, number=number) if event else None
        key = f"event:{event.id}" if event is not None and line is not None else None
        if key and session.scalar(
            select(SlackPost.id).where(SlackPost.key == key, SlackPost.ts.is_not(None))
        ):
            line = None  # announced by an earlier run of this task
        people = {claim.assignee} if claim.assignee else set()
        if event is not None:
            people.add(event.actor)
            if event.action in _PEOPLE_ACTIONS:
                people.update(value for value in (event.from_value, event.to_value) if value)
        return _Plan(
            channel=article.slack_channel_id,
            team_id=article.slack_team_id,
            thread_ts=article.slack_thread_ts,
            task_ts=claim.slack_ts,
            task=render_thread.claim_task(
                claim, number=number, total=total, match=match_blocks_for(ctx, session, claim)
            ),
            line_key=key,
            line=line,
            people=frozenset(people),
        )


def _update(ctx: WorkerContext, channel: str, ts: str | None, message: Message) -> None:
    if ts is None:
        return  # not posted yet: the post itself will show the current state
    try:
        ctx.slack.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
    except SlackApiError as exc:
        log.warning("task not updated ts=%s error=%s", ts, exc.response.get("error"))


def _announce(ctx: WorkerContext, plan: _Plan) -> None:
    if plan.line is None or plan.line_key is None or plan.thread_ts is None:
        return
    try:
        # Two-phase, like the ingest's posts: a re-run after a crash finds the line in the
        # thread by its metadata key instead of announcing the change twice.
        post_once(ctx, plan.line_key, plan.channel, plan.thread_ts, plan.line)
    except SlackPostFailed as exc:
        if exc.transient:
            raise  # the task retries; the marker keeps the retry from posting twice
        log.warning("thread line not posted key=%s detail=%s", plan.line_key, exc.detail)


def _refresh_home(ctx: WorkerContext, team_id: str, user_id: str) -> None:
    try:
        ctx.queue.publish_home(team_id, user_id)
    except OperationalError as exc:  # the Home tab is a courtesy; the change is done and shown
        log.warning("home refresh not queued user=%s error=%s", user_id, exc)
