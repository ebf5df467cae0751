"""`factdesk bot` that can't start says why in one line naming the setting to change,
and exits non-zero: a wrong app token, a taken port. No traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from standin.slack_api import SlackStandIn
from standin.socket_mode import SocketModeStandIn

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-A0FACTDESK-1-revoked"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    """A workspace that knows the bot token only: any app token is refused."""
    with SlackStandIn(tokens={BOT_TOKEN}) as stand_in, SocketModeStandIn() as socket_mode:
        stand_in.socket_mode_url = lambda: socket_mode.url
        yield stand_in


def _bot(tmp_path: Path, slack: SlackStandIn, broker_url: str, **settings: str) -> list[str]:
    """Run `factdesk bot` to its end, which must be exit status 2; the lines it wrote
    but Bolt's warning that SLACK_BOT_TOKEN, read from the environment, goes unused."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "REDIS_"))
    }
    env = {
        **clean,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'factdesk.db'}",
        "REDIS_URL": broker_url,
        "LOG_LEVEL": "WARNING",
        **settings,
    }
    result = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = (result.stdout + result.stderr).strip().splitlines()
    return [line for line in lines if "`token` will be unused" not in line]


def test_an_app_token_slack_refuses_is_one_line_naming_it(
    tmp_path: Path, slack: SlackStandIn, broker_url: str
) -> None:
    lines = _bot(tmp_path, slack, broker_url, SLACK_APP_TOKEN=APP_TOKEN, PROBE_PORT="0")

    assert lines == [
        "Slack refused SLACK_APP_TOKEN (invalid_auth): set it to an app-level token (xapp-) "
        "with the connections:write scope, from the app's Basic Information > App-Level Tokens."
    ]
    assert [call.response["error"] for call in slack.calls_to("apps.connections.open")] == [
        "invalid_auth"
    ]


def test_a_bot_token_given_as_the_app_token_is_refused_before_anything_starts(
    tmp_path: Path, slack: SlackStandIn, broker_url: str
) -> None:
    lines = _bot(tmp_path, slack, broker_url, SLACK_APP_TOKEN=BOT_TOKEN)

    assert len(lines) == 1
    assert lines[0].startswith("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    assert BOT_TOKEN not in lines[0]
    assert slack.calls_to("auth.test") == []


@pytest.mark.parametrize(
    ("mode", "setting"),
    [({"SLACK_APP_TOKEN": "xapp-1-A0FACTDESK-1-ok"}, "PROBE_PORT"), ({}, "PORT")],
    ids=["socket-mode", "http"],
)
def test_a_port_in_use_is_one_line_naming_its_setting(
    tmp_path: Path, broker_url: str, mode: dict[str, str], setting: str
) -> None:
    with (
        SlackStandIn() as slack,
        socket.socket() as taken,
    ):
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        lines = _bot(
            tmp_path,
            slack,
            broker_url,
            **mode,
            SLACK_SIGNING_SECRET="signing",
            HOST="127.0.0.1",
            **{setting: str(port)},
        )

    assert lines == [
        f"Can't listen on 127.0.0.1:{port} (Address already in use): another program uses "
        f"that port; set {setting} to a free one."
    ]
