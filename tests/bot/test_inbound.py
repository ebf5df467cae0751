"""Inbound requests: only Slack's signed, fresh, well-formed requests get past the door."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

import pytest
from prometheus_client import REGISTRY

from standin.signing import app_rate_limited, post_event, sign
from tests.conftest import SIGNING_SECRET, System

pytestmark = pytest.mark.scenario

EVENT = json.dumps(
    {"type": "event_callback", "event_id": "Ev0INBOUND", "team_id": "T0INBOUND", "event": {}}
).encode()


def _post(system: System, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(system.events_url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("unsigned", {"Content-Type": "application/json"}),
        ("badly signed", sign(EVENT, "not-the-secret", content_type="application/json")),
        (
            "stale (over 5 minutes)",
            sign(EVENT, SIGNING_SECRET, int(time.time()) - 301, content_type="application/json"),
        ),
        (
            "from the future",
            sign(EVENT, SIGNING_SECRET, int(time.time()) + 600, content_type="application/json"),
        ),
        (
            "signature of another body",
            sign(b"{}", SIGNING_SECRET, content_type="application/json"),
        ),
    ],
)
def test_unsigned_badly_signed_or_stale_requests_get_401(
    system: System, caplog: pytest.LogCaptureFixture, name: str, headers: dict[str, str]
) -> None:
    with caplog.at_level(logging.INFO):
        status, _ = _post(system, EVENT, headers)

    assert status == 401, name
    refused = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(refused) == 1, [r.getMessage() for r in refused]
    assert SIGNING_SECRET not in caplog.text


FORM = "application/x-www-form-urlencoded"
MALFORMED = [
    ("not JSON", b"{not json", "application/json"),
    ("a JSON list", b"[1, 2, 3]", "application/json"),
    ("an empty object", b"{}", "application/json"),
    ("a broken payload", b"payload=%7Bnot", FORM),
    ("a payload that is a list", b"payload=" + quote("[1]").encode(), FORM),
    ("binary", b"\xff\xfe\x00\x01", "application/octet-stream"),
    ("a broken form", b"a=%%%&&==", FORM),
    ("an empty body", b"", "application/json"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "body", "content_type"), MALFORMED)
def test_malformed_payloads_get_a_4xx_and_one_log_line(
    system: System, caplog: pytest.LogCaptureFixture, name: str, body: bytes, content_type: str
) -> None:
    with caplog.at_level(logging.INFO):
        status, _ = _post(system, body, sign(body, SIGNING_SECRET, content_type=content_type))

    assert 400 <= status < 500, name
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert not any(r.exc_info for r in caplog.records), "no traceback for junk"


def test_an_oversized_body_is_refused_unread(system: System) -> None:
    body = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    status, _ = _post(system, body, sign(body, SIGNING_SECRET, content_type="application/json"))
    assert status == 413


def test_a_signed_well_formed_request_still_gets_through(system: System) -> None:
    challenge = json.dumps({"type": "url_verification", "challenge": "c0ffee"}).encode()
    status, body = _post(
        system, challenge, sign(challenge, SIGNING_SECRET, content_type="application/json")
    )
    assert status == 200
    assert "c0ffee" in body


SSL_CHECK = b"ssl_check=1&token=" + b"standin-verification-token"


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_slacks_ssl_check_gets_an_empty_200_as_bolt_gives_it(
    system: System, caplog: pytest.LogCaptureFixture, signed: bool
) -> None:
    # Slack checks a command URL's certificate with this POST; Bolt answers it before
    # verifying any signature, so our own check in front of Bolt must not refuse it.
    headers = (
        sign(SSL_CHECK, SIGNING_SECRET, content_type=FORM) if signed else {"Content-Type": FORM}
    )
    with caplog.at_level(logging.INFO):
        status, body = _post(system, SSL_CHECK, headers)

    assert (status, body) == (200, "")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_an_unsigned_ssl_check_runs_no_command(system: System) -> None:
    form = {"command": "/factcheck", "text": "mine", "user_id": "U0ANA", "channel_id": "C0X"}
    body = SSL_CHECK + b"&" + urlencode(form).encode()
    calls = len(system.slack.calls)

    status, answer = _post(system, body, {"Content-Type": FORM})

    assert (status, answer) == (200, "")  # Bolt's answer to the check, not the command's
    assert system.slack.calls_since(calls) == []


def test_an_ssl_check_carrying_a_payload_still_needs_a_signature(system: System) -> None:
    # Bolt reads a form with a `payload` as the interaction inside it, not as a check.
    payload = json.dumps({"type": "block_actions", "actions": [{"action_id": "x"}]})
    body = SSL_CHECK + b"&payload=" + quote(payload).encode()

    status, _ = _post(system, body, {"Content-Type": FORM})

    assert status == 401


def test_slacks_app_rate_limited_notice_gets_a_200_a_warning_and_a_count(
    system: System, caplog: pytest.LogCaptureFixture
) -> None:
    counted = REGISTRY.get_sample_value("factdesk_events_rate_limited_total") or 0.0
    notice = app_rate_limited(team_id="T0INBOUND", minute=1518467820)

    with caplog.at_level(logging.INFO):
        status, _ = post_event(system.events_url, notice, SIGNING_SECRET)

    assert status == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "team=T0INBOUND" in warnings[0]
    assert "2018-02-12T20:37Z" in warnings[0]
    assert REGISTRY.get_sample_value("factdesk_events_rate_limited_total") == counted + 1


def test_an_unsigned_app_rate_limited_notice_is_refused(system: System) -> None:
    body = json.dumps(app_rate_limited()).encode()
    counted = REGISTRY.get_sample_value("factdesk_events_rate_limited_total") or 0.0

    status, _ = _post(system, body, {"Content-Type": "application/json"})

    assert status == 401
    assert REGISTRY.get_sample_value("factdesk_events_rate_limited_total") == counted
