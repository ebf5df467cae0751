"""`/factcheck`: signed slash commands."""

from __future__ import annotations

import json

import pytest

from standin.signing import post_command, slash_command
from tests.conftest import SIGNING_SECRET, System

pytestmark = pytest.mark.scenario


def _run(system: System, text: str) -> tuple[int, str]:
    form = slash_command(
        command="/factcheck",
        text=text,
        user="U0ANA",
        channel="C0GENERAL",
        response_url=system.slack.response_url(f"cmd-{abs(hash(text))}"),
    )
    return post_command(system.events_url, form, SIGNING_SECRET)


def test_link_gets_an_ephemeral_answer_and_a_thread(system: System) -> None:
    link = system.pages.article_url("press-release.txt")

    status, body = _run(system, link)

    assert status == 200
    assert "On it" in body

    def anchored(slack) -> bool:  # type: ignore[no-untyped-def]
        return any(
            link in m["text"] and "asked me to fact-check" in m["text"]
            for m in slack.messages("C0GENERAL")
        )

    system.slack.wait_for(anchored, timeout=30)
    anchor = next(
        m
        for m in system.slack.messages("C0GENERAL")
        if link in m["text"] and "asked me" in m["text"]
    )
    system.slack.wait_for(
        lambda s: any("to check in" in m["text"] for m in s.thread("C0GENERAL", anchor["ts"])),
        timeout=60,
    )


def test_no_argument_shows_help(system: System) -> None:
    status, body = _run(system, "")

    assert status == 200
    assert "/factcheck <link>" in body


def test_not_a_link_is_explained(system: System) -> None:
    status, body = _run(system, "the mayor's speech")

    assert status == 200
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral"
    assert "doesn't look like a web link" in answer["text"]
