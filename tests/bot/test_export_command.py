"""`/factcheck export`: acked at once, built by a real worker, uploaded to a DM."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid

import pytest

from bot.subcommands import parse
from factdesk.errors import BadArgument
from factdesk.models import Claim, ClaimStatus
from factdesk.services import claims
from standin.signing import post_command, slash_command
from tests.bot.desk_rows import seed_thread
from tests.conftest import SIGNING_SECRET, System

pytestmark = pytest.mark.scenario

CHANNEL = "C0EXPORTCMD"
USER = "U0EXPORTER"


@pytest.fixture(scope="module")
def thread(system: System) -> list[int]:
    system.slack.add_channel(CHANNEL, "exportcmd")
    system.slack.add_user(USER, "exporter")
    _, ids = seed_thread(system, channel=CHANNEL, url="https://news.example/export-cmd", claims=3)
    with system.session() as session:
        claims.claim_task(session=session, claim_id=ids[0], user_id=USER)
        claims.set_status(
            session=session,
            claim_id=ids[1],
            user_id=USER,
            status=ClaimStatus.DISPUTED,
            note="The report says 1,500.",
            evidence_urls=["https://example.org/report"],
        )
    return ids


def _export(system: System, text: str) -> tuple[str, bytes]:
    """Run the command; the ack's text and the uploaded file's bytes."""
    files = len(system.slack.files())
    form = slash_command(
        command="/factcheck",
        text=text,
        user=USER,
        channel=CHANNEL,
        response_url=system.slack.response_url(f"exp-{uuid.uuid4().hex[:8]}"),
    )
    started = time.monotonic()
    status, body = post_command(system.events_url, form, SIGNING_SECRET)
    assert time.monotonic() - started < 3
    assert status == 200, body
    system.slack.wait_for(lambda s: len(s.files()) > files, timeout=30)
    uploaded = system.slack.files()[files]
    assert uploaded["channels"] == [system.slack.dm_channel(USER)]
    return str(json.loads(body)["text"]), bytes(uploaded["content"])


def test_csv_export_lands_in_a_dm_and_matches_the_database(
    system: System, thread: list[int]
) -> None:
    answer, content = _export(system, "export all csv")

    assert "CSV export" in answer
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert sorted(int(row["claim_id"]) for row in rows) == sorted(thread)
    with system.session() as session:
        for row in rows:
            claim = session.get(Claim, int(row["claim_id"]))
            assert claim is not None
            assert row["claim"] == claim.text
            assert row["assignee"] == (claim.assignee or "")
            assert row["verdict"] == (claim.status.value if claim.status.is_verdict else "")
            assert row["verdict_note"] == (claim.verdict_note or "")
            assert row["evidence_urls"].split() == claim.evidence_urls
            assert row["thread_url"].startswith("https://factdesk-demo.slack.com/archives/")
    dm = system.slack.dm_channel(USER)
    assert dm is not None
    assert "3 claims" in system.slack.messages(dm)[-1]["text"]


def test_claimreview_export_holds_the_disputed_claim(system: System, thread: list[int]) -> None:
    answer, content = _export(system, "export claimreview week")

    assert "ClaimReview JSON-LD" in answer
    [review] = json.loads(content)
    assert review["@type"] == "ClaimReview"
    assert review["reviewRating"]["alternateName"] == "Disputed"
    assert review["itemReviewed"]["appearance"][0]["url"] == "https://news.example/export-cmd"
    assert review["author"]["name"] == "Factdesk Demo"  # the workspace, from auth.test
    assert review["url"].startswith("https://factdesk-demo.slack.com/archives/C0EXPORTCMD/p")


@pytest.mark.parametrize(
    ("text", "scope", "fmt"),
    [
        ("export", "week", "csv"),
        ("export month", "month", "csv"),
        ("export claimreview", "week", "claimreview"),
        ("export ALL CSV", "all", "csv"),
    ],
)
def test_export_arguments(text: str, scope: str, fmt: str) -> None:
    request = parse(text)

    assert (request.scope, request.fmt) == (scope, fmt)


@pytest.mark.parametrize("text", ["export year", "export csv csv", "export week month"])
def test_bad_export_arguments_are_explained(text: str) -> None:
    with pytest.raises(BadArgument) as refused:
        parse(text)

    assert "/factcheck export [week|month|all] [csv|claimreview]" in refused.value.user_message


def test_an_export_slack_refuses_is_explained_where_the_command_ran(
    system: System, thread: list[int]
) -> None:
    key = f"exp-refused-{uuid.uuid4().hex[:8]}"
    form = slash_command(
        command="/factcheck",
        text="export month csv",
        user=USER,
        channel=CHANNEL,
        response_url=system.slack.response_url(key),
    )
    without_im_write = [s for s in system.slack.bot_scopes if s != "im:write"]

    with system.slack.scopes_granted(without_im_write):
        status, body = post_command(system.events_url, form, SIGNING_SECRET)
        assert status == 200, body
        system.slack.wait_for(
            lambda s: any(c.path.endswith(key) for c in s.calls_to("response_url")), timeout=30
        )

    [told] = [c for c in system.slack.calls_to("response_url") if c.path.endswith(key)]
    assert told.args["response_type"] == "ephemeral"
    assert told.args["text"] == (
        f":warning: I couldn't send you the CSV export of <#{CHANNEL}>: this app lacks the "
        "`im:write` permission. Ask a workspace admin to reinstall Factdesk from its "
        "manifest, which grants it, then run `/factcheck export month csv` again."
    )
