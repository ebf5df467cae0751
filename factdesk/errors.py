"""Domain errors. Each carries a code for logs and a sentence for the person in Slack."""

from __future__ import annotations

from typing import Self

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

    @classmethod
    def http(cls, status: int, reason: str, *, detail: str) -> Self:
        if status in (404, 410):
            return cls(
                f"That page wasn't found (HTTP {status}). It may have moved or been taken down.",
                detail=detail,
            )
        if status in (401, 403):
            return cls(
                f"The site refused to show me that page (HTTP {status}). It may need a login.",
                detail=detail,
            )
        if status == 429:
            return cls(
                "The site is limiting requests (HTTP 429). Try again in a few minutes.",
                detail=detail,
            )
        if status >= 500:
            return cls(f"The site had an error (HTTP {status}). Try again later.", detail=detail)
        return cls(f"The site answered HTTP {status} {reason} for that link.", detail=detail)


class Unreachable(FetchFailed):
    code = "unreachable"

    @classmethod
    def no_connection(cls, host: str, *, detail: str) -> Self:
        return cls(
            f"I couldn't connect to {host}. Check the link, or try again later.", detail=detail
        )


class FetchTimeout(FetchFailed):
    code = "timeout"

    @classmethod
    def slow_answer(cls, host: str, *, detail: str) -> Self:
        return cls(f"{host} took too long to answer. Try again later.", detail=detail)

    @classmethod
    def slow_page(cls, *, detail: str) -> Self:
        return cls("The site was too slow sending the page.", detail=detail)


class TooManyRedirects(FetchFailed):
    code = "too_many_redirects"

    @classmethod
    def beyond(cls, limit: int, *, detail: str) -> Self:
        return cls(
            f"That link redirects more than {limit} times, so I stopped following it.",
            detail=detail,
        )


class PageTooLarge(FetchFailed):
    code = "too_large"

    @classmethod
    def beyond(cls, cap_bytes: int, *, detail: str) -> Self:
        return cls(
            f"That page is larger than {cap_bytes // (1024 * 1024)} MB, too large for me to read.",
            detail=detail,
        )


class NotAnArticle(FetchFailed):
    code = "not_an_article"

    @classmethod
    def of_type(cls, content_type: str, *, detail: str) -> Self:
        return cls(
            f"That link points to {_describe(content_type)}, not an article I can read.",
            detail=detail,
        )

    @classmethod
    def compressed_as(cls, encoding: str, *, detail: str) -> Self:
        return cls(
            f"That site sent the page compressed as {encoding[:40]}, which I can't read.",
            detail=detail,
        )

    @classmethod
    def broken_compression(cls, *, detail: str) -> Self:
        return cls(
            "That site sent a page whose compression is broken, so I couldn't read it.",
            detail=detail,
        )

    @classmethod
    def not_a_pdf(cls, *, detail: str) -> Self:
        return cls("That link says it is a PDF, but what it sends isn't one.", detail=detail)


def _describe(content_type: str) -> str:
    kind = content_type.split("/")[0]
    if kind in {"image", "video", "audio"}:
        return (
            f"an {kind} file ({content_type})"
            if kind in {"image", "audio"}
            else f"a video ({content_type})"
        )
    return f"a file of type {content_type}"


class NotAWebAddress(Unreachable):
    code = "not_a_web_address"
    user_message = "That link isn't a web address I can open."


class DecompressionBomb(PageTooLarge):
    code = "decompression_bomb"
    user_message = (
        "That page is compressed far more than any real page is (a decompression bomb), "
        "so I stopped reading it."
    )


class BinaryPage(NotAnArticle):
    code = "binary_page"
    user_message = "That link says it is a web page but sends binary data, not text I can read."

    @classmethod
    def sends(cls, kind: str, *, detail: str) -> Self:
        return cls(
            f"That link says it is a web page but sends {kind}, not text I can read.",
            detail=detail,
        )


class UnreadablePdf(NotAnArticle):
    code = "unreadable_pdf"
    user_message = "That link is a PDF I couldn't read: it may be damaged or only scanned images."


class EncryptedPdf(NotAnArticle):
    code = "encrypted_pdf"
    user_message = "That link is a password-protected PDF, so I can't read it."


class FetchRefused(FetchFailed):
    """A link Factdesk will not open, whatever the site answers."""

    code = "fetch_refused"
    user_message = "I can't fetch that link."


class UnsupportedScheme(FetchRefused):
    code = "unsupported_scheme"
    user_message = "I can only fetch http:// and https:// links."


class CredentialsInLink(FetchRefused):
    code = "credentials_in_link"
    user_message = "I don't open links that carry a user name or password."


class PrivateAddress(FetchRefused):
    code = "private_address"
    user_message = "I can't fetch links to private network addresses."


class LoopbackAddress(FetchRefused):
    code = "loopback_address"
    user_message = "I can't fetch links to the machine I run on (localhost)."


class LinkLocalAddress(FetchRefused):
    code = "link_local_address"
    user_message = (
        "I can't fetch links to link-local addresses, such as a cloud provider's metadata service."
    )


class NonPublicAddress(FetchRefused):
    code = "non_public_address"
    user_message = (
        "I can't fetch links to addresses that aren't on the public internet "
        "(multicast, reserved or unspecified addresses)."
    )


class HostNotFound(FetchRefused):
    code = "host_not_found"
    user_message = "I couldn't find that site: its name doesn't resolve to an address."

    @classmethod
    def unresolved(cls, host: str, *, detail: str) -> Self:
        return cls(
            f"I couldn't find {host}: its name doesn't resolve to an address.", detail=detail
        )


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


class NotInstalled(FactdeskError):
    code = "not_installed"
    user_message = "Factdesk is no longer installed in this workspace."


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
