"""When `factdesk worker` starts Celery again after Celery gave up on it (the end to end
case, a Redis restart as a task finishes, is in tests/faults/test_faults.py)."""

from __future__ import annotations

from launcher.worker_restart import MAX_RESTARTS, WINDOW_SECONDS, recent_restarts, should_restart


def test_a_worker_that_failed_on_its_own_is_restarted() -> None:
    assert should_restart(1, started=True, stop_was_requested=False, restarts=0)


def test_a_clean_exit_or_a_stop_someone_asked_for_is_never_undone() -> None:
    assert not should_restart(0, started=True, stop_was_requested=False, restarts=0)
    assert not should_restart(None, started=True, stop_was_requested=False, restarts=0)
    # Ctrl-C makes Celery exit with status 1 too.
    assert not should_restart(1, started=True, stop_was_requested=True, restarts=0)


def test_a_worker_that_never_started_is_not_restarted() -> None:
    assert not should_restart(1, started=False, stop_was_requested=False, restarts=0)


def test_a_worker_that_keeps_failing_is_left_to_stop() -> None:
    assert should_restart(1, started=True, stop_was_requested=False, restarts=MAX_RESTARTS - 1)
    assert not should_restart(1, started=True, stop_was_requested=False, restarts=MAX_RESTARTS)


def test_only_restarts_inside_the_window_count() -> None:
    now = 10_000.0
    value = f"{now - WINDOW_SECONDS - 1},{now - 60},junk,,{now - 1}"
    assert recent_restarts(value, now=now) == [now - 60, now - 1]
    assert recent_restarts(None, now=now) == []
