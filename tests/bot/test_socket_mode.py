"""Socket Mode, the zero-configuration path: `factdesk bot` with SLACK_APP_TOKEN connects
to Slack's WebSocket (the stand-in's), acks each envelope and hands the work on, as over
HTTP. The bot is a real `factdesk bot` process; the worker is the scenario worker."""

from __future__ import annotations

import socket
import subprocess
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from factdesk.ids import ActionId
from standin.signing import block_actions, message_event, slash_command
from standin.socket_mode import SocketModeStandIn
from tests.bot.interactions import wait_for_text
from tests.bot.socket_mode_bot import APP_TOKEN, listening_addresses, socket_mode_bot
from tests.conftest import System

pytestmark = pytest.mark.scenario

CHANNEL = "C0SOCKET"
TEAM = "T0SOCKETMODE"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def probe_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def bot(
    system: System, tmp_path_factory: pytest.TempPathFactory, probe_port: int
) -> Iterator[tuple[SocketModeStandIn, subprocess.Popen[bytes]]]:
    system.slack.add_channel(CHANNEL, "socket-desk")
    with socket_mode_bot(
        system.slack,
        tmp_path_factory.mktemp("socket-bot"),
        DATABASE_URL=system.settings.resolved_database_url,
        REDIS_URL=system.settings.resolved_redis_url,
        # HTTP mode's address, every interface: the probes of Socket Mode don't follow it.
        HOST="0.0.0.0",
        PORT=str(probe_port),  # the probes; nothing from Slack arrives over HTTP
    ) as running:
        yield running


@pytest.fixture(scope="module")
def socket_mode(bot: tuple[SocketModeStandIn, subprocess.Popen[bytes]]) -> SocketModeStandIn:
    return bot[0]


def test_the_probes_listen_on_loopback_only(
    bot: tuple[SocketModeStandIn, subprocess.Popen[bytes]], probe_port: int
) -> None:
    _, process = bot

    # Nothing from Slack comes over HTTP in Socket Mode: /metrics and the probes stay
    # on this machine unless PROBE_HOST says otherwise.
    assert listening_addresses(process.pid) == {("127.0.0.1", probe_port)}


def test_the_bot_opens_its_connection_with_the_app_token(
    system: System, socket_mode: SocketModeStandIn
) -> None:
    opened = system.slack.calls_to("apps.connections.open")
    assert opened
    assert all(call.token == APP_TOKEN and call.response["ok"] for call in opened)
    assert socket_mode.handshakes >= 1


def test_a_link_shared_over_socket_mode_becomes_tasks_a_click_claims_one(
    system: System, socket_mode: SocketModeStandIn
) -> None:
    text = f"Worth a check <{system.pages.article_url('north-korean-troops-russia.html')}>"
    ts = system.slack.add_message(CHANNEL, text, user="U0ANA")
    event = message_event(text=text, channel=CHANNEL, user="U0ANA", ts=ts, team_id=TEAM)

    ack = socket_mode.wait_ack(socket_mode.send("events_api", event))

    assert ack.seconds < 3, "Slack redelivers an envelope it has no ack for"
    assert "payload" not in ack.body
    assert system.wait_until_done(ts, channel=CHANNEL, timeout=90) == "white_check_mark"
    summary, *tasks = system.slack.thread(CHANNEL, ts)
    assert "to check in" in summary["text"]
    assert len(tasks) >= 10

    task = tasks[0]
    button = next(
        element
        for block in task["blocks"]
        for element in block.get("elements", [])
        if element.get("action_id") == ActionId.CLAIM_TASK
    )
    payload = block_actions(
        action_id=ActionId.CLAIM_TASK,
        value=str(button.get("value", "")),
        user="U0BEN",
        channel=CHANNEL,
        message=task,
        team_id=TEAM,
        response_url=system.slack.response_url(f"socket-{task['ts']}"),
    )
    click = socket_mode.wait_ack(socket_mode.send("interactive", payload))

    assert click.seconds < 3
    wait_for_text(system, CHANNEL, task["ts"], "Claimed by <@U0BEN>")


def test_a_slash_command_is_answered_in_its_ack(socket_mode: SocketModeStandIn) -> None:
    command = slash_command(
        command="/factcheck", text="help", user="U0ANA", channel=CHANNEL, team_id=TEAM
    )

    ack = socket_mode.wait_ack(
        socket_mode.send("slash_commands", dict(command), accepts_response_payload=True)
    )

    assert ack.seconds < 3
    assert ack.body["payload"]["response_type"] == "ephemeral"
    assert "/factcheck" in ack.body["payload"]["text"]


def test_acks_are_timed_in_socket_mode_too(socket_mode: SocketModeStandIn, probe_port: int) -> None:
    def acks_timed() -> float:
        with urllib.request.urlopen(f"http://127.0.0.1:{probe_port}/metrics", timeout=10) as r:
            text = r.read().decode()
        return next(
            (
                sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name == "factdesk_ack_seconds_count"
            ),
            0.0,
        )

    before = acks_timed()
    command = slash_command(
        command="/factcheck", text="help", user="U0ANA", channel=CHANNEL, team_id=TEAM
    )
    socket_mode.wait_ack(
        socket_mode.send("slash_commands", dict(command), accepts_response_payload=True)
    )

    assert acks_timed() == before + 1
