"""Links to threads and tasks are the permalinks Slack itself would give."""

from __future__ import annotations

from factdesk.models import Article, Claim
from factdesk.render import links

WORKSPACE = "https://factdesk-demo.slack.com/"
ROOT = "1732480000.000100"
SUMMARY = "1732480001.000200"


def _article(**overrides: object) -> Article:
    fields: dict[str, object] = {
        "url": "https://news.example/story",
        "slack_channel_id": "C0DESK",
        "slack_thread_ts": ROOT,
        "slack_summary_ts": SUMMARY,
    }
    return Article(**{**fields, **overrides})


def _claim(number: int, **overrides: object) -> Claim:
    fields: dict[str, object] = {
        "id": number,
        "article": _article(),
        "text": "Officials said 1,000 troops were sent.",
        "slack_ts": f"1732480002.{number:06d}",
    }
    return Claim(**{**fields, **overrides})


def test_permalinks_match_slacks() -> None:
    assert (
        links.permalink(WORKSPACE, "C0DESK", "1732480000.000100")
        == "https://factdesk-demo.slack.com/archives/C0DESK/p1732480000000100"
    )
    assert links.permalink(WORKSPACE, "C0DESK", "1732480002.000003", "1732480000.000100") == (
        "https://factdesk-demo.slack.com/archives/C0DESK/p1732480002000003"
        "?thread_ts=1732480000.000100&cid=C0DESK"
    )


def test_task_links_point_at_the_task_or_its_thread() -> None:
    assert links.task_link(WORKSPACE, _claim(3)) == links.permalink(
        WORKSPACE, "C0DESK", "1732480002.000003", "1732480000.000100"
    )
    unposted = _claim(4, slack_ts=None)
    assert links.task_link(WORKSPACE, unposted) == links.permalink(
        WORKSPACE, "C0DESK", "1732480001.000200", "1732480000.000100"
    )
    assert links.task_link(None, _claim(3)) is None


def test_a_thread_link_opens_the_thread_at_its_summary() -> None:
    # A reply's permalink (with thread_ts) is the form that opens the thread; the root's
    # own permalink would only scroll the channel to it.
    assert links.thread_link(WORKSPACE, _article()) == links.permalink(
        WORKSPACE, "C0DESK", SUMMARY, ROOT
    )
    before_the_summary = _article(slack_summary_ts=None)
    assert links.thread_link(WORKSPACE, before_the_summary) == links.permalink(
        WORKSPACE, "C0DESK", ROOT
    )
    assert links.thread_link(WORKSPACE, _article(slack_thread_ts=None)) is None
    assert links.thread_link(None, _article()) is None
