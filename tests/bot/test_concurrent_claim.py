"""Eight people click Claim on one task at once, on PostgreSQL: exactly one gets it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from factdesk.db import session_scope
from factdesk.ids import ActionId
from factdesk.models import Claim, ClaimEvent, EventAction
from factdesk.queue import SYNC_CLAIM
from factdesk.render import thread as render_thread
from factdesk.settings import Settings
from standin.signing import click
from standin.slack_api import SlackStandIn
from tests import factories
from tests.bot.interactions import answers
from tests.conftest import SIGNING_SECRET
from tests.recording_queue import RecordingQueue

pytestmark = pytest.mark.scenario

CHANNEL = "C0RACE"
USERS = [f"U0RACER{n}" for n in range(8)]


@dataclass
class Bot:
    url: str
    queue: RecordingQueue
    database_url: str
    keys: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def bot(
    postgres_schema_url: str, slack: SlackStandIn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bot]:
    import waitress

    from bot.app import create_app
    from bot.server import wsgi_app

    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.base_url,
        database_url=postgres_schema_url,
        var_dir=tmp_path_factory.mktemp("race"),
    )
    slack.add_channel(CHANNEL, "race")
    queue = RecordingQueue()
    server = waitress.create_server(
        wsgi_app(create_app(settings, queue=queue)), host="127.0.0.1", port=0, threads=8
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Bot(
            url=f"http://127.0.0.1:{server.effective_port}/slack/events",
            queue=queue,
            database_url=postgres_schema_url,
        )
    finally:
        server.close()


def test_exactly_one_of_eight_simultaneous_claims_wins(bot: Bot, slack: SlackStandIn) -> None:
    with session_scope(bot.database_url) as session:
        factories.bind(session)
        claim = factories.claim(
            article=factories.article(slack_channel_id=CHANNEL), slack_ts="1732480001.000100"
        )
        task = render_thread.claim_task(claim, number=1, total=1)
        claim_id = claim.id
    message = {"ts": "1732480001.000100", "text": task.text, "blocks": task.blocks}
    barrier = threading.Barrier(len(USERS))
    statuses: dict[str, int] = {}

    def take(user: str) -> None:
        key = f"race-{claim_id}-{user}"
        bot.keys[user] = key
        barrier.wait()
        status, _ = click(
            bot.url,
            SIGNING_SECRET,
            message=message,
            action_id=ActionId.CLAIM_TASK,
            user=user,
            channel=CHANNEL,
            response_url=slack.response_url(key),
        )
        statuses[user] = status

    clickers = [threading.Thread(target=take, args=(user,)) for user in USERS]
    for clicker in clickers:
        clicker.start()
    for clicker in clickers:
        clicker.join(30)

    assert statuses == dict.fromkeys(USERS, 200)
    with session_scope(bot.database_url) as session:
        winner = session.scalars(select(Claim.assignee).where(Claim.id == claim_id)).one()
        events = session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim_id)).all()
        assert [(e.action, e.actor) for e in events] == [(EventAction.CLAIMED, winner)]
    assert winner in USERS
    losers = [user for user in USERS if user != winner]

    def all_told(standin: SlackStandIn) -> bool:
        return all(answers(standin, bot.keys[user]) for user in losers)

    slack.wait_for(all_told, timeout=20)
    for user in losers:
        assert answers(slack, bot.keys[user]) == [
            f":warning: This task is already claimed by <@{winner}>."
        ]
    assert answers(slack, bot.keys[winner]) == []
    synced = [args for name, args in bot.queue.sent if name == SYNC_CLAIM]
    assert synced == [(claim_id, events[0].id)]
