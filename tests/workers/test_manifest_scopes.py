"""The worker against a stand-in that grants only a manifest's bot scopes, as Slack does.

With the shipped manifest, reminder DMs, exports and the digest chart go out; with one
that lacks im:write or files:write, Slack's `missing_scope` is what the worker meets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError

from factdesk.db import migrate
from factdesk.models import DigestPost
from factdesk.settings import Settings
from standin.slack_api import SlackStandIn
from standin.slack_methods import DEFAULT_MANIFEST
from tests.factdesk.services.digest_week import NOW, TEAM, WEEK_START, article, at, claim, seed
from workers import digest as digest_worker
from workers.context import WorkerContext
from workers.exports import export_claims
from workers.reminders import send_reminders

CHANNEL = "C0SCOPES"
PERSON = "U0SCOPES"


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


def _stale_task(ctx: WorkerContext, slack: SlackStandIn) -> int:
    """A task PERSON claimed three days ago, in a thread the stand-in holds."""
    with ctx.session() as session:
        story = article(session, CHANNEL, at(18, 9))
        assert story.slack_thread_ts is not None
        slack.add_message(CHANNEL, story.url, user="U0ANA", ts=story.slack_thread_ts)
        return claim(session, story, at(18, 9), assignee=PERSON, claimed_at=at(19, 9)).id


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


# -- /factcheck export ----------------------------------------------------------------


def _export(ctx: WorkerContext) -> str | None:
    return export_claims(TEAM, CHANNEL, PERSON, "week", "csv", ctx, now=NOW)


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
def test_an_export_without_its_scopes_fails_with_missing_scope(
    fixture: str, needed: str, method: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    slack: SlackStandIn = request.getfixturevalue(fixture)

    with pytest.raises(SlackApiError) as refused:
        _export(_ctx(slack, tmp_path))

    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == needed
    assert _refusal(slack, method)["needed"] == needed
    assert slack.files() == []


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
    without_files_write: SlackStandIn, tmp_path: Path
) -> None:
    slack = without_files_write
    ctx, outcome = _post_digest(slack, tmp_path)

    assert outcome == "posted"
    assert slack.files() == []
    assert _chart_file_id(ctx) is None
    assert _refusal(slack, "files.getUploadURLExternal")["needed"] == "files:write"
