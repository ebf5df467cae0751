"""Tokens and secrets never reach a log: every log of a full scenario is searched for them."""

from __future__ import annotations

import logging

import pytest

from factdesk.ids import ActionId
from standin.signing import message_event, post_event
from standin.slack_api import SlackStandIn
from tests.conftest import SIGNING_SECRET, System, share_in

pytestmark = pytest.mark.scenario

BOT_TOKEN = "xoxb-test"  # the system fixture's, sent with every Web API call


def test_a_full_scenario_logs_no_token_or_signing_secret(
    system: System, caplog: pytest.LogCaptureFixture
) -> None:
    worker_log = system.settings.var_dir / "worker.log"
    already = worker_log.stat().st_size
    with caplog.at_level(logging.DEBUG):
        ts = share_in(
            system,
            f"Check <{system.pages.article_url('north-korean-troops-russia.html')}> "
            "and <http://169.254.169.254/latest/meta-data/>",
            team="T0SECRETS",
        )

        def first_task(slack: SlackStandIn) -> bool:
            return any("Claim 1 of" in m["text"] for m in slack.thread("C0NEWSDESK", ts))

        system.slack.wait_for(first_task, timeout=60)
        tasks = [m for m in system.slack.thread("C0NEWSDESK", ts) if "Claim 1 of" in m["text"]]
        system.click(tasks[0], ActionId.CLAIM_TASK, user="U0BEN")
        # A forged request: the refusal is logged, its signature and body are not.
        forged = message_event(text="x", channel="C0NEWSDESK", user="U0ANA", ts="1.000001")
        post_event(system.events_url, forged, "forged")

    bot_logs = caplog.text
    worker_logs = worker_log.read_text(errors="replace")[already:]
    assert "refused" in bot_logs, "the scenario did log"
    assert "ingest done" in worker_logs or "ingest failed" in worker_logs
    for name, text in (("bot", bot_logs), ("worker", worker_logs)):
        assert BOT_TOKEN not in text, f"the bot token is in the {name} log"
        assert SIGNING_SECRET not in text, f"the signing secret is in the {name} log"
        assert "v0=" not in text, f"a request signature is in the {name} log"


def test_log_records_are_scrubbed_wherever_they_go(caplog: pytest.LogCaptureFixture) -> None:
    from factdesk.logs import redact

    redact(["a-signing-secret-value"])
    with caplog.at_level(logging.INFO):
        logging.getLogger("factdesk.test").info(
            "calling with %s, xapp-1-A0-123 and a-signing-secret-value", "xoxb-12-34-abc"
        )
    assert caplog.records[-1].getMessage() == "calling with [redacted], [redacted] and [redacted]"
