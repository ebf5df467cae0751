"""A person's clicks, menu picks and modal submissions, as signed requests to the bot.

Each interaction gets a response_url of its own, so a test can read exactly what the bot
told that person ephemerally.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select

from factdesk.ids import CallbackId
from factdesk.models import Claim
from standin.signing import click, pick_user, submit_view
from standin.slack_api import SlackStandIn
from tests.conftest import SIGNING_SECRET, System


def click_as(
    system: System, message: dict[str, Any], action_id: str, *, user: str, channel: str
) -> str:
    """Click a button as `user`; returns the key of the response_url the bot may answer on."""
    key = f"{user}-{message['ts']}-{uuid.uuid4().hex[:8]}"
    status, body = click(
        system.events_url,
        SIGNING_SECRET,
        message=message,
        action_id=action_id,
        user=user,
        channel=channel,
        response_url=system.slack.response_url(key),
    )
    assert status == 200, body
    return key


def pick_as(
    system: System,
    message: dict[str, Any],
    action_id: str,
    *,
    selected: str,
    user: str,
    channel: str,
) -> str:
    """Choose `selected` in a users_select menu as `user`; returns the response_url key."""
    key = f"{user}-{message['ts']}-{uuid.uuid4().hex[:8]}"
    status, body = pick_user(
        system.events_url,
        SIGNING_SECRET,
        message=message,
        action_id=action_id,
        selected_user=selected,
        user=user,
        channel=channel,
        response_url=system.slack.response_url(key),
    )
    assert status == 200, body
    return key


def answers(slack: SlackStandIn, key: str) -> list[str]:
    """What the bot said on one interaction's response_url."""
    return [
        str(call.args.get("text", ""))
        for call in slack.calls_to("response_url")
        if call.path.endswith(f"/{key}")
    ]


def wait_told(system: System, key: str, needle: str) -> str:
    """Wait until the bot tells the person something containing `needle`, ephemerally."""
    system.slack.wait_for(lambda s: any(needle in text for text in answers(s, key)), timeout=20)
    return next(text for text in answers(system.slack, key) if needle in text)


def verdict_modal(
    system: System, message: dict[str, Any], action_id: str, *, user: str, channel: str
) -> dict[str, Any]:
    """Click a verdict button and return the dialog it opened."""
    before = {view["id"] for view in system.slack.views()}
    click_as(system, message, action_id, user=user, channel=channel)

    def opened(slack: SlackStandIn) -> list[dict[str, Any]]:
        return [
            view
            for view in slack.views()
            if view["id"] not in before and view["callback_id"] == CallbackId.VERDICT_MODAL
        ]

    system.slack.wait_for(lambda s: bool(opened(s)), timeout=20)
    return opened(system.slack)[-1]


def submit(
    system: System, view: dict[str, Any], *, user: str, answers: dict[str, str | None]
) -> dict[str, Any] | None:
    """Submit a modal; returns the bot's response_action body, or None when it closed it."""
    status, body = submit_view(
        system.events_url, SIGNING_SECRET, view=view, user=user, answers=answers
    )
    assert status == 200, body
    if not body.strip():
        return None
    decoded: dict[str, Any] = json.loads(body)
    return decoded


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(view["private_metadata"])
    return decoded


def stored_claim(system: System, slack_ts: str) -> Claim:
    """The claim behind a task message, with its audit trail loaded."""
    with system.session() as session:
        claim = session.scalars(select(Claim).where(Claim.slack_ts == slack_ts)).one()
        claim.events  # noqa: B018  # load the audit trail before the session closes
        return claim


def wait_for_text(system: System, channel: str, ts: str, needle: str) -> dict[str, Any]:
    """Wait until a message's blocks or text mention `needle`; return the message."""

    def shows(slack: SlackStandIn) -> bool:
        message = slack.message(channel, ts)
        return needle in message["text"] or needle in str(message["blocks"])

    system.slack.wait_for(shows, timeout=20)
    return system.slack.message(channel, ts)


def thread_lines(system: System, channel: str, thread_ts: str) -> list[str]:
    """The thread's plain replies: what the bot announced, without the summary and tasks."""
    return [
        m["text"]
        for m in system.slack.thread(channel, thread_ts)
        if not m.get("blocks") and m.get("bot_id")
    ]
