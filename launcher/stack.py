"""The whole system on one machine, against local stand-ins for Slack and news sites.

`factdesk demo` and `make bench` both run it: embedded Redis, the Slack stand-in, the
article server for seeds/, and `factdesk worker` and `factdesk bot` as real processes.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from factdesk.db import migrate
from factdesk.embedded_redis import EmbeddedRedis
from launcher.procs import Processes, wait_for_http
from standin.articles import ArticleServer
from standin.signing import message_event, post_event
from standin.slack_api import SlackStandIn

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SIGNING_SECRET = "local-signing-secret"  # noqa: S105  # the stand-in's, not a real secret


@dataclass
class LocalStack:
    slack: SlackStandIn
    pages: ArticleServer
    processes: Processes
    worker: subprocess.Popen[bytes]
    bot_url: str

    @property
    def events_url(self) -> str:
        return f"{self.bot_url}/slack/events"

    def share(self, text: str, *, channel: str, user: str) -> str:
        """Post `text` as a person and deliver the signed event to the bot; return its ts."""
        ts = self.slack.add_message(channel, text, user=user)
        status, body = post_event(
            self.events_url,
            message_event(text=text, channel=channel, user=user, ts=ts),
            SIGNING_SECRET,
        )
        if status != 200:
            raise RuntimeError(f"the bot answered {status}: {body[:200]}")
        return ts


@contextmanager
def local_stack(
    var: Path, *, worker_concurrency: int = 1, log: Path | None = None
) -> Iterator[LocalStack]:
    """Start everything under a fresh `var`; stop every process on exit."""
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    database_url = f"sqlite:///{var / 'factdesk.db'}"
    migrate(database_url)
    port = _free_port()
    with (
        EmbeddedRedis(var / "redis.sock") as redis,
        SlackStandIn() as slack,
        ArticleServer(SEEDS) as pages,
        open(log, "ab") if log else _inherit() as output,
    ):
        env = {
            "SLACK_BOT_TOKEN": "xoxb-local",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.base_url,
            "SLACK_APP_TOKEN": "",
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
            yield LocalStack(slack, pages, processes, worker, bot_url)


@contextmanager
def _inherit() -> Iterator[None]:
    yield None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
