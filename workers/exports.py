"""`/factcheck export`: build the file in a worker and upload it to the person who asked.

The file goes to the person's DM with the bot (files_upload_v2), since they asked
privately; they can share it on from there. When it can't (Slack refuses the DM or the
upload, or the export fails to build), the person is told so where they ran the command,
through its response_url, and the task ends: nothing is retried behind their back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk.errors import SlackApiError

from factdesk.models import Claim, utcnow
from factdesk.render import exports as render_exports
from factdesk.render import refusals
from factdesk.render.links import task_link
from factdesk.services import exports
from factdesk.services.exports import Format, Organisation, Scope
from factdesk.slack import workspace_url
from factdesk.slack_refusals import SLACK_FAILURES, refusal
from workers.context import WorkerContext, for_team
from workers.tell import tell_requester

log = logging.getLogger(__name__)


def organisation(ctx: WorkerContext) -> Organisation:
    """CLAIMREVIEW_ORGANIZATION, or the workspace's name as Slack gives it."""
    name = ctx.settings.claimreview_organization
    if not name:
        try:
            name = str(ctx.slack.auth_test().get("team") or "")
        except SlackApiError as exc:
            log.info("auth.test failed: %s", exc.response.get("error"))
    return Organisation(name or "Factdesk", ctx.settings.claimreview_organization_url)


def build(
    team_id: str, channel_id: str, scope: Scope, fmt: Format, ctx: WorkerContext, now: datetime
) -> tuple[str, int]:
    """The export's text and how many claims it holds."""
    link_base = workspace_url(ctx.slack)

    def link(claim: Claim) -> str | None:
        return task_link(link_base, claim)

    with ctx.session() as session:
        if fmt is Format.CSV:
            rows = exports.claims_for_csv(
                session=session, team_id=team_id, channel_id=channel_id, scope=scope, now=now
            )
            return exports.to_csv(rows, link), len(rows)
        reviewed = exports.claims_for_claimreview(
            session=session, team_id=team_id, channel_id=channel_id, scope=scope, now=now
        )
        return (
            exports.to_claimreview(reviewed, organisation=organisation(ctx), link=link),
            len(reviewed),
        )


@for_team
def export_claims(
    team_id: str,
    channel_id: str,
    user_id: str,
    scope: str,
    fmt: str,
    ctx: WorkerContext,
    *,
    response_url: str | None = None,
    now: datetime | None = None,
) -> str | None:
    """Upload the export to the person's DM; the uploaded file's id, or None when the
    person was told why it could not be sent."""

    def tell(text: str) -> None:
        tell_requester(
            ctx, response_url=response_url, channel_id=channel_id, user_id=user_id, text=text
        )

    try:
        return _export(team_id, channel_id, user_id, scope, fmt, ctx, tell, now)
    except Exception:  # logged with its traceback here; the person is told, the task ends
        log.exception("export failed channel=%s user=%s", channel_id, user_id)
        tell(render_exports.export_crashed(channel_id, scope, fmt))
        return None


def _export(
    team_id: str,
    channel_id: str,
    user_id: str,
    scope: str,
    fmt: str,
    ctx: WorkerContext,
    tell: Callable[[str], None],
    now: datetime | None,
) -> str | None:
    now = now or utcnow()
    chosen_scope, chosen_format = Scope(scope), Format(fmt)
    content, count = build(team_id, channel_id, chosen_scope, chosen_format, ctx, now)
    comment = render_exports.export_comment(channel_id, chosen_scope, chosen_format, count)
    name = exports.filename(channel_id, chosen_scope, chosen_format, now)
    step = "conversations.open"
    try:
        dm = ctx.slack.conversations_open(users=user_id)["channel"]["id"]
        step = "files_upload_v2"
        uploaded = ctx.slack.files_upload_v2(
            channel=dm,
            content=content.encode("utf-8"),
            filename=name,
            title=name,
            initial_comment=comment,
        )
    except SLACK_FAILURES as exc:
        why = refusal(exc)
        log.warning(
            "export not sent channel=%s user=%s: %s failed: %s",
            channel_id,
            user_id,
            step,
            why.for_log(),
        )
        advice = refusals.advice(why, render_exports.export_command(scope, fmt))
        tell(render_exports.export_not_sent(channel_id, fmt, advice))
        return None
    file_id = str(uploaded["file"]["id"])
    log.info(
        "export uploaded channel=%s user=%s file=%s rows=%s", channel_id, user_id, file_id, count
    )
    return file_id
