"""Starting the Celery worker again when Celery itself gives up on it.

Celery stops a worker for good on an "Unrecoverable error" raised in its own event loop,
and kombu's Redis transport raises one when the broker restarts at the wrong moment: a
task that finished just as the connection dropped is acknowledged after the reconnect,
on the dead channel (`AttributeError: 'NoneType' object has no attribute 'client'`, seen
with Celery 5.7 and kombu 5.7; celery/celery#8030 and its kind). The worker then exits
with status 1 while every task waits in Redis for a consumer that never comes.

systemd (`Restart=always`) and Kubernetes start such a worker again, but `factdesk run`,
the demo and a worker started by hand have no supervisor. So `factdesk worker` replaces
its own process with a fresh one (same PID, so a supervisor, `factdesk run` and a
terminal still hold the same process): nothing of the broken state survives. Work sent
since is consumed at once; a task that was running is redelivered after the broker's
visibility timeout, as after any worker crash. A worker that keeps failing is left to stop: at most
`MAX_RESTARTS` in `WINDOW_SECONDS`, counted across restarts through the environment.
A stop someone asked for (SIGTERM, Ctrl-C) is never undone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from celery.signals import worker_init, worker_shutting_down

log = logging.getLogger("factdesk.worker")

RESTARTS_VARIABLE = "FACTDESK_WORKER_RESTARTS"
MAX_RESTARTS = 3
WINDOW_SECONDS = 600.0

stop_requested = threading.Event()
_workers: list[Any] = []


@worker_init.connect
def _note_worker(sender: Any = None, **_: Any) -> None:
    # `Celery.start` returns None whatever happened; the worker object keeps the status.
    _workers.append(sender)


def last_exitcode() -> int | None:
    """The exit status Celery gave the worker this process last ran, if it ran one."""
    return getattr(_workers[-1], "exitcode", None) if _workers else None


@worker_shutting_down.connect
def _note_requested_stop(**_: Any) -> None:
    # Sent from Celery's own signal handlers (SIGTERM, SIGINT, SIGQUIT), never on the
    # unrecoverable-error path.
    stop_requested.set()


def recent_restarts(value: str | None, *, now: float) -> list[float]:
    """The restart times (epoch seconds) in `value` that fall in the window before `now`."""
    times = []
    for part in (value or "").split(","):
        try:
            moment = float(part)
        except ValueError:
            continue
        if now - WINDOW_SECONDS <= moment <= now:
            times.append(moment)
    return times


def should_restart(
    exitcode: int | None, *, started: bool, stop_was_requested: bool, restarts: int
) -> bool:
    """True when a worker that had started stopped on its own with a failure, and has
    restarts left (a worker that never started, e.g. on a bad setting, would fail again)."""
    return started and bool(exitcode) and not stop_was_requested and restarts < MAX_RESTARTS


def restart_if_crashed(exitcode: int | None, *, command: list[str]) -> None:
    """Replace this process with a fresh `factdesk <command>` if Celery stopped the worker
    on an error; return (for the caller to exit) otherwise."""
    now = time.time()
    restarts = recent_restarts(os.environ.get(RESTARTS_VARIABLE), now=now)
    if not should_restart(
        exitcode,
        started=bool(_workers),
        stop_was_requested=stop_requested.is_set(),
        restarts=len(restarts),
    ):
        if exitcode and not stop_requested.is_set():
            log.error(
                "worker stopped on an error exitcode=%s restarts=%d in %d s: not restarting",
                exitcode,
                len(restarts),
                WINDOW_SECONDS,
            )
        return
    _end_pool_children()
    if stop_requested.is_set():  # asked to stop while the pool was being ended
        return
    os.environ[RESTARTS_VARIABLE] = ",".join(str(t) for t in [*restarts, now])
    log.warning(
        "worker stopped on an error exitcode=%s; starting it again (restart %d of %d in %d s)",
        exitcode,
        len(restarts) + 1,
        MAX_RESTARTS,
        WINDOW_SECONDS,
    )
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    # -P: the working directory (a service's writable state directory) is not searched.
    os.execv(sys.executable, [sys.executable, "-P", "-m", "launcher.cli", *command])  # noqa: S606


def _end_pool_children() -> None:
    """Kill the pool's processes a failed stop left running: after the exec nothing would
    ever give them work again, and each holds a loaded pipeline."""
    from billiard.process import active_children

    for child in active_children():
        if child.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
            child.join(5)
