"""Build and send inbound Slack requests (events, interactions, slash commands), signed.

Our bot only trusts requests that carry a valid ``X-Slack-Signature``, so tests and the
demo reach it the way Slack would: a real HTTP POST with the documented payload shape,
signed with the app's signing secret (v0 HMAC-SHA256 over ``v0:{timestamp}:{body}``).

Every sender refuses any URL that is not on the loopback interface.  That guard is the
point of routing all posts through this module: a mistyped setting in a test can never
send traffic off the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from email.message import Message
from typing import IO, Any
from urllib.parse import urlencode, urlsplit

from standin.slack_api import DEFAULT_APP_ID, DEFAULT_CHANNELS, DEFAULT_USERS

__all__ = [
    "LOCAL_HOSTS",
    "app_mention_event",
    "block_actions",
    "ensure_local",
    "message_event",
    "post_command",
    "post_event",
    "post_interaction",
    "sign",
    "slash_command",
]

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_TEAM_DOMAIN = "factdesk-demo"
DEFAULT_BOT_USER_ID = "UFACTBOT"
# Slack puts a verification token in every payload; signed requests make it obsolete, so
# a fixed dummy keeps the shape honest without pretending to be a secret.
VERIFICATION_TOKEN = "standin-verification-token"  # noqa: S105


def sign(
    body: bytes,
    secret: str,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """Headers that make ``body`` verify against ``secret`` the way Slack signs requests.

    ``timestamp`` defaults to now; pass an old one to test replay protection.
    ``content_type``, when given, is added as ``Content-Type``.
    """
    ts = int(time.time()) if timestamp is None else int(timestamp)
    base = b"v0:" + str(ts).encode("ascii") + b":" + body
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    headers = {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": f"v0={digest}",
    }
    if content_type is not None:
        headers["Content-Type"] = content_type
    return headers


def _user_name(user: str) -> str:
    known = DEFAULT_USERS.get(user)
    return known[0] if known else user.lower()


def _channel_name(channel: str) -> str:
    return DEFAULT_CHANNELS.get(channel, channel.lower())


def _trigger_id() -> str:
    now = int(time.time())
    return f"{now}.{uuid.uuid4().int % 10**9}.{uuid.uuid4().hex[:20]}"


def message_event(
    *,
    text: str,
    channel: str,
    user: str,
    ts: str,
    team_id: str = "T0FACTDESK",
    api_app_id: str = DEFAULT_APP_ID,
    thread_ts: str | None = None,
    subtype: str | None = None,
    bot_id: str | None = None,
    event_id: str | None = None,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
) -> dict[str, Any]:
    """An ``event_callback`` envelope around a ``message`` event, as the Events API sends it.

    ``bot_user_id`` is the installing bot, named in ``authorizations``.
    """
    event: dict[str, Any] = {
        "type": "message",
        "user": user,
        "ts": ts,
        "text": text,
        "team": team_id,
        "channel": channel,
        "event_ts": ts,
        "channel_type": "channel",
    }
    if bot_id is None and subtype is None:
        # People's messages carry a client id and a rich_text rendering of the text.
        event["client_msg_id"] = str(uuid.uuid4())
        event["blocks"] = [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:5],
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [{"type": "text", "text": text}],
                    }
                ],
            }
        ]
    if bot_id is not None:
        event["bot_id"] = bot_id
        event["app_id"] = api_app_id
    if subtype is not None:
        event["subtype"] = subtype
    return _person_event_envelope(
        event,
        thread_ts=thread_ts,
        team_id=team_id,
        api_app_id=api_app_id,
        event_id=event_id,
        bot_user_id=bot_user_id,
    )


def _person_event_envelope(
    event: dict[str, Any],
    *,
    thread_ts: str | None,
    team_id: str,
    api_app_id: str,
    event_id: str | None,
    bot_user_id: str,
) -> dict[str, Any]:
    """The envelope of an event about a person's message, threaded as Slack threads it."""
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        if thread_ts != event["ts"]:
            event["parent_user_id"] = event["user"]
    envelope = _bot_event_envelope(
        event,
        team_id=team_id,
        api_app_id=api_app_id,
        event_id=event_id,
        event_time=int(float(event["ts"])),
        bot_user_id=bot_user_id,
    )
    envelope["event_context"] = f"4-{uuid.uuid4().hex}"
    return envelope


