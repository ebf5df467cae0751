"""Signed inbound requests: shapes, signatures slack_sdk accepts, and the loopback guard."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from standin import signing

SECRET = "test-signing-secret"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny app stand-in that records what it was sent."""

    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    extra_headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            target = holder[0]
            target.requests.append(
                Received(self.path, dict(self.headers.items()), self.rfile.read(length))
            )
            self.send_response(target.status)
            for name, value in target.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "8")
            self.end_headers()
            self.wfile.write(b"received")

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/slack/events"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _verifies(received: Received) -> bool:
    return SignatureVerifier(SECRET).is_valid_request(received.body, received.headers)


def test_sign_matches_slack_sdk_verifier() -> None:
    body = b'{"type":"url_verification"}'
    headers = signing.sign(body, SECRET)

    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b" ", headers)


def test_sign_is_deterministic_for_a_timestamp() -> None:
    first = signing.sign(b"x", SECRET, 1_700_000_000)
    assert first == signing.sign(b"x", SECRET, 1_700_000_000)
    assert first["X-Slack-Request-Timestamp"] == "1700000000"
    assert first["X-Slack-Signature"].startswith("v0=")
    assert "Content-Type" not in first
    typed = signing.sign(b"x", SECRET, content_type="application/json")
    assert typed["Content-Type"] == "application/json"


def test_old_timestamps_are_rejected_by_the_verifier() -> None:
    stale = signing.sign(b"{}", SECRET, int(time.time()) - 10 * 60)
    assert not SignatureVerifier(SECRET).is_valid_request(b"{}", stale)


def test_message_event_shape() -> None:
    envelope = signing.message_event(
        text="see https://example.org/a", channel="C0NEWSDESK", user="U0ANA", ts="1732480000.000100"
    )

    assert envelope["type"] == "event_callback"
    assert envelope["team_id"] == "T0FACTDESK"
    assert envelope["api_app_id"] == "A0FACTDESK"
    assert envelope["event_id"].startswith("Ev")
    assert envelope["event_time"] == 1732480000
    assert envelope["is_ext_shared_channel"] is False
    assert envelope["authorizations"][0]["user_id"] == "UFACTBOT"
    event = envelope["event"]
    assert event["type"] == "message"
    assert event["channel_type"] == "channel"
    assert event["channel"] == "C0NEWSDESK"
    assert event["user"] == "U0ANA"
    assert event["ts"] == event["event_ts"] == "1732480000.000100"
    assert "subtype" not in event
    assert "thread_ts" not in event


def test_message_event_options() -> None:
    envelope = signing.message_event(
        text="bot says",
        channel="C0GENERAL",
        user="UFACTBOT",
        ts="1732480001.000200",
        thread_ts="1732480000.000100",
        subtype="bot_message",
        bot_id="BFACTBOT",
        event_id="Ev0FIXED",
    )
    event = envelope["event"]

    assert envelope["event_id"] == "Ev0FIXED"
    assert event["thread_ts"] == "1732480000.000100"
    assert event["subtype"] == "bot_message"
    assert event["bot_id"] == "BFACTBOT"


def test_block_actions_shape() -> None:
    message = {
        "ts": "1732480000.000100",
        "text": "Claim 1",
        "blocks": [
            {
                "type": "actions",
                "block_id": "claim-1",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "claim_approve",
                        "text": {"type": "plain_text", "text": "Approve"},
                        "value": "1",
                    }
                ],
            }
        ],
    }

    payload = signing.block_actions(
        action_id="claim_approve",
        value="1",
        user="U0ANA",
        channel="C0NEWSDESK",
        message=message,
        response_url="http://127.0.0.1:1/response/x",
    )

    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": "U0ANA",
        "username": "ana",
        "name": "ana",
        "team_id": "T0FACTDESK",
    }
    assert payload["container"] == {
        "type": "message",
        "message_ts": "1732480000.000100",
        "channel_id": "C0NEWSDESK",
        "is_ephemeral": False,
    }
    assert payload["team"] == {"id": "T0FACTDESK", "domain": "factdesk-demo"}
    assert payload["channel"] == {"id": "C0NEWSDESK", "name": "newsdesk"}
    assert payload["enterprise"] is None
    assert payload["is_enterprise_install"] is False
    assert payload["state"] == {"values": {}}
    assert payload["message"] is message
    assert payload["trigger_id"]
    (action,) = payload["actions"]
    assert action["action_id"] == "claim_approve"
    assert action["block_id"] == "claim-1"  # found in the message
    assert action["text"] == {"type": "plain_text", "text": "Approve"}
    assert action["type"] == "button"
    assert action["value"] == "1"


