"""A real `factdesk bot` process in Socket Mode against the stand-ins, and what tests read
of it from /proc: the addresses it listens on and the CPU time it used."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from launcher.procs import Processes
from standin.slack_api import SlackStandIn
from standin.socket_mode import SocketModeStandIn

APP_TOKEN = "xapp-1-A0FACTDESK-1-socketmode"


@contextmanager
def socket_mode_bot(
    slack: SlackStandIn, var: Path, **settings: str
) -> Iterator[tuple[SocketModeStandIn, subprocess.Popen[bytes]]]:
    """Start `factdesk bot` with SLACK_APP_TOKEN, connected to a fresh Socket Mode
    stand-in; `settings` are more environment variables for it (DATABASE_URL and
    REDIS_URL at least)."""
    with SocketModeStandIn() as stand_in:
        slack.socket_mode_url = lambda: stand_in.url
        env = {
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": slack.base_url,
            "VAR_DIR": str(var),
            "LOG_LEVEL": "INFO",
            **settings,
        }
        log_path = var / "bot.log"
        try:
            with open(log_path, "wb") as log, Processes(env, output=log) as processes:
                bot = processes.start("bot", "bot")
                try:
                    stand_in.wait_connected(timeout=60)
                except TimeoutError:
                    pytest.fail(f"the bot did not connect:\n{log_path.read_text()[-4000:]}")
                yield stand_in, bot
        finally:
            slack.socket_mode_url = None


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket process `pid` listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                address, port = local.split(":")
                found.add((_address(address, width), int(port, 16)))
    return found


def _address(hexadecimal: str, width: int) -> str:
    if width == 8:
        # /proc prints an IPv4 address as one little-endian 32-bit number.
        return ".".join(str(int(hexadecimal[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return "ipv6:" + hexadecimal


def cpu_seconds(pid: int) -> float:
    """User and system CPU time process `pid` has used, all its threads together."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3 of stat(5), utime 14 and stime 15.
    user, system = int(fields[11]), int(fields[12])
    return (user + system) / os.sysconf("SC_CLK_TCK")