_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def app_mention_event(
    *,
    text: str,
    channel: str,
    user: str,
    ts: str,
    team_id: str = "T0FACTDESK",
    api_app_id: str = DEFAULT_APP_ID,
    thread_ts: str | None = None,
    event_id: str | None = None,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
) -> dict[str, Any]:
    """An ``event_callback`` envelope around ``app_mention``, as the Events API sends it
    for a person's message that mentions the bot (``<@UFACTBOT> …`` in ``text``).

    Slack sends it besides the ``message`` event for the same message, with an event_id
    of its own, when the app subscribes to both (docs.slack.dev/reference/events/
    app_mention): the event is the message, without ``channel_type``.
    """
    elements: list[dict[str, Any]] = []
    for index, part in enumerate(_USER_MENTION.split(text)):
        if index % 2:
            elements.append({"type": "user", "user_id": part})
        elif part:
            elements.append({"type": "text", "text": part})
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "ts": ts,
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "team": team_id,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": uuid.uuid4().hex[:5],
                "elements": [{"type": "rich_text_section", "elements": elements}],
            }
        ],
        "channel": channel,
        "event_ts": ts,
    }
    return _person_event_envelope(
        event,
        thread_ts=thread_ts,
        team_id=team_id,
        api_app_id=api_app_id,
        event_id=event_id,
        bot_user_id=bot_user_id,
    )


def _find_action(
    message: Mapping[str, Any], action_id: str
) -> tuple[str | None, dict[str, Any] | None]:
    """Locate the element with ``action_id`` in the message's blocks: (block_id, element)."""
    for block in message.get("blocks") or []:
        if not isinstance(block, dict):
            continue
        candidates = list(block.get("elements") or [])
        if block.get("accessory") is not None:
            candidates.append(block["accessory"])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, None


def block_actions(
    *,
    action_id: str,
    value: str,
    user: str,
    channel: str,
    message: dict[str, Any],
    block_id: str | None = None,
    team_id: str = "T0FACTDESK",
    response_url: str = "",
    trigger_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a button click on ``message``.

    When ``block_id`` is omitted it is taken from the block that holds ``action_id`` in
    ``message["blocks"]``, and the button's text comes from there too, so a test can click
    a button exactly as the bot rendered it.
    """
    found_block_id, element = _find_action(message, action_id)
    if block_id is None:
        block_id = found_block_id or uuid.uuid4().hex[:5]
    text = (element or {}).get("text") or {"type": "plain_text", "text": value, "emoji": True}
    user_name = _user_name(user)
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message.get("ts", ""),
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id if trigger_id is not None else _trigger_id(),
        "team": {"id": team_id, "domain": team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": _channel_name(channel)},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": text,
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def slash_command(
    *,
    command: str,
    text: str,
    user: str,
    channel: str,
    team_id: str = "T0FACTDESK",
    response_url: str = "",
    trigger_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
) -> dict[str, str]:
    """The form fields Slack posts for a slash command."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel,
        "channel_name": _channel_name(channel),
        "user_id": user,
        "user_name": _user_name(user),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id if trigger_id is not None else _trigger_id(),
    }


def post_event(
    url: str,
    envelope: dict[str, Any],
    secret: str,
    *,
    retry_num: int | None = None,
    timeout: float = 10,
) -> tuple[int, str]:
    """POST an Events API envelope as signed JSON; returns (status, body text).

    ``retry_num`` adds the headers Slack sends when it redelivers an event it thinks
    timed out, to test the bot's de-duplication.
    """
    body = json.dumps(envelope).encode("utf-8")
    headers = sign(body, secret, content_type="application/json")
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return _post(url, body, headers, timeout)


