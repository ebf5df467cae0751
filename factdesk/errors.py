"""Domain errors. Each carries a code for logs and a sentence for the person in Slack."""

from __future__ import annotations

from factdesk.render.mrkdwn import escape


class FactdeskError(Exception):
    """An expected failure with a stable code and a message fit to show a user."""

    code = "factdesk_error"
    user_message = "Something went wrong."

    def __init__(self, user_message: str | None = None, *, detail: str | None = None) -> None:
        self.user_message = user_message or type(self).user_message
        self.detail = detail
        super().__init__(f"{self.code}: {detail or self.user_message}")


class InvalidLink(FactdeskError):
    code = "invalid_link"
    user_message = "That doesn't look like a web link. Try `/factcheck https://example.com/story`."


class FetchFailed(FactdeskError):
    code = "fetch_failed"
    user_message = "I couldn't fetch that page."


class PageNotFound(FetchFailed):
    code = "http_error"


class Unreachable(FetchFailed):
    code = "unreachable"


class FetchTimeout(FetchFailed):
    code = "timeout"


class TooManyRedirects(FetchFailed):
    code = "too_many_redirects"


class PageTooLarge(FetchFailed):
    code = "too_large"


class NotAnArticle(FetchFailed):
    code = "not_an_article"


class NoArticleText(FactdeskError):
    code = "no_article_text"
    user_message = (
        "I fetched the page but found no article text in it: it may be behind a paywall "
        "or login, or be mostly video or images."
    )


class NeedsJavaScript(NoArticleText):
    code = "needs_javascript"
    user_message = (
        "That page builds its text with JavaScript in the browser, which I can't run, so I "
        "found no article in it. A link to a print or AMP version may work."
    )


class InternalError(FactdeskError):
    code = "internal_error"
    user_message = (
        "Something went wrong on my side while reading this link. "
        "The people who run Factdesk can find the details in the worker log."
    )


class TookTooLong(FactdeskError):
    code = "took_too_long"
    user_message = (
        "Reading this link took longer than I allow, so I stopped. "
        "A shorter page, or the same story from another site, may work."
    )


class SlackPostFailed(FactdeskError):
    code = "slack_post_failed"
    user_message = "I couldn't post the claims in Slack."

    def __init__(
        self,
        *,
        detail: str,
        transient: bool,
        slack_error: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail=detail)
        self.transient = transient
        self.slack_error = slack_error  # Slack's error code, when Slack answered
        # Slack's Retry-After on a 429 the client could not wait out within the task.
        self.retry_after = retry_after


class InvalidRequest(FactdeskError):
    code = "invalid_request"
    user_message = "That button is out of date. Scroll to the latest message and try again."


class ClaimNotFound(FactdeskError):
    code = "claim_not_found"
    user_message = "That task no longer exists. It may have been removed."


class AlreadyClaimed(FactdeskError):
    code = "already_claimed"

    def __init__(self, assignee: str) -> None:
        self.assignee = assignee
        super().__init__(f"This task is already claimed by <@{assignee}>.")


class NotAllowed(FactdeskError):
    code = "not_allowed"
    user_message = "You can't do that on this task."


class VerdictIncomplete(FactdeskError):
    """A verdict that breaks the channel's rules; `problems` maps each field to a sentence."""

    code = "verdict_incomplete"

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems.values()), detail=",".join(sorted(problems)))


class BadArgument(FactdeskError):
    """A `/factcheck` argument the command doesn't take; the sentence shows what it takes."""

    code = "bad_argument"


class NothingToSearch(BadArgument):
    user_message = "Say what to look for: `/factcheck search crime fell 40%`."


class MoreThanOneChannel(BadArgument):
    user_message = "Name one channel: `/factcheck open #channel`."


class StatusWithoutLink(BadArgument):
    user_message = "Add the link to look up: `/factcheck status https://example.com/story`."


class UnknownWeek(BadArgument):
    user_message = (
        "Say which week: `/factcheck digest this-week` (so far) or `/factcheck digest last-week`."
    )


class UnknownExport(BadArgument):
    user_message = (
        "Try `/factcheck export [week|month|all] [csv|claimreview]`, for example "
        "`/factcheck export month claimreview`."
    )


class OnlyAgainAfterLink(BadArgument):
    def __init__(self, url: str, *, detail: str) -> None:
        super().__init__(
            "After the link I only understand `again`, which reads the article afresh: "
            f"`/factcheck {escape(url)} again`.",
            detail=detail,
        )


class TakesNoArgument(BadArgument):
    def __init__(self, word: str, *, detail: str) -> None:
        super().__init__(
            f"`/factcheck {word}` takes nothing after it. Try `/factcheck {word}`.", detail=detail
        )


class UnknownChannel(BadArgument):
    def __init__(self, token: str) -> None:
        super().__init__(
            f"I can't tell which channel `{escape(token[:80])}` is. Type `#` and pick "
            "the channel from the list Slack offers, or run `/factcheck open` in that channel.",
            detail=token[:200],
        )


class PartialLink(InvalidLink):
    def __init__(self, token: str) -> None:
        super().__init__(
            f"`{escape(token[:80])}` isn't a full web link. Start it with "
            "https://, for example `/factcheck https://example.com/story`.",
            detail=token[:200],
        )
