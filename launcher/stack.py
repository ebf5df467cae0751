"""The whole system on one machine, against local stand-ins for Slack and news sites.

`factdesk demo` and `make bench` both run it: embedded Redis, the Slack stand-in, the
article server for seeds/, and `factdesk worker` and `factdesk bot` as real processes.
The bot takes Slack's requests over HTTP, or over the Socket Mode stand-in's WebSocket
(`factdesk demo --socket-mode`), as a workspace without a public URL would send them.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factdesk.db import migrate
from factdesk.embedded_redis import EmbeddedRedis
from launcher.procs import Processes, wait_for_http
from standin.articles import ArticleServer
from standin.signing import message_event, post_event, post_interaction
from standin.slack_api import SlackStandIn
from standin.socket_mode import SocketModeStandIn

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SIGNING_SECRET = "local-signing-secret"  # noqa: S105  # the stand-in's, not a real secret
APP_TOKEN = "xapp-1-A0FACTDESK-1-local"  # noqa: S105  # the stand-in's app-level token
# Slack takes an answer in the ack of a modal's submission (api.slack.com/apis/socket-mode).
ANSWERED_IN_ACK = frozenset({"view_submission", "block_suggestion"})


@dataclass
class LocalStack:
    slack: SlackStandIn
    pages: ArticleServer
    processes: Processes
    worker: subprocess.Popen[bytes]
    bot_url: str  # the bot's HTTP server: Slack's requests, or in Socket Mode the probes
    socket_mode: SocketModeStandIn | None = None

    @property
    def events_url(self) -> str:
        return f"{self.bot_url}/slack/events"

    def share(self, text: str, *, channel: str, user: str) -> str:
        """Post `text` as a person and deliver the event to the bot; return its ts."""
        ts = self.slack.add_message(channel, text, user=user)
        status, body = self.deliver_event(
            message_event(text=text, channel=channel, user=user, ts=ts)
        )
        if status != 200:
            raise RuntimeError(f"the bot answered {status}: {body[:200]}")
        return ts

    def deliver_event(self, envelope: dict[str, Any]) -> tuple[int, str]:
        """Hand the bot an Events API envelope as Slack would; its answer (status, body)."""
        if self.socket_mode is None:
            return post_event(self.events_url, envelope, SIGNING_SECRET)
        return _over_socket_mode(self.socket_mode, "events_api", envelope)

    def deliver_interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        """Hand the bot an interaction payload as Slack would; its answer (status, body):
        an empty body, or what the bot acked with (a modal's errors, say)."""
        if self.socket_mode is None:
            return post_interaction(self.events_url, payload, SIGNING_SECRET)
        return _over_socket_mode(self.socket_mode, "interactive", payload)


def _over_socket_mode(
    socket_mode: SocketModeStandIn, kind: str, payload: dict[str, Any]
) -> tuple[int, str]:
    envelope_id = socket_mode.send(
        kind, payload, accepts_response_payload=payload.get("type") in ANSWERED_IN_ACK
    )
    try:
        ack = socket_mode.wait_ack(envelope_id, timeout=10)
    except TimeoutError:
        return 504, "no ack within 10 s"
    answer = ack.body.get("payload")
    return 200, json.dumps(answer) if answer else ""


@contextmanager
def local_stack(
    var: Path,
    *,
    worker_concurrency: int = 1,
    log: Path | None = None,
    socket_mode: bool = False,
) -> Iterator[LocalStack]:
    """Start everything under a fresh `var`; stop every process on exit. With
    `socket_mode` the bot connects to the Socket Mode stand-in and has no events URL."""
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    database_url = f"sqlite:///{var / 'factdesk.db'}"
    migrate(database_url)
    port = _free_port()
    with (
        EmbeddedRedis(var / "redis.sock") as redis,
        SlackStandIn() as slack,
        SocketModeStandIn() if socket_mode else contextlib.nullcontext() as websocket,
        ArticleServer(SEEDS) as pages,
        open(log, "ab") if log else _inherit() as output,
    ):
        if websocket is not None:
            slack.socket_mode_url = lambda: websocket.url
        env = {
            "SLACK_BOT_TOKEN": "xoxb-local",
            # Socket Mode's envelopes come over the app token's WebSocket, never signed.
            "SLACK_SIGNING_SECRET": "" if socket_mode else SIGNING_SECRET,
            "SLACK_API_URL": slack.base_url,
            "SLACK_APP_TOKEN": APP_TOKEN if socket_mode else "",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis.url,
            "VAR_DIR": str(var),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "WORKER_CONCURRENCY": str(worker_concurrency),
            # The seed pages are served on loopback, which the fetcher refuses unless a
            # setting allows it, as an intranet deployment would allow its own ranges.
            "FETCH_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
        }
        with Processes(env, output=output) as processes:
            worker = processes.start("worker", "worker")
            processes.start("bot", "bot")
            bot_url = f"http://127.0.0.1:{port}"
            wait_for_http(f"{bot_url}/healthz", timeout=30, processes=processes)
            if websocket is not None:
                websocket.wait_connected(timeout=30)
            yield LocalStack(slack, pages, processes, worker, bot_url, websocket)


@contextmanager
def _inherit() -> Iterator[None]:
    yield None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