def post_interaction(
    url: str, payload: dict[str, Any], secret: str, *, timeout: float = 10
) -> tuple[int, str]:
    """POST an interaction the way Slack does: a form with one ``payload`` JSON field."""
    body = urlencode({"payload": json.dumps(payload)}).encode("utf-8")
    headers = sign(body, secret, content_type="application/x-www-form-urlencoded")
    return _post(url, body, headers, timeout)


def click(
    url: str,
    secret: str,
    *,
    message: dict[str, Any],
    action_id: str,
    user: str,
    channel: str,
    response_url: str = "",
) -> tuple[int, str]:
    """Click the button ``action_id`` on a stored message, as Slack would deliver it."""
    payload = button_click(
        message=message, action_id=action_id, user=user, channel=channel, response_url=response_url
    )
    return post_interaction(url, payload, secret)


def button_click(
    *, message: dict[str, Any], action_id: str, user: str, channel: str, response_url: str = ""
) -> dict[str, Any]:
    """The block_actions payload of clicking the button ``action_id`` on a stored message."""
    _, button = _find_action(message, action_id)
    if button is None:
        raise LookupError(f"no {action_id!r} button on message {message.get('ts')}")
    return block_actions(
        action_id=action_id,
        value=str(button.get("value", "")),
        user=user,
        channel=channel,
        message=message,
        response_url=response_url,
    )


def post_command(
    url: str, form: dict[str, str], secret: str, *, timeout: float = 10
) -> tuple[int, str]:
    """POST slash-command form fields, signed."""
    body = urlencode(form).encode("utf-8")
    headers = sign(body, secret, content_type="application/x-www-form-urlencoded")
    return _post(url, body, headers, timeout)