def test_slash_command_fields() -> None:
    form = signing.slash_command(
        command="/factcheck", text="https://example.org", user="U0BEN", channel="C0GENERAL"
    )

    assert form["command"] == "/factcheck"
    assert form["text"] == "https://example.org"
    assert form["user_id"] == "U0BEN"
    assert form["user_name"] == "ben"
    assert form["channel_id"] == "C0GENERAL"
    assert form["channel_name"] == "general"
    assert form["team_id"] == "T0FACTDESK"
    assert all(isinstance(v, str) for v in form.values())


def test_post_event_is_signed_json(receiver: Receiver) -> None:
    envelope = signing.message_event(text="hi", channel="C0GENERAL", user="U0ANA", ts="1.000001")

    status, body = signing.post_event(receiver.url, envelope, SECRET, retry_num=1)

    assert (status, body) == (200, "received")
    (received,) = receiver.requests
    assert received.path == "/slack/events"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["X-Slack-Retry-Num"] == "1"
    assert json.loads(received.body) == envelope
    assert _verifies(received)


def test_post_interaction_is_signed_form(receiver: Receiver) -> None:
    payload = signing.block_actions(
        action_id="a", value="v", user="U0ANA", channel="C0GENERAL", message={"ts": "1.000001"}
    )

    status, _ = signing.post_interaction(receiver.url, payload, SECRET)

    assert status == 200
    (received,) = receiver.requests
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(received.body.decode())
    assert json.loads(form["payload"][0]) == payload
    assert _verifies(received)


def test_post_command_is_signed_form(receiver: Receiver) -> None:
    form = signing.slash_command(command="/factcheck", text="x", user="U0ANA", channel="C0GENERAL")

    signing.post_command(receiver.url, form, SECRET)

    (received,) = receiver.requests
    assert {k: v[0] for k, v in parse_qs(received.body.decode()).items()} == {
        k: v for k, v in form.items() if v
    }
    assert _verifies(received)


def test_error_statuses_are_returned(receiver: Receiver) -> None:
    receiver.status = 401
    assert signing.post_command(receiver.url, {"a": "b"}, SECRET) == (401, "received")


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.status = 302
    receiver.extra_headers["Location"] = f"{receiver.url}/elsewhere"

    status, _ = signing.post_event(receiver.url, {"type": "event_callback"}, SECRET)

    assert status == 302
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/slack/events",
        "https://10.0.0.5/slack/events",
        "http://127.0.0.1.example.com/x",
        "ftp://127.0.0.1/x",
        "/slack/events",
    ],
)
def test_refuses_non_local_urls(url: str) -> None:
    with pytest.raises(ValueError, match="off this machine"):
        signing.post_event(url, {}, SECRET)
    with pytest.raises(ValueError, match="off this machine"):
        signing.post_interaction(url, {}, SECRET)
    with pytest.raises(ValueError, match="off this machine"):
        signing.post_command(url, {}, SECRET)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/x", "http://localhost:9/x", "http://[::1]:9/x"]
)
def test_accepts_loopback_urls(url: str) -> None:
    signing.ensure_local(url)


def test_app_mention_event_shape() -> None:
    envelope = signing.app_mention_event(
        text="<@UFACTBOT> check <https://example.org/a>",
        channel="C0NEWSDESK",
        user="U0ANA",
        ts="1732480000.000100",
    )

    assert envelope["type"] == "event_callback"
    assert envelope["authorizations"][0]["user_id"] == "UFACTBOT"
    event = envelope["event"]
    assert event["type"] == "app_mention"
    assert event["text"] == "<@UFACTBOT> check <https://example.org/a>"
    assert event["channel"] == "C0NEWSDESK"
    assert event["user"] == "U0ANA"
    assert event["ts"] == event["event_ts"] == "1732480000.000100"
    assert "channel_type" not in event  # unlike the message event for the same message
    [section] = event["blocks"][0]["elements"]
    assert section["elements"][0] == {"type": "user", "user_id": "UFACTBOT"}


def test_app_rate_limited_has_no_inner_event() -> None:
    notice = signing.app_rate_limited(team_id="T0X", minute=1518467845)

    assert notice["type"] == "app_rate_limited"
    assert notice["minute_rate_limited"] == 1518467820  # rounded to the minute
    assert "event" not in notice
