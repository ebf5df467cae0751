"""Weekly digests: the beat's tick finds due channels; each is posted exactly once.

Exactly once, even with two beats, a re-run task or a worker killed mid-post:

1. The tick only *enqueues*; `post_digest` claims the week in the database first (a unique
   row per team, channel and week, committed before anything is posted). A second task
   finds the row and stops.
2. The digest goes out with Slack message metadata naming the channel and week; its `ts`
   is recorded at once (claimed -> posted).
3. A claim left behind by a dead worker goes stale after DIGEST_CLAIM_STALE_SECONDS
   (longer than any task may run). The next tick re-enqueues the week; the task takes the
   claim over and first looks in the channel's history for the tagged message, adopting
   its `ts` instead of posting again. It reads only the window the message can have gone
   out in, 15 at a time (workers/slack_reads.py: outside the Slack Marketplace history
   and replies are one request a minute).
4. The chart goes in the digest's thread the same way: marked as begun, uploaded, its
   file id recorded. Only a run after a crash mid-upload reads the thread for it, so the
   weekly digest itself calls neither conversations.history nor conversations.replies.

The workspace's timezone (for channels that set none): WORKSPACE_TIMEZONE when set, else
the timezone most common among the people who recently shared links or took tasks there
(`users.info`), else UTC. Slack has no workspace timezone of its own to ask for.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta

from slack_sdk.errors import SlackApiError

from factdesk.errors import NotInstalled
from factdesk.metrics import DIGEST_RUNS
from factdesk.models import DigestPost, DigestState, utcnow
from factdesk.render import charts as render_charts
from factdesk.render import digest as render_digest
from factdesk.services import channels, digest_charts, digests
from factdesk.services.digests import Digest, Week
from factdesk.slack import workspace_url
from factdesk.slack_refusals import SLACK_FAILURES
from factdesk.slack_refusals import refusal as refusal_of
from workers import slack_reads
from workers.context import WorkerContext, for_team, for_team_or
from workers.tell import by_response_url

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "UTC"
TIMEZONE_TTL = 6 * 3600.0
# Pages of 15 read looking for a digest or chart a dead worker posted. Outside the
# Marketplace each page after the first waits a minute, and the task has two.
HISTORY_PAGES = 2
# For the worker's clock against Slack's.
CLOCK_SKEW = timedelta(minutes=1)

_timezones: dict[str, tuple[str, float]] = {}
_timezones_lock = threading.Lock()


def workspace_timezone(ctx: WorkerContext, team_id: str) -> str:
    """The timezone digests use when a channel names none (see the module docstring)."""
    configured = ctx.settings.workspace_timezone
    if configured and channels.is_timezone(configured):
        return configured
    with _timezones_lock:
        cached = _timezones.get(team_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
    try:
        slack = ctx.slack_for(team_id)
    except NotInstalled:
        return DEFAULT_TIMEZONE  # nothing is posted there any more
    with ctx.session() as session:
        people = digests.desk_people(session=session, team_id=team_id)
    votes: Counter[str] = Counter()
    for user_id in people:
        try:
            tz = (slack.users_info(user=user_id).get("user") or {}).get("tz")
        except SlackApiError as exc:
            log.info("users.info failed user=%s: %s", user_id, exc.response.get("error"))
            continue
        if isinstance(tz, str) and channels.is_timezone(tz):
            votes[tz] += 1
    # Ties go to the alphabetically first zone, so every worker picks the same one.
    chosen = min(votes, key=lambda tz: (-votes[tz], tz)) if votes else DEFAULT_TIMEZONE
    with _timezones_lock:
        _timezones[team_id] = (chosen, time.monotonic() + TIMEZONE_TTL)
    return chosen


def channel_schedule(ctx: WorkerContext, team_id: str, channel_id: str) -> channels.Config:
    with ctx.session() as session:
        return channels.config(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            default_cap=ctx.settings.max_claims_per_article,
        )


def channel_timezone(ctx: WorkerContext, team_id: str, config: channels.Config) -> str:
    return config.digest_timezone or workspace_timezone(ctx, team_id)


def digest_tick(ctx: WorkerContext, *, now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Queue a digest for every channel whose schedule has passed this week; what it queued."""
    now = now or utcnow()
    stale_after = timedelta(seconds=ctx.settings.digest_claim_stale_seconds)
    catch_up = timedelta(hours=ctx.settings.digest_catch_up_hours)
    with ctx.session() as session:
        found = digests.channels_with_articles(session=session)
    queued = []
    for team_id, channel_id in found:
        config = channel_schedule(ctx, team_id, channel_id)
        if not config.digest_enabled:
            continue
        week = digests.due_week(
            now,
            weekday=config.digest_weekday,
            hour=config.digest_hour,
            timezone=channel_timezone(ctx, team_id, config),
            catch_up=catch_up,
        )
        if week is None:
            continue
        with ctx.session() as session:
            post = digests.get_post(
                session=session, team_id=team_id, channel_id=channel_id, week_start=week.start
            )
            if post is None or digests.is_stale(post, now=now, stale_after=stale_after):
                ctx.queue.post_digest(team_id, channel_id, week.start.isoformat())
                queued.append((team_id, channel_id, week.start.isoformat()))
    return queued


