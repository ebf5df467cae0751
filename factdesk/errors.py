"""Domain errors. Each carries a code for logs and a sentence for the person in Slack."""

from __future__ import annotations


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