def ensure_local(url: str) -> None:
    """Raise ``ValueError`` unless ``url`` is http(s) on 127.0.0.1, localhost or ::1."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOCAL_HOSTS:
        raise ValueError(f"refusing to send a test request off this machine: {url!r}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could point anywhere, so it is returned as the answer, not followed."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


# An empty ProxyHandler ignores *_proxy variables: loopback traffic must stay loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    ensure_local(url)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        # Non-2xx answers are results to assert on, not failures of the helper.
        with exc:
            return int(exc.code), exc.read().decode("utf-8", "replace")


def view_submission(
    *,
    view: Mapping[str, Any],
    user: str,
    answers: Mapping[str, str | None],
    team_id: str = "T0FACTDESK",
    api_app_id: str = DEFAULT_APP_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
) -> dict[str, Any]:
    """A ``view_submission`` payload: ``user`` fills in ``view``'s inputs and presses Submit.

    ``view`` is the modal as the stand-in stored it (``SlackStandIn.view(view_id)``);
    ``answers`` maps an input block's ``block_id`` to the text typed in it (None for a
    field left empty). Each answer lands under the input element's ``action_id`` in
    ``view.state.values``, the way Slack reports it.
    """
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element") or {}
        block_id = str(block.get("block_id") or "")
        if block_id not in answers:
            continue
        values[block_id] = {
            str(element.get("action_id")): {
                "type": element.get("type", "plain_text_input"),
                "value": answers[block_id],
            }
        }
    unknown = set(answers) - set(values)
    if unknown:
        raise LookupError(f"no input blocks {sorted(unknown)} in view {view.get('id')}")
    user_name = _user_name(user)
    submitted = {
        **dict(view),
        "state": {"values": values},
        "hash": view.get("hash") or f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
    }
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": team_domain},
        "user": {"id": user, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(),
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def submit_view(
    url: str,
    secret: str,
    *,
    view: Mapping[str, Any],
    user: str,
    answers: Mapping[str, str | None],
) -> tuple[int, str]:
    """Submit a stored modal with ``answers`` as ``user``; returns (status, body text).

    The body is what the app acked with: empty to close the modal, or Slack's
    ``{"response_action": "errors", "errors": {...}}`` to keep it open.
    """
    return post_interaction(url, view_submission(view=view, user=user, answers=answers), secret)


def pick_user(
    url: str,
    secret: str,
    *,
    message: dict[str, Any],
    action_id: str,
    selected_user: str,
    user: str,
    channel: str,
    response_url: str = "",
) -> tuple[int, str]:
    """Choose ``selected_user`` in the ``users_select`` menu ``action_id`` on a stored message."""
    payload = user_pick(
        message=message,
        action_id=action_id,
        selected_user=selected_user,
        user=user,
        channel=channel,
        response_url=response_url,
    )
    return post_interaction(url, payload, secret)


def user_pick(
    *,
    message: dict[str, Any],
    action_id: str,
    selected_user: str,
    user: str,
    channel: str,
    response_url: str = "",
) -> dict[str, Any]:
    """The block_actions payload of choosing ``selected_user`` in the ``users_select``
    menu ``action_id`` on a stored message."""
    block_id, menu = _find_action(message, action_id)
    if menu is None or menu.get("type") != "users_select":
        raise LookupError(f"no {action_id!r} users_select on message {message.get('ts')}")
    payload = block_actions(
        action_id=action_id,
        value="",
        user=user,
        channel=channel,
        message=message,
        response_url=response_url,
    )
    action = payload["actions"][0]
    del action["value"], action["text"]
    action.update(
        {
            "block_id": block_id,
            "type": "users_select",
            "selected_user": selected_user,
            "initial_user": menu.get("initial_user"),
        }
    )
    if action["initial_user"] is None:
        del action["initial_user"]
    return payload


def view_state(
    view: Mapping[str, Any], answers: Mapping[str, str | list[str] | None]
) -> dict[str, dict[str, Any]]:
    """``view.state.values`` for ``answers``, shaped by each input element's type.

    ``answers`` maps an input block's ``block_id`` to what the person chose: text for text
    and number inputs, an option ``value`` for radio buttons and static selects, a list of
    option values for checkboxes, a list of user ids for a users multi-select, and None
    for a field left empty. Options are copied from the view, as Slack reports them.
    """
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        block_id = str(block.get("block_id") or "")
        if block_id not in answers:
            continue
        element = block.get("element") or {}
        kind = str(element.get("type", "plain_text_input"))
        answer = answers[block_id]
        options = {str(o.get("value")): o for o in element.get("options") or []}
        state: dict[str, Any] = {"type": kind}
        if kind in ("checkboxes", "multi_static_select"):
            chosen = [answer] if isinstance(answer, str) else list(answer or [])
            state["selected_options"] = [options[value] for value in chosen]
        elif kind in ("radio_buttons", "static_select"):
            state["selected_option"] = options[str(answer)] if answer is not None else None
        elif kind == "multi_users_select":
            state["selected_users"] = [answer] if isinstance(answer, str) else list(answer or [])
        elif kind == "users_select":
            state["selected_user"] = answer
        else:
            state["value"] = answer
        values[block_id] = {str(element.get("action_id")): state}
    unknown = set(answers) - set(values)
    if unknown:
        raise LookupError(f"no input blocks {sorted(unknown)} in view {view.get('id')}")
    return values


def submit_view_state(
    url: str,
    secret: str,
    *,
    view: Mapping[str, Any],
    user: str,
    answers: Mapping[str, str | list[str] | None],
) -> tuple[int, str]:
    """Like :func:`submit_view`, for forms with checkboxes, selects and user pickers."""
    payload = view_submission(view=view, user=user, answers={})
    payload["view"]["state"] = {"values": view_state(view, answers)}
    return post_interaction(url, payload, secret)


def app_home_opened(
    *,
    user: str,
    tab: str = "home",
    team_id: str = "T0FACTDESK",
    api_app_id: str = DEFAULT_APP_ID,
    view: Mapping[str, Any] | None = None,
    event_id: str | None = None,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
) -> dict[str, Any]:
    """An ``event_callback`` envelope around ``app_home_opened``, as the Events API sends it.

    ``view`` is the Home view already published for the user, if any (Slack includes it).
    """
    now = time.time()
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{uuid.uuid4().hex[:10].upper()}",
        "tab": tab,
        "event_ts": f"{now:.6f}",
    }
    if view is not None:
        event["view"] = dict(view)
    return _bot_event_envelope(
        event,
        team_id=team_id,
        api_app_id=api_app_id,
        event_id=event_id,
        event_time=int(now),
        bot_user_id=bot_user_id,
    )


def message_action(
    *,
    callback_id: str,
    message: Mapping[str, Any],
    user: str,
    channel: str,
    team_id: str = "T0FACTDESK",
    response_url: str = "",
    trigger_id: str | None = None,
    api_app_id: str = DEFAULT_APP_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
) -> dict[str, Any]:
    """A ``message_action`` payload: ``user`` runs the message shortcut on ``message``.

    ``message`` is the message as the stand-in stored it (``SlackStandIn.message``); Slack
    sends it whole, ``thread_ts`` included when it is a reply.
    """
    user_name = _user_name(user)
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": team_id, "domain": team_domain},
        "user": {"id": user, "username": user_name, "name": user_name, "team_id": team_id},
        "channel": {"id": channel, "name": _channel_name(channel)},
        "is_enterprise_install": False,
        "enterprise": None,
        "api_app_id": api_app_id,
        "callback_id": callback_id,
        "trigger_id": trigger_id if trigger_id is not None else _trigger_id(),
        "response_url": response_url,
        "message_ts": message.get("ts", ""),
        "message": dict(message),
    }


def app_event(
    event: dict[str, Any],
    *,
    team_id: str = "T0FACTDESK",
    api_app_id: str = DEFAULT_APP_ID,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An ``event_callback`` envelope around an app event (``app_uninstalled``,
    ``tokens_revoked``, …), as the Events API sends it."""
    now = time.time()
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": {"event_ts": f"{now:.6f}", **event},
        "type": "event_callback",
        "event_id": event_id if event_id is not None else f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(now),
    }


