"""The worker against a stand-in that grants only a manifest's bot scopes, as Slack does.

With the shipped manifest, reminder DMs, exports and the digest chart go out; with one
that lacks im:write or files:write, Slack's `missing_scope` is what the worker meets, and
it says so: to the person who ran `/factcheck export`, and once in the log as the
configuration problem it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from factdesk.db import migrate
from factdesk.models import DigestPost
from factdesk.settings import Settings
from standin.slack_api import SlackStandIn
from standin.slack_methods import DEFAULT_MANIFEST, manifest_bot_scopes
from tests.factdesk.services.digest_week import NOW, TEAM, WEEK_START, article, at, claim, seed
from workers import digest as digest_worker
from workers.context import WorkerContext
from workers.exports import export_claims
from workers.reminders import send_reminders

CHANNEL = "C0SCOPES"
PERSON = "U0SCOPES"
OTHER = "U0SCOPES2"


def manifest_without(tmp_path: Path, *dropped: str) -> Path:
    """The shipped manifest with `dropped` taken out of its bot scopes, as a file."""
    manifest = yaml.safe_load(DEFAULT_MANIFEST.read_text(encoding="utf-8"))
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert set(dropped) <= set(scopes), "the shipped manifest no longer grants these"
    manifest["oauth_config"]["scopes"]["bot"] = [s for s in scopes if s not in dropped]
    path = tmp_path / "manifest.yml"
    path.write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return path


def _slack(manifest: Path) -> Iterator[SlackStandIn]:
    with SlackStandIn(manifest=manifest) as slack:
        slack.add_channel(CHANNEL, "scopes")
        slack.add_user(PERSON, "scopes")
        slack.add_user(OTHER, "scopes2")
        yield slack


@pytest.fixture
def shipped() -> Iterator[SlackStandIn]:
    yield from _slack(DEFAULT_MANIFEST)


@pytest.fixture
def without_im_write(tmp_path: Path) -> Iterator[SlackStandIn]:
    yield from _slack(manifest_without(tmp_path, "im:write"))


@pytest.fixture
def without_files_write(tmp_path: Path) -> Iterator[SlackStandIn]:
    yield from _slack(manifest_without(tmp_path, "files:write"))


def _ctx(slack: SlackStandIn, var: Path) -> WorkerContext:
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_api_url=slack.base_url,
        database_url=f"sqlite:///{var / 'scopes.db'}",
        var_dir=var,
        workspace_timezone="UTC",
        reminder_claimed_days=2,
    )
    migrate(settings.resolved_database_url)
    return WorkerContext(settings)


def _refusal(slack: SlackStandIn, method: str) -> dict[str, object]:
    return slack.calls_to(method)[-1].response


def _stale_task(ctx: WorkerContext, slack: SlackStandIn, assignee: str = PERSON) -> int:
    """A task `assignee` claimed three days ago, in a thread the stand-in holds."""
    with ctx.session() as session:
        story = article(session, CHANNEL, at(18, 9))
        assert story.slack_thread_ts is not None
        slack.add_message(CHANNEL, story.url, user="U0ANA", ts=story.slack_thread_ts)
        return claim(session, story, at(18, 9), assignee=assignee, claimed_at=at(19, 9)).id


def _lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    """What `logger` said at warning level or above."""
    return [r for r in caplog.records if r.name == logger and r.levelno >= logging.WARNING]


# -- reminders -----------------------------------------------------------------------


def test_the_shipped_manifest_lets_a_reminder_reach_its_dm(
    shipped: SlackStandIn, tmp_path: Path
) -> None:
    ctx = _ctx(shipped, tmp_path)
    task = _stale_task(ctx, shipped)

    sent = send_reminders(ctx, now=at(22, 9, 30))

    assert sent.nudged == {PERSON: [task]}
    dm = shipped.dm_channel(PERSON)
    assert dm is not None
    [nudge] = shipped.messages(dm)
    assert "still waiting for a verdict" in nudge["text"]


def test_without_im_write_a_reminder_dm_fails_with_missing_scope(
    without_im_write: SlackStandIn, tmp_path: Path
) -> None:
    slack = without_im_write
    ctx = _ctx(slack, tmp_path)
    _stale_task(ctx, slack)

    sent = send_reminders(ctx, now=at(22, 9, 30))

    assert sent.nudged == {}
    assert slack.dm_channel(PERSON) is None
    assert _refusal(slack, "conversations.open") == {
        "ok": False,
        "error": "missing_scope",
        "needed": "im:write",
        "provided": ",".join(slack.bot_scopes),
    }
    assert "im:write" not in slack.bot_scopes


def test_without_im_write_reminders_log_one_configuration_line_and_try_again_next_run(
    without_im_write: SlackStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slack = without_im_write
    ctx = _ctx(slack, tmp_path)
    tasks = {PERSON: [_stale_task(ctx, slack)], OTHER: [_stale_task(ctx, slack, OTHER)]}

    with caplog.at_level(logging.INFO, logger="workers.reminders"):
        refused = send_reminders(ctx, now=at(22, 9, 30))
    [line] = _lines(caplog, "workers.reminders")
    # Reinstalled with the manifest's scopes: the same run's nudges go out, none was lost.
    slack.set_scopes(manifest_bot_scopes(DEFAULT_MANIFEST))
    fixed = send_reminders(ctx, now=at(22, 9, 45))

    assert refused.nudged == {}
    message = line.getMessage()
    assert line.levelno == logging.ERROR
    assert "configuration problem" in message
    assert "im:write" in message
    assert "reinstall Factdesk from its manifest" in message
    # The second person was not refused one by one: the scope is the whole workspace's.
    assert len(slack.calls_to("conversations.open")) == 3
    assert fixed.nudged == tasks


# -- /factcheck export ----------------------------------------------------------------


def _export(ctx: WorkerContext, response_url: str | None = None) -> str | None:
    return export_claims(
        TEAM, CHANNEL, PERSON, "week", "csv", ctx, response_url=response_url, now=NOW
    )


def test_the_shipped_manifest_lets_an_export_reach_its_dm(
    shipped: SlackStandIn, tmp_path: Path
) -> None:
    file_id = _export(_ctx(shipped, tmp_path))

    [uploaded] = shipped.files()
    assert uploaded["id"] == file_id
    assert uploaded["channels"] == [shipped.dm_channel(PERSON)]


@pytest.mark.parametrize(
    ("fixture", "needed", "method"),
    [
        ("without_im_write", "im:write", "conversations.open"),
        ("without_files_write", "files:write", "files.getUploadURLExternal"),
    ],
)
def test_an_export_without_its_scopes_tells_the_person_which_one_and_what_to_do(
    fixture: str,
    needed: str,
    method: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slack: SlackStandIn = request.getfixturevalue(fixture)

    with caplog.at_level(logging.INFO):
        file_id = _export(_ctx(slack, tmp_path), slack.response_url("export-scopes"))

    assert file_id is None
    assert _refusal(slack, method)["needed"] == needed
    assert slack.files() == []
    [told] = slack.calls_to("response_url")
    assert told.path.endswith("/export-scopes")
    assert told.args["response_type"] == "ephemeral"
    assert told.args["text"] == (
        f":warning: I couldn't send you the CSV export of <#{CHANNEL}>: this app lacks the "
        f"`{needed}` permission. Ask a workspace admin to reinstall Factdesk from its "
        "manifest, which grants it, then run `/factcheck export week csv` again."
    )
    [line] = _lines(caplog, "workers.exports")
    assert line.getMessage() == (
        f"export not sent channel={CHANNEL} user={PERSON}: "
        f"{'conversations.open' if needed == 'im:write' else 'files_upload_v2'} failed: "
        f"missing_scope (needs {needed})"
    )
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == [line]


# -- the digest's chart ----------------------------------------------------------------


def _post_digest(slack: SlackStandIn, var: Path) -> tuple[WorkerContext, str]:
    ctx = _ctx(slack, var)
    with ctx.session() as session:
        seed(session, CHANNEL)
    return ctx, digest_worker.post_digest(TEAM, CHANNEL, WEEK_START, ctx, now=NOW)


def _chart_file_id(ctx: WorkerContext) -> str | None:
    with ctx.session() as session:
        [post] = session.query(DigestPost).all()
        return post.chart_file_id


def test_the_shipped_manifest_lets_the_digest_chart_be_uploaded(
    shipped: SlackStandIn, tmp_path: Path
) -> None:
    ctx, outcome = _post_digest(shipped, tmp_path)

    assert outcome == "posted"
    [chart] = shipped.files()
    assert _chart_file_id(ctx) == chart["id"]


def test_without_files_write_the_digest_goes_out_without_its_chart(
    without_files_write: SlackStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slack = without_files_write
    with caplog.at_level(logging.INFO, logger="workers.digest"):
        ctx, outcome = _post_digest(slack, tmp_path)

    assert outcome == "posted"
    assert slack.files() == []
    assert _chart_file_id(ctx) is None
    assert _refusal(slack, "files.getUploadURLExternal")["needed"] == "files:write"
    [line] = _lines(caplog, "workers.digest")
    assert line.getMessage() == (
        f"digest chart not uploaded, the digest went out without it channel={CHANNEL}: "
        "missing_scope (needs files:write): a configuration problem, reinstall Factdesk "
        "from its manifest"
    )
