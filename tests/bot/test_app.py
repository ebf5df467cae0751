"""The bot's listener pools: events' work never holds up a click's ack."""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import Future
from pathlib import Path

from bot.app import ListenerExecutor, _Delivery, _delivery
from factdesk.db import migrate


def test_a_click_is_not_queued_behind_the_work_of_a_burst_of_events(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'factdesk.db'}"
    migrate(database_url)
    pool = ListenerExecutor(interactive_workers=1, event_workers=1)
    release = threading.Event()
    try:

        def submit_event(number: int) -> Future[bool]:
            # What the bot's middleware does for an event_callback before Bolt submits it.
            delivery = _Delivery(
                event_id=f"Ev{number}",
                team_id="T0POOL",
                retry="-",
                database_url=database_url,
                logger=logging.getLogger("test"),
            )
            context = contextvars.copy_context()
            context.run(_delivery.set, delivery)
            return context.run(pool.submit, release.wait, 30)

        events = [submit_event(number) for number in range(5)]  # one runs, four queue
        click = pool.submit(lambda: "acked")

        assert click.result(timeout=5) == "acked"
        assert not any(event.done() for event in events)
    finally:
        release.set()
        pool.shutdown()
    assert all(event.result() for event in events)
