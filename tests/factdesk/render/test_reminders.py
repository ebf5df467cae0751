"""The reminder DM and thread ping: plain words, hostile claims shown and not acted on."""

from __future__ import annotations

from factdesk.models import Article, Claim
from factdesk.render.reminders import nudge_message, ping_message
from tests.factdesk.services.digest_week import at
from tests.hostile import HOSTILE, problems

CHANNEL = "C0REMIND"
NUDGED = "U0REMNUDGE"


def test_a_nudge_shows_hostile_claims_without_acting_on_them() -> None:
    story = Article(
        id=1,
        url="https://news.example/a",
        slack_channel_id=CHANNEL,
        slack_thread_ts="1732000000.000100",
    )
    claims = [
        Claim(
            id=n,
            article=story,
            text=f"{HOSTILE} claim {n}",
            assignee=NUDGED,
            claimed_at=at(19, 9),
            slack_ts=f"1732000001.00000{n}",
        )
        for n in range(1, 4)
    ]

    message = nudge_message(claims, at(22, 9), "https://factdesk-demo.slack.com/")

    assert problems({"text": message.text, "blocks": message.blocks}) == []
    assert message.text.count("&amp;cid=") == 3, "thread links escape their query"
    assert "&lt;!channel&gt;" in message.text


def test_a_nudge_about_one_task_says_it_and_counts_days_in_words() -> None:
    story = Article(id=1, url="https://news.example/a", slack_channel_id=CHANNEL)
    one = Claim(id=1, article=story, text="Crime fell 40%.", assignee=NUDGED, claimed_at=at(21, 9))

    text = nudge_message([one], at(22, 10), None).text
    two = nudge_message([one, one], at(21, 12), None).text

    assert "A task you claimed is still waiting for a verdict." in text
    assert "Give it one, or release it so someone else can pick it up." in text
    assert "claimed 1 day ago" in text
    assert "release them so someone else can pick them up." in two
    assert "claimed today" in two


def test_a_ping_names_the_waiting_tasks() -> None:
    assert ping_message([3], 24).text == (
        ":wave: Claim 3 has waited over 24 hours with nobody on it. "
        "Can someone pick one up? Click Claim on the task."
    )
    assert ping_message([3, 5], 1.5).text.startswith(
        ":wave: Claims 3, 5 have waited over 1.5 hours with nobody on them."
    )
