"""Links to Slack messages: a permalink, an article's thread, a claim's task.

Built from the workspace's web address (`slack.workspace_url`, one `auth.test` per token)
in the form `chat.getPermalink` answers, so a list of twenty tasks costs no API call per
task. Slack's documented forms: a top-level message is `…/archives/C…/p<ts>`, and a reply
in a thread `…/archives/C…/p<reply ts>?thread_ts=<root ts>&cid=C…`, the only form that
opens the thread itself. https://docs.slack.dev/reference/methods/chat.getPermalink
"""

from __future__ import annotations

from factdesk.models import Article, Claim


def permalink(workspace: str, channel_id: str, ts: str, thread_ts: str | None = None) -> str:
    """A message's permalink, as `chat.getPermalink` would answer it.

    The address as it is, for a button's `url` or a file; in mrkdwn it goes through
    `mrkdwn.link`, which escapes the `&` of its `thread_ts` query.
    """
    link = f"{workspace.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts is not None and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


def thread_link(workspace_url: str | None, article: Article) -> str | None:
    """Where an article's fact-check thread opens: its summary, the thread's first reply,
    or the message the thread hangs on while there is no summary yet."""
    if not workspace_url or article.slack_thread_ts is None:
        return None
    if article.slack_summary_ts is not None:
        return permalink(
            workspace_url,
            article.slack_channel_id,
            article.slack_summary_ts,
            article.slack_thread_ts,
        )
    return permalink(workspace_url, article.slack_channel_id, article.slack_thread_ts)


def task_link(workspace_url: str | None, claim: Claim) -> str | None:
    """The claim's own task message in its thread, or the thread if it isn't posted yet."""
    article = claim.article
    if workspace_url and claim.slack_ts is not None and article.slack_thread_ts is not None:
        return permalink(
            workspace_url, article.slack_channel_id, claim.slack_ts, article.slack_thread_ts
        )
    return thread_link(workspace_url, article)
