"""Stale-task reminders, run from beat: DM nudges to assignees, one thread ping per task.

Each run sends at most REMINDER_MAX_NUDGES_PER_RUN nudged tasks and
REMINDER_MAX_PINGS_PER_RUN pinged tasks, grouped into one DM per person and one thread
message per article, so a backlog drains over several runs instead of flooding Slack.

A send Slack refuses is logged, its reservation released (the next run tries again), and
the run goes on to the next person or thread. Nobody is waiting to be told, so the log is
the only place to say it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from factdesk.errors import NotInstalled
from factdesk.models import Claim, ReminderKind, utcnow
from factdesk.render.reminders import nudge_message, ping_message
from factdesk.services import claims as claim_service
from factdesk.services import reminders
from factdesk.slack import workspace_url
from factdesk.slack_refusals import SLACK_FAILURES
from factdesk.slack_refusals import refusal as refusal_of
from workers.context import WorkerContext

log = logging.getLogger(__name__)


@dataclass
class Sent:
    """What one run sent: claim ids nudged per user, and pinged per thread."""

    nudged: dict[str, list[int]] = field(default_factory=dict)
    pinged: dict[int, list[int]] = field(default_factory=dict)


def send_reminders(ctx: WorkerContext, *, now: datetime | None = None) -> Sent:
    """Nudge assignees of stale claimed tasks and ping threads of stale unclaimed ones."""
    now = now or utcnow()
    settings = ctx.settings
    sent = Sent()
    _nudge(ctx, now, _LinkBases(ctx), sent, limit=settings.reminder_max_nudges_per_run)
    _ping(ctx, now, sent, limit=settings.reminder_max_pings_per_run)
    return sent


class _Refusals:
    """Slack's refusals of one kind of send in one run.

    A missing scope is the app's configuration, the same for everyone in the workspace:
    it is logged once, as such, and that workspace's other sends of this kind are skipped
    (released for the next run) rather than refused one by one. Any other refusal is about
    one person or thread: one line each, and the run goes on.
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self.unscoped: set[str] = set()

    def skips(self, team_id: str) -> bool:
        return team_id in self.unscoped

    def note(self, team_id: str, about: str, exc: Exception) -> None:
        refusal = refusal_of(exc)
        if not refusal.is_missing_scope:
            log.warning("%s failed %s: %s", self.what, about, refusal.for_log())
            return
        self.unscoped.add(team_id)
        log.error(
            "%s not sent team=%s: configuration problem, the app lacks the %s scope "
            "(Slack answered missing_scope); reinstall Factdesk from its manifest",
            self.what,
            team_id,
            refusal.needed or "needed",
        )


class _LinkBases:
    """Each workspace's web address, asked once per run (tasks span workspaces)."""

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self.found: dict[str, str | None] = {}

    def __call__(self, team_id: str) -> str | None:
        if team_id not in self.found:
            try:
                self.found[team_id] = workspace_url(self.ctx.slack_for(team_id))
            except NotInstalled:
                self.found[team_id] = None
        return self.found[team_id]


def _nudge(
    ctx: WorkerContext, now: datetime, link_bases: _LinkBases, sent: Sent, *, limit: int
) -> None:
    with ctx.session() as session:
        due = reminders.stale_claimed(
            session=session,
            now=now,
            claimed_after=timedelta(days=ctx.settings.reminder_claimed_days),
            limit=limit,
        )
        # People are per workspace: one DM per person per team, with that team's bot.
        by_user: dict[tuple[str, str], list[tuple[Claim, str]]] = defaultdict(list)
        for claim, key in due:
            assert claim.assignee is not None
            by_user[(claim.article.slack_team_id, claim.assignee)].append((claim, key))
        plans = []
        for (team_id, user_id), mine in by_user.items():
            held = reminders.reserve(
                session=session, claims=mine, kind=ReminderKind.NUDGE, recipient=user_id, now=now
            )
            kept = [claim for claim, _ in mine if claim.id in held.keys]
            if kept:
                message = nudge_message(kept, now, link_bases(team_id))
                plans.append((team_id, user_id, held, message))
    # The keys are committed above: whatever happens below, no task is nudged twice today.
    refusals = _Refusals("nudge")
    for team_id, user_id, held, message in plans:
        if refusals.skips(team_id):
            _release(ctx, held)
            continue
        try:
            with ctx.acting_for(team_id) as slack:
                dm = slack.conversations_open(users=user_id)["channel"]["id"]
                slack.chat_postMessage(
                    channel=dm, text=message.text, blocks=message.blocks, unfurl_links=False
                )
        except NotInstalled:
            continue  # the workspace removed the app: nothing more is sent there
        except SLACK_FAILURES as exc:
            refusals.note(team_id, f"user={user_id}", exc)
            _release(ctx, held)
            continue
        sent.nudged[user_id] = sorted(held.keys)


def _ping(ctx: WorkerContext, now: datetime, sent: Sent, *, limit: int) -> None:
    hours = ctx.settings.reminder_unclaimed_hours
    with ctx.session() as session:
        due = reminders.stale_unclaimed(
            session=session, now=now, unclaimed_after=timedelta(hours=hours), limit=limit
        )
        by_article: dict[int, list[Claim]] = defaultdict(list)
        for claim in due:
            by_article[claim.article_id].append(claim)
        plans = []
        for article_id, waiting in by_article.items():
            article = waiting[0].article
            held = reminders.reserve(
                session=session,
                claims=[(claim, reminders.ping_key(claim)) for claim in waiting],
                kind=ReminderKind.UNCLAIMED,
                recipient=article.slack_channel_id,
                now=now,
            )
            kept = [claim for claim in waiting if claim.id in held.keys]
            if not kept:
                continue
            number = claim_service.numbers(session=session, article_id=article_id)
            numbers = sorted(number[claim.id] for claim in kept)
            plans.append(
                (
                    article.slack_team_id,
                    article_id,
                    article.slack_channel_id,
                    article.slack_thread_ts,
                    held,
                    ping_message(numbers, hours),
                )
            )
    refusals = _Refusals("ping")
    for team_id, article_id, channel_id, thread_ts, held, message in plans:
        if refusals.skips(team_id):
            _release(ctx, held)
            continue
        try:
            with ctx.acting_for(team_id) as slack:
                slack.chat_postMessage(channel=channel_id, thread_ts=thread_ts, text=message.text)
        except NotInstalled:
            continue
        except SLACK_FAILURES as exc:
            refusals.note(team_id, f"article={article_id}", exc)
            _release(ctx, held)
            continue
        sent.pinged[article_id] = sorted(held.keys)


def _release(ctx: WorkerContext, held: reminders.Reserved) -> None:
    """Give the reservation back, so the next run sends it."""
    with ctx.session() as session:
        reminders.release(session=session, reserved=held)
