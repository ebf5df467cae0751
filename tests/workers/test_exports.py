"""`/factcheck export` when Slack refuses the DM or the file: the person who asked is
told where they ran the command, the log has one line, and the task ends without raising.

Missing scopes are in test_manifest_scopes.py; here, Slack's other refusals.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from factdesk.db import migrate
from factdesk.settings import Settings
from standin.slack_api import SlackStandIn
from tests.factdesk.services.digest_week import NOW, TEAM, article, at, claim
from workers.context import WorkerContext
from workers.exports import export_claims

CHANNEL = "C0EXPFAIL"
PERSON = "U0EXPFAIL"
AGAIN = "`/factcheck export week csv`"


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        standin.add_channel(CHANNEL, "expfail")
        standin.add_user(PERSON, "expfail")
        yield standin


def _settings(slack: SlackStandIn, var: Path, database_url: str) -> Settings:
    return Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_api_url=slack.base_url,
        database_url=database_url,
        var_dir=var,
    )


@pytest.fixture
def ctx(slack: SlackStandIn, tmp_path: Path) -> WorkerContext:
    slack.reset()
    settings = _settings(slack, tmp_path, f"sqlite:///{tmp_path / 'exports.db'}")
    migrate(settings.resolved_database_url)
    context = WorkerContext(settings)
    with context.session() as session:
        claim(session, article(session, CHANNEL, at(24, 9)), at(24, 9))
    return context


def _export(ctx: WorkerContext, response_url: str | None) -> str | None:
    return export_claims(
        TEAM, CHANNEL, PERSON, "week", "csv", ctx, response_url=response_url, now=NOW
    )


def _told(slack: SlackStandIn) -> str:
    """The one message the person was sent through the command's response_url."""
    [told] = slack.calls_to("response_url")
    assert told.args["response_type"] == "ephemeral"
    return str(told.args["text"])


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


PREFIX = f":warning: I couldn't send you the CSV export of <#{CHANNEL}>: "


def test_a_dm_the_workspace_does_not_allow_is_explained(
    ctx: WorkerContext, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail_next("conversations.open", "not_allowed")

    with caplog.at_level(logging.INFO):
        assert _export(ctx, slack.response_url("exp-not-allowed")) is None

    assert _told(slack) == PREFIX + (
        "this workspace's settings don't allow it (`not_allowed`). A workspace admin can "
        "check whether apps may send direct messages and files here."
    )
    assert _warnings(caplog) == [
        f"export not sent channel={CHANNEL} user={PERSON}: conversations.open failed: not_allowed"
    ]
    assert slack.files() == []


def test_an_upload_still_rate_limited_after_the_clients_retries_is_explained(
    ctx: WorkerContext, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    # The client waits out five 429s (Retry-After: 1); the sixth reaches the task.
    for _ in range(6):
        slack.fail_next("files.getUploadURLExternal", "ratelimited", status=429)

    with caplog.at_level(logging.INFO):
        assert _export(ctx, slack.response_url("exp-ratelimited")) is None

    assert len(slack.calls_to("files.getUploadURLExternal")) == 6
    assert _told(slack) == PREFIX + (
        f"Slack is limiting how fast I can send right now. Run {AGAIN} again in a few minutes."
    )
    assert _warnings(caplog) == [
        f"export not sent channel={CHANNEL} user={PERSON}: files_upload_v2 failed: ratelimited"
    ]


def test_a_failed_upload_of_the_bytes_is_explained(
    ctx: WorkerContext, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    # The upload URL itself (files_upload_v2's second step) answers 500.
    slack.fail_next("upload", "upload_unavailable", status=500)

    with caplog.at_level(logging.INFO):
        assert _export(ctx, slack.response_url("exp-upload")) is None

    assert _told(slack) == PREFIX + (
        f"the upload to Slack failed. Run {AGAIN} again in a few minutes."
    )
    assert _warnings(caplog) == [
        f"export not sent channel={CHANNEL} user={PERSON}: files_upload_v2 failed: upload_failed"
    ]
    assert slack.calls_to("files.completeUploadExternal") == []


def test_without_a_response_url_the_person_is_told_in_the_channel(
    ctx: WorkerContext, slack: SlackStandIn
) -> None:
    # A task queued before the response_url was carried along has none.
    slack.fail_next("conversations.open", "user_not_found")

    assert _export(ctx, None) is None

    [told] = slack.ephemeral_messages(CHANNEL)
    assert told["user"] == PERSON
    assert told["text"] == PREFIX + (
        "Slack wouldn't let me open a direct message with you (`user_not_found`)."
    )


def test_an_export_that_fails_to_build_is_explained_and_the_task_ends(
    slack: SlackStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slack.reset()
    # A database the worker cannot open: building the export fails on our side.
    broken = WorkerContext(_settings(slack, tmp_path, f"sqlite:///{tmp_path}/absent/x.db"))

    with caplog.at_level(logging.INFO):
        assert _export(broken, slack.response_url("exp-crash")) is None

    assert _told(slack) == (
        f":warning: Something went wrong on my side while building the CSV export of "
        f"<#{CHANNEL}>. Run {AGAIN} again in a minute; if it keeps failing, the people who "
        "run Factdesk can find the details in the worker log."
    )
    [crash] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert crash.getMessage() == f"export failed channel={CHANNEL} user={PERSON}"
    assert crash.exc_info is not None
