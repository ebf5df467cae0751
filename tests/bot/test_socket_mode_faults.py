"""Socket Mode when the link misbehaves: a `factdesk bot` process against the Socket
Mode stand-in, which drops the TCP connection without a close frame, sends Slack's
`disconnect` (`refresh_requested`, `warning`) mid-traffic and closes that socket a little
later, goes half-open, or refuses connections for a while.

The bounds are issue 14's: a dropped, refreshed or half-open connection is replaced
within 5 s, and no envelope waits more than 1 s for its ack (Slack's own limit is 3 s).
The measured figures are printed (pytest -s shows them)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from factdesk.db import migrate
from standin.signing import slash_command
from standin.slack_api import SlackStandIn
from standin.socket_mode import Ack, SocketModeStandIn
from tests.bot.socket_mode_bot import cpu_seconds, listening_addresses, socket_mode_bot

REPLACED_WITHIN = 5.0
ACKED_WITHIN = 1.0


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    """A workspace of this module's own: it reconnects many times in a few seconds, which
    a rate tier on apps.connections.open (Tier 1) elsewhere would otherwise count."""
    with SlackStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def bot(
    slack: SlackStandIn, broker_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SocketModeStandIn, subprocess.Popen[bytes]]]:
    var: Path = tmp_path_factory.mktemp("socket-faults")
    database_url = f"sqlite:///{var / 'factdesk.db'}"
    migrate(database_url)
    with socket_mode_bot(
        slack,
        var,
        DATABASE_URL=database_url,
        REDIS_URL=broker_url,
        PROBE_PORT="0",  # no probe server: these tests are about the WebSocket
    ) as running:
        yield running


@pytest.fixture
def socket_mode(bot: tuple[SocketModeStandIn, subprocess.Popen[bytes]]) -> SocketModeStandIn:
    stand_in, _ = bot
    _acked(stand_in)  # each test starts on a working connection
    return stand_in


def _help(stand_in: SocketModeStandIn, *, via: int | None = None) -> str:
    """Send `/factcheck help`, which the bot answers in its ack; the envelope id."""
    command = slash_command(command="/factcheck", text="help", user="U0ANA", channel="C0SOCKET")
    return stand_in.send("slash_commands", dict(command), accepts_response_payload=True, via=via)


def _acked(stand_in: SocketModeStandIn, *, via: int | None = None) -> Ack:
    return stand_in.wait_ack(_help(stand_in, via=via), timeout=10)


def test_with_probe_port_0_the_bot_listens_on_no_port(
    bot: tuple[SocketModeStandIn, subprocess.Popen[bytes]],
) -> None:
    _, process = bot

    assert listening_addresses(process.pid) == set()


def test_a_connection_dropped_without_a_close_frame_is_replaced_within_5_s(
    socket_mode: SocketModeStandIn,
) -> None:
    opened = socket_mode.connections
    dropped_at = time.monotonic()
    socket_mode.drop()

    replaced = socket_mode.wait_connection(opened + 1, timeout=60) - dropped_at
    ack = _acked(socket_mode)

    print(f"dropped: replaced after {replaced:.2f} s, next ack {ack.seconds * 1000:.0f} ms")
    assert replaced < REPLACED_WITHIN
    assert ack.seconds < ACKED_WITHIN
    assert ack.connection == opened + 1


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_envelopes_around_a_disconnect_are_acked_within_1_s(
    socket_mode: SocketModeStandIn, reason: str
) -> None:
    traffic = _Traffic(socket_mode)
    traffic.start()
    time.sleep(0.5)

    opened = socket_mode.connections
    told_at = time.monotonic()
    old = socket_mode.disconnect(reason, close_after=1.5)
    # Slack may still deliver on the connection it asked to be replaced, until it closes.
    on_old = [_help(socket_mode, via=old) for _ in range(5)]
    replaced = socket_mode.wait_connection(opened + 1, timeout=60) - told_at
    time.sleep(2.5)  # past the old connection's close, traffic going on
    acks = traffic.stop() + [socket_mode.wait_ack(e, timeout=10) for e in on_old]

    slowest = max(ack.seconds for ack in acks)
    print(
        f"{reason}: replaced after {replaced:.2f} s; {len(acks)} envelopes, slowest ack "
        f"{slowest * 1000:.0f} ms"
    )
    assert replaced < REPLACED_WITHIN
    assert slowest < ACKED_WITHIN, sorted(ack.seconds for ack in acks)[-5:]
    assert socket_mode.closed_at(old) is not None
    # Each ack goes back on the connection that brought its envelope.
    assert {socket_mode.wait_ack(e).connection for e in on_old} == {old}
    assert any(ack.connection == opened + 1 for ack in acks)


def test_a_half_open_connection_is_replaced_within_5_s(socket_mode: SocketModeStandIn) -> None:
    opened = socket_mode.connections
    silent_at = time.monotonic()
    socket_mode.go_silent()

    replaced = socket_mode.wait_connection(opened + 1, timeout=90) - silent_at
    ack = _acked(socket_mode)

    print(f"half-open: replaced after {replaced:.2f} s, next ack {ack.seconds * 1000:.0f} ms")
    assert replaced < REPLACED_WITHIN
    assert ack.seconds < ACKED_WITHIN


def test_a_reconnect_slack_rate_limits_waits_out_retry_after(
    socket_mode: SocketModeStandIn, slack: SlackStandIn
) -> None:
    opened = socket_mode.connections
    slack.fail_next("apps.connections.open", "ratelimited", status=429)  # Retry-After: 1
    dropped_at = time.monotonic()
    socket_mode.drop()

    replaced = socket_mode.wait_connection(opened + 1, timeout=60) - dropped_at

    print(f"rate limited: replaced after {replaced:.2f} s")
    assert [c.status for c in slack.calls_to("apps.connections.open")[-2:]] == [429, 200]
    assert 1.0 <= replaced < REPLACED_WITHIN


def test_while_slack_cant_be_reached_the_bot_waits_between_tries_without_spinning(
    bot: tuple[SocketModeStandIn, subprocess.Popen[bytes]], slack: SlackStandIn
) -> None:
    socket_mode, process = bot
    _acked(socket_mode)
    opened = socket_mode.connections
    tries_before = len(slack.calls_to("apps.connections.open"))

    with socket_mode.refusing():
        cpu_before, started = cpu_seconds(process.pid), time.monotonic()
        socket_mode.drop()
        time.sleep(4)
        cpu = (cpu_seconds(process.pid) - cpu_before) / (time.monotonic() - started)
        tries = len(slack.calls_to("apps.connections.open")) - tries_before
    reconnected = socket_mode.wait_connection(opened + 1, timeout=60) - time.monotonic()

    print(f"unreachable for 4 s: {cpu:.0%} of a core, {tries} tries")
    # slack_sdk's built-in client spun at 50-90 % of a core on a dropped connection.
    assert cpu < 0.2
    # At once, then 1 s and 2 s later: spaced, not a loop.
    assert tries <= 4
    assert reconnected < 30
    assert _acked(socket_mode).seconds < ACKED_WITHIN


class _Traffic:
    """Envelopes sent every 50 ms on whichever connection Slack would pick."""

    def __init__(self, stand_in: SocketModeStandIn) -> None:
        self.stand_in = stand_in
        self.sent: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.sent.append(_help(self.stand_in))

    def stop(self) -> list[Ack]:
        self._stop.set()
        self._thread.join()
        return [self.stand_in.wait_ack(envelope, timeout=10) for envelope in self.sent]
