"""Child processes for `factdesk run` and `factdesk demo`, stopped together."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from types import TracebackType
from typing import IO

log = logging.getLogger(__name__)


class Processes:
    """Starts `factdesk <subcommand>` children (or another of our modules); on exit, stops
    them and their own children."""

    def __init__(
        self, env: Mapping[str, str] | None = None, *, output: IO[bytes] | None = None
    ) -> None:
        self.env = {**os.environ, **(env or {})}
        self.output = output  # children's stdout and stderr; None shares ours
        self.children: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str, module: str = "launcher.cli") -> subprocess.Popen[bytes]:
        child = subprocess.Popen(  # noqa: S603  # our own interpreter and module
            [sys.executable, "-m", module, *args],
            env=self.env,
            stdout=self.output,
            stderr=self.output,
            # A session of its own, so stopping the group also stops Celery's pool children.
            start_new_session=True,
        )
        self.children[name] = child
        return child

    def check(self) -> None:
        """Raise if a child has exited."""
        for name, child in self.children.items():
            if child.poll() is not None:
                raise RuntimeError(f"{name} exited with status {child.returncode}")

    def wait_any(self) -> str:
        """Block until one child exits; return its name."""
        while True:
            for name, child in self.children.items():
                if child.poll() is not None:
                    return name
            time.sleep(0.2)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask each child to stop and give them `timeout` seconds between them; kill what
        is left, with its group.

        SIGTERM goes to the child alone, not its group: Celery's main process takes it as a
        warm shutdown (stop taking tasks, let the running ones finish, then stop the pool),
        whereas a pool process that gets it dies mid-task and the main process reports a
        WorkerLostError."""
        for child in self.children.values():
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(child, signal.SIGKILL)
                child.wait()
            # Pool children may outlive a parent that was killed; sweep the group.
            _signal_group(child, signal.SIGKILL)
        self.children.clear()

    def __enter__(self) -> Processes:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _signal_group(child: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, sig)


def wait_for_http(url: str, *, timeout: float, processes: Processes | None = None) -> None:
    """Poll a local health URL until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if processes is not None:
            processes.check()
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310  # loopback only
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")