def post_digest(
    team_id: str,
    channel_id: str,
    week_start: str,
    ctx: WorkerContext,
    *,
    now: datetime | None = None,
) -> str:
    """Post the channel's digest for the week once; returns what happened, also counted."""
    outcome = _post_digest(team_id, channel_id, week_start, ctx, now=now)
    DIGEST_RUNS.labels(outcome=outcome).inc()
    return outcome


@for_team_or("not installed")
def _post_digest(
    team_id: str,
    channel_id: str,
    week_start: str,
    ctx: WorkerContext,
    *,
    now: datetime | None = None,
) -> str:
    now = now or utcnow()
    start = date.fromisoformat(week_start)
    with ctx.session() as session:
        claimed = digests.claim_post(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            week_start=start,
            token=uuid.uuid4().hex,
            now=now,
            stale_after=timedelta(seconds=ctx.settings.digest_claim_stale_seconds),
        )
    if claimed is None:
        log.info("digest already handled team=%s channel=%s week=%s", team_id, channel_id, start)
        return "already"
    config = channel_schedule(ctx, team_id, channel_id)
    week = Week(start, channel_timezone(ctx, team_id, config))
    link_base = workspace_url(ctx.slack)
    with ctx.session() as session:
        digest = digests.build(
            session=session, team_id=team_id, channel_id=channel_id, week=week, now=now
        )
        message = render_digest.message(digest, link_base)
    ts = None
    if claimed.taken_over:
        try:
            ts = _find_posted(ctx, channel_id, week_start, claimed)
        except SlackApiError as exc:
            # Not knowing whether the dead worker posted it, posting could double it: the
            # claim goes stale again and the next tick looks once more (say, after a rate
            # limit this task had no time left to wait out).
            log.warning("digest deferred channel=%s: %s", channel_id, exc.response.get("error"))
            return "deferred"
    if ts is None and digest.quiet:
        with ctx.session() as session:
            digests.finish_post(
                session=session, claimed=claimed, state=DigestState.SKIPPED, ts=None, now=now
            )
        log.info("digest skipped, a quiet week channel=%s week=%s", channel_id, start)
        return "quiet"
    outcome = "adopted"
    if ts is None:
        response = ctx.slack.chat_postMessage(
            channel=channel_id,
            text=message.text,
            blocks=message.blocks,
            metadata=render_digest.metadata(digest),
            unfurl_links=False,
            unfurl_media=False,
        )
        ts = str(response["ts"])
        outcome = "posted"
    with ctx.session() as session:
        kept = digests.finish_post(
            session=session, claimed=claimed, state=DigestState.POSTED, ts=ts, now=now
        )
    if not kept:
        # Only possible if this task outlived the stale limit; the taker looks before posting.
        log.warning("digest claim lost channel=%s week=%s ts=%s", channel_id, start, ts)
        return "lost"
    _ensure_chart(ctx, claimed.post_id, channel_id, ts, digest)
    log.info("digest %s channel=%s week=%s ts=%s", outcome, channel_id, start, ts)
    return outcome


def _find_posted(
    ctx: WorkerContext, channel_id: str, week_start: str, claimed: digests.Claimed
) -> str | None:
    """The ts of the week's digest if a dead worker did post it.

    A holder posts before its claim goes stale, so the digest can only have gone out
    between the first claim and the last one's going stale: only that window of the
    channel's history is read, newest first, however busy the channel was since.
    """
    stale_after = timedelta(seconds=ctx.settings.digest_claim_stale_seconds)
    window = slack_reads.messages(
        ctx.slack.conversations_history,
        max_pages=HISTORY_PAGES,
        channel=channel_id,
        oldest=slack_reads.slack_ts(claimed.first_claimed - CLOCK_SKEW),
        latest=slack_reads.slack_ts(claimed.since + stale_after + CLOCK_SKEW),
    )
    for message in window:
        if render_digest.is_digest_message(message, channel_id=channel_id, week_start=week_start):
            return str(message["ts"])
    return None


