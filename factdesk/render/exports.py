"""`/factcheck export` in Slack: the ack, the file's comment, and what the person is told
when the file can't be sent."""

from __future__ import annotations

from factdesk.services.exports import Format, Scope

# Keyed by the enums, looked up by the words the command carries (a StrEnum is its value).
SCOPE_WORDS: dict[str, str] = {
    Scope.WEEK: "the last 7 days",
    Scope.MONTH: "the last 30 days",
    Scope.ALL: "all time",
}
FORMAT_WORDS: dict[str, str] = {Format.CSV: "CSV", Format.CLAIMREVIEW: "ClaimReview JSON-LD"}
# What one line of the file holds, in each format.
ROW_WORDS: dict[str, str] = {Format.CSV: "claims", Format.CLAIMREVIEW: "ClaimReview records"}


def export_requested(scope: str, fmt: str) -> str:
    """The ack of `/factcheck export`: the file follows in a DM."""
    return (
        f":hourglass_flowing_sand: Preparing a {FORMAT_WORDS[fmt]} export of this "
        f"channel's claims for {SCOPE_WORDS[scope]}. I'll send the file in a DM."
    )


def export_comment(channel_id: str, scope: Scope, fmt: Format, count: int) -> str:
    """The message the file arrives with in the person's DM."""
    what, when = ROW_WORDS[fmt], SCOPE_WORDS[scope]
    if count:
        return f"Your export of <#{channel_id}>, {when}: {count} {what}."
    return f"Nothing to export from <#{channel_id}> for {when}: the file has no {what}."


def export_command(scope: str, fmt: str) -> str:
    """The command that asks for this export again, as the person would type it."""
    return f"`/factcheck export {scope} {fmt}`"


def export_not_sent(channel_id: str, fmt: str, why: str) -> str:
    """What the person who ran `/factcheck export` sees when Slack refused the file;
    `why` says what went wrong and what to do (`Refusal.advice`)."""
    return f":warning: I couldn't send you the {FORMAT_WORDS[fmt]} export of <#{channel_id}>: {why}"


def export_crashed(channel_id: str, scope: str, fmt: str) -> str:
    """What the person sees when building the export failed on our side."""
    return (
        f":warning: Something went wrong on my side while building the "
        f"{FORMAT_WORDS[fmt]} export of <#{channel_id}>. Run "
        f"{export_command(scope, fmt)} again in a minute; if it keeps failing, the "
        "people who run Factdesk can find the details in the worker log."
    )
