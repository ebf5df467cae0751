"""The bot's listener pools: events' work never holds up a click's ack."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from concurrent.futures import Future
from functools import partial
from pathlib import Path

import waitress
from celery import Celery
from pydantic import SecretStr

from bot.app import AckGate, ListenerExecutor, _Delivery, _delivery, create_app
from bot.server import wsgi_app
from factdesk.db import migrate
from factdesk.ids import ActionId
from factdesk.queue import QueueUnavailable, TaskQueue
from factdesk.settings import Settings
from standin.signing import click
from standin.slack_api import SlackStandIn
from tests.bot.interactions import answers
from tests.conftest import SIGNING_SECRET


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


def test_events_work_waits_for_the_requests_in_flight() -> None:
    gate = AckGate(max_wait=5.0)
    gate.enter()  # Slack is waiting on an ack
    started = threading.Event()

    def work() -> None:
        gate.wait_quiet(time.monotonic())
        started.set()

    thread = threading.Thread(target=work)
    thread.start()
    try:
        assert not started.wait(0.2), "the work started while an ack was owed"
        gate.leave()
        assert started.wait(1.0), "the work starts once the bot is quiet"
    finally:
        thread.join(5)


def test_events_work_waits_no_longer_than_its_deadline() -> None:
    gate = AckGate(max_wait=0.3)
    gate.enter()  # a bot that is never quiet
    began = time.monotonic()

    gate.wait_quiet(began)
    waited = time.monotonic() - began
    # Work queued long ago, as at the head of a queue under steady traffic: no wait at all.
    gate.wait_quiet(began - 1.0)

    assert 0.25 <= waited < 2.0
    assert time.monotonic() - began - waited < 0.1


def test_a_quiet_bot_starts_events_work_at_once() -> None:
    gate = AckGate(max_wait=5.0)
    began = time.monotonic()

    gate.wait_quiet(began)

    assert time.monotonic() - began < 0.1


class _QueueDown(TaskQueue):
    """The queue's answer when Redis has been gone past the patient wait, given at once.

    The race needs a failure within milliseconds of the ack; a dead broker fails only
    after the patient queue's wait, by which time the ack has long been sent.
    """

    def __init__(self) -> None:
        super().__init__(Celery("down"))

    def post_held_back(self, article_id: int) -> None:
        raise QueueUnavailable(detail="redis down")


def test_a_listener_that_fails_after_its_ack_still_answers_200_and_tells_the_person(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    # Bolt resets the ack of a listener that raises after acking (see KeptAck); a failure
    # that quick used to turn the ack into a 404, so Slack showed its own error notice.
    database_url = f"sqlite:///{tmp_path / 'factdesk.db'}"
    migrate(database_url)
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.base_url,
        database_url=database_url,
        var_dir=tmp_path,
    )
    message = {
        "ts": "1732480001.000100",
        "text": "summary",
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ActionId.POST_MORE_CLAIMS.value,
                        "text": {"type": "plain_text", "text": "Post 3 more"},
                        "value": "7",
                    }
                ],
            }
        ],
    }
    server = waitress.create_server(
        wsgi_app(create_app(settings, queue=_QueueDown())), host="127.0.0.1", port=0, threads=4
    )
    threading.Thread(target=server.run, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.effective_port}/slack/events"
        statuses = [
            click(
                url,
                SIGNING_SECRET,
                message=message,
                action_id=ActionId.POST_MORE_CLAIMS,
                user="U0ACKED",
                channel="C0ACKED",
                response_url=slack.response_url(f"acked-{attempt}"),
            )[0]
            for attempt in range(20)
        ]
        for attempt in range(20):
            slack.wait_for(partial(_told_queue_down, key=f"acked-{attempt}"), timeout=10)
    finally:
        server.close()
    assert statuses == [200] * 20


def _told_queue_down(slack: SlackStandIn, *, key: str) -> bool:
    return any("work queue is unavailable" in text for text in answers(slack, key))
