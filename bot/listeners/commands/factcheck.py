"""`/factcheck`: fact-check a link, or one of the desk's subcommands (`/factcheck help`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import deps, link_requests, payloads, permissions
from bot.subcommands import Word, answer, parse
from factdesk.errors import NotAllowed
from factdesk.render import channel_settings, digest, exports, matches
from factdesk.render import desk as render_desk
from factdesk.services import channels


def handle_factcheck(
    ack: Ack,
    command: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    logger: logging.Logger,
) -> None:
    # Parsed before the ack, so a bad argument is answered in the ack itself.
    request = parse(command.get("text") or "")
    if request.word is Word.LINK:
        assert request.url is not None
        link_requests.from_command(ack, context, command, url=request.url, again=request.again)
    elif request.word is Word.HELP:
        ack(text=render_desk.command_help(), response_type="ephemeral")
    elif request.word is Word.UNKNOWN:
        logger.info("unknown subcommand %r", request.text[:40])
        ack(text=render_desk.unknown_subcommand(request.text), response_type="ephemeral")
    elif request.word is Word.SETTINGS:
        _open_settings(ack, command, context, client)
    elif request.word is Word.DIGEST:
        # Built in a worker (it reads a week of the audit trail); the preview follows.
        ack(text=digest.digest_requested(request.week), response_type="ephemeral")
        deps.queue(context).preview_digest(
            payloads.team_id(context, command),
            command["channel_id"],
            command["user_id"],
            request.week,
            str(command.get("response_url") or ""),
        )
    elif request.word is Word.EXPORT:
        ack(
            text=exports.export_requested(request.scope, request.fmt),
            response_type="ephemeral",
        )
        deps.queue(context).export_claims(
            payloads.team_id(context, command),
            command["channel_id"],
            command["user_id"],
            request.scope,
            request.fmt,
            str(command.get("response_url") or ""),
        )
    elif request.word is Word.SEARCH:
        # Ranked in a worker, where the embedding model lives; the answer follows.
        ack(text=matches.search_requested(request.words), response_type="ephemeral")
        deps.queue(context).search_archive(
            payloads.team_id(context, command),
            command["channel_id"],
            command["user_id"],
            request.words,
        )
    else:
        ack(text=answer(request, command, context, client), response_type="ephemeral")


def _open_settings(
    ack: Ack, command: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    team_id = payloads.team_id(context, command)
    channel_id, user_id = command["channel_id"], command["user_id"]
    with deps.session(context) as session:
        config = channels.config(
            session=session,
            team_id=team_id,
            channel_id=channel_id,
            default_cap=deps.settings(context).max_claims_per_article,
        )
    editors = config.editors
    if editors and user_id not in editors and not permissions.is_workspace_admin(client, user_id):
        raise NotAllowed(channel_settings.settings_refused(editors))
    # Opened before the ack, so Slack refusing the dialog is answered in the ack itself,
    # where the person is looking, not in a message after an empty ack.
    client.views_open(
        trigger_id=command["trigger_id"], view=channel_settings.settings_modal(channel_id, config)
    )
    ack()