def _find_chart(
    ctx: WorkerContext, channel_id: str, ts: str, name: str, begun: datetime
) -> str | None:
    """The file id of the chart named `name` in the digest's thread, uploaded since `begun`."""
    replies = slack_reads.messages(
        ctx.slack.conversations_replies,
        max_pages=HISTORY_PAGES,
        channel=channel_id,
        ts=ts,
        oldest=slack_reads.slack_ts(begun - CLOCK_SKEW),
    )
    for reply in replies:
        for shared in reply.get("files") or []:
            if shared.get("name") == name:
                return str(shared["id"])
    return None


def _ensure_chart(
    ctx: WorkerContext, post_id: int, channel_id: str, ts: str, digest: Digest
) -> None:
    """Upload the chart in the digest's thread, once.

    The upload is marked as begun first; only when an earlier run began it (and died
    before recording the file) is the thread read, to adopt what that run uploaded.
    """
    name = render_charts.chart_filename(digest)
    with ctx.session() as session:
        post = session.get(DigestPost, post_id)
        if post is None or post.chart_file_id:
            return
        begun = digest_charts.start_chart(session=session, post=post, now=utcnow())
    try:
        if begun is not None:
            found = _find_chart(ctx, channel_id, ts, name, begun)
            if found is not None:
                _set_chart(ctx, post_id, found)
                return
        # matplotlib loads on the first chart (`render.charts`): only a weekly digest draws.
        png = render_charts.claims_per_day(digest.per_day, title=render_charts.chart_title(digest))
        uploaded = ctx.slack.files_upload_v2(
            channel=channel_id,
            thread_ts=ts,
            file=png,
            filename=name,
            title=render_charts.chart_title(digest),
            alt_txt=render_charts.chart_alt_text(digest),
        )
    except SLACK_FAILURES as exc:
        # The digest itself is out; a missing chart is not worth a second digest.
        refusal = refusal_of(exc)
        log.warning(
            "digest chart not uploaded, the digest went out without it channel=%s: %s%s",
            channel_id,
            refusal.for_log(),
            ": a configuration problem, reinstall Factdesk from its manifest"
            if refusal.is_missing_scope
            else "",
        )
        return
    _set_chart(ctx, post_id, str(uploaded["file"]["id"]))


def _set_chart(ctx: WorkerContext, post_id: int, file_id: str) -> None:
    with ctx.session() as session:
        digest_charts.set_chart(session=session, post_id=post_id, file_id=file_id)


@for_team
def preview_digest(
    team_id: str,
    channel_id: str,
    user_id: str,
    which: str,
    ctx: WorkerContext,
    *,
    response_url: str | None = None,
    now: datetime | None = None,
) -> None:
    """Show one person the channel's digest for this week so far, or last week's: in the
    channel, else through their command's response_url, else in their DM."""
    now = now or utcnow()
    config = channel_schedule(ctx, team_id, channel_id)
    week = digests.current_week(
        now, weekday=config.digest_weekday, timezone=channel_timezone(ctx, team_id, config)
    )
    if which == render_digest.LAST_WEEK:
        week = week.previous
    link_base = workspace_url(ctx.slack)
    with ctx.session() as session:
        digest = digests.build(
            session=session, team_id=team_id, channel_id=channel_id, week=week, now=now
        )
        message = render_digest.message(digest, link_base, preview=which)
    try:
        ctx.slack.chat_postEphemeral(
            channel=channel_id, user=user_id, text=message.text, blocks=message.blocks
        )
        return
    except SLACK_FAILURES as exc:
        # Not in the channel (or it is a DM with someone else): the command's response_url
        # still reaches the person there; without one, their DM.
        log.info("digest preview not in channel user=%s: %s", user_id, refusal_of(exc).for_log())
    if response_url and by_response_url(
        response_url, user_id=user_id, text=message.text, blocks=message.blocks
    ):
        return
    try:
        dm = ctx.slack.conversations_open(users=user_id)["channel"]["id"]
        ctx.slack.chat_postMessage(channel=dm, text=message.text, blocks=message.blocks)
    except SLACK_FAILURES as exc:
        log.warning(
            "digest preview not delivered user=%s channel=%s: %s",
            user_id,
            channel_id,
            refusal_of(exc).for_log(),
        )
