"""A link shared in a channel becomes a thread of claim tasks: signed HTTP, real worker."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from factdesk.ids import STATUS_ACTIONS, ActionId
from factdesk.models import Article, ArticleState
from tests.conftest import System, share_in

pytestmark = pytest.mark.scenario

SEED = "north-korean-troops-russia.html"


def _articles(system: System, ts: str) -> list[Article]:
    with system.session() as session:
        return list(
            session.scalars(
                select(Article).where(Article.slack_message_ts == ts).order_by(Article.id)
            )
        )


def test_seed_article_becomes_summary_and_one_task_per_claim(system: System) -> None:
    ts = system.share(f"Can someone check this? <{system.pages.article_url(SEED)}>")

    assert system.wait_until_done(ts) == "white_check_mark"

    thread = system.slack.thread("C0NEWSDESK", ts)
    summary, *tasks = thread
    [article] = _articles(system, ts)
    assert article.state is ArticleState.DONE
    assert article.language == "en"
    assert article.canonical_url is not None
    assert article.canonical_url.startswith("https://")
    assert len(tasks) >= 10
    assert summary["text"].startswith(f"{len(tasks)} claims to check in ")
    assert "North Korean troops" in summary["text"]
    assert f"0 of {len(tasks)} checked" in summary["text"]
    for number, task in enumerate(tasks, start=1):
        assert task["text"].startswith(f"Claim {number} of {len(tasks)} (open)")
        actions = {e.get("action_id") for b in task["blocks"] for e in b.get("elements", [])}
        assert {ActionId.CLAIM_TASK, *STATUS_ACTIONS} <= actions
    reactions = system.slack.calls_to("reactions.add")
    assert [c.args["name"] for c in reactions if c.args["timestamp"] == ts] == [
        "mag",
        "white_check_mark",
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/status/404", "wasn't found (HTTP 404)"),
        ("/image.png", "an image file (image/png), not an article"),
        ("/articles/paywall.html", "no article text"),
    ],
)
def test_unreadable_links_get_a_clear_reply(system: System, path: str, expected: str) -> None:
    ts = system.share(f"Check <{system.pages.url}{path}>")

    assert system.wait_until_done(ts) == "warning"

    [reply] = system.slack.thread("C0NEWSDESK", ts)
    assert expected in reply["text"]
    [article] = _articles(system, ts)
    assert article.state is ArticleState.FAILED


def test_unreachable_host_gets_a_clear_reply(system: System) -> None:
    # Port 9 (discard) on loopback refuses connections: unreachable without leaving the machine.
    ts = system.share("Check <http://127.0.0.1:9/story|this story>")

    assert system.wait_until_done(ts) == "warning"

    [reply] = system.slack.thread("C0NEWSDESK", ts)
    assert "couldn't connect to 127.0.0.1" in reply["text"]
    [article] = _articles(system, ts)
    assert article.error_code == "unreachable"


def test_message_without_a_link_is_left_alone(system: System) -> None:
    ts = system.share("Morning all, who is on the desk today?")

    time.sleep(1)  # the listener runs after the ack; give it time to do something wrong
    assert _articles(system, ts) == []
    assert system.slack.thread("C0NEWSDESK", ts) == []
    assert all(call.args.get("timestamp") != ts for call in system.slack.calls_to("reactions.add"))


def test_two_links_give_two_summaries_in_the_same_thread(system: System) -> None:
    seed = system.pages.article_url(SEED)
    release = system.pages.article_url("press-release.txt")
    # Another workspace: in this one the seed article already has a thread.
    ts = share_in(system, f"Two to check: <{seed}> and <{release}|the release>", team="T0LINKS2")

    system.slack.wait_for(
        lambda s: [a.state for a in _articles(system, ts)] == [ArticleState.DONE] * 2, timeout=90
    )

    articles = _articles(system, ts)
    assert [a.url for a in articles] == [seed, release]
    summaries = [
        m for m in system.slack.thread("C0NEWSDESK", ts) if "claims to check in" in m["text"]
    ]
    assert len(summaries) == 2


def test_redelivered_event_does_no_duplicate_work(system: System) -> None:
    from standin.signing import message_event, post_event
    from tests.conftest import SIGNING_SECRET

    link = system.pages.article_url("press-release.txt") + "?utm_source=slack"
    ts = system.slack.add_message("C0GENERAL", f"<{link}>", user="U0BEN")
    event = message_event(
        text=f"<{link}>", channel="C0GENERAL", user="U0BEN", ts=ts, team_id="T0LINKS3"
    )
    for retry in (None, 1):
        status, _ = post_event(system.events_url, event, SIGNING_SECRET, retry_num=retry)
        assert status == 200

    system.wait_until_done(ts, channel="C0GENERAL")
    assert len(_articles(system, ts)) == 1
    summaries = [m for m in system.slack.thread("C0GENERAL", ts) if "to check in" in m["text"]]
    assert len(summaries) == 1


def test_bot_messages_and_edits_are_ignored(system: System) -> None:
    from standin.signing import message_event, post_event
    from tests.conftest import SIGNING_SECRET

    link = system.pages.article_url(SEED)
    shared = []
    for extra in (
        {"bot_id": "B0OTHER"},
        {"subtype": "message_changed"},
        {"subtype": "bot_message"},
    ):
        ts = system.slack.add_message("C0NEWSDESK", f"<{link}>", user="U0ANA")
        event = message_event(text=f"<{link}>", channel="C0NEWSDESK", user="U0ANA", ts=ts, **extra)
        status, _ = post_event(system.events_url, event, SIGNING_SECRET)
        assert status == 200
        shared.append(ts)

    time.sleep(1)
    assert [_articles(system, ts) for ts in shared] == [[], [], []]


def test_unsigned_request_is_refused(system: System) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        system.events_url, data=b'{"type": "event_callback"}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