def app_uninstalled(*, team_id: str = "T0FACTDESK") -> dict[str, Any]:
    """The event Slack sends when a workspace removes the app."""
    return app_event({"type": "app_uninstalled"}, team_id=team_id)


def app_rate_limited(
    *, team_id: str = "T0FACTDESK", minute: int | None = None, api_app_id: str = DEFAULT_APP_ID
) -> dict[str, Any]:
    """The notice Slack sends to the events URL when it rate-limits a workspace's events:
    a whole payload of its own, with no inner event (docs.slack.dev/reference/events/
    app_rate_limited)."""
    now = int(time.time()) if minute is None else minute
    return {
        "token": VERIFICATION_TOKEN,
        "type": "app_rate_limited",
        "team_id": team_id,
        "minute_rate_limited": now - now % 60,
        "api_app_id": api_app_id,
    }


def tokens_revoked(
    *, team_id: str = "T0FACTDESK", bot: list[str] | None = None, oauth: list[str] | None = None
) -> dict[str, Any]:
    """The event Slack sends when a workspace revokes the app's tokens (by user id)."""
    tokens = {"oauth": oauth or [], "bot": bot or []}
    return app_event({"type": "tokens_revoked", "tokens": tokens}, team_id=team_id)


def _bot_event_envelope(
    event: dict[str, Any],
    *,
    team_id: str,
    api_app_id: str,
    event_id: str | None,
    event_time: int,
    bot_user_id: str,
) -> dict[str, Any]:
    """The ``event_callback`` wrapper Slack puts around an event for an installed bot."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id if event_id is not None else f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
