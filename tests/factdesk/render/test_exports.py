"""`/factcheck export` in words: the ack, the file's comment, and the failures."""

from __future__ import annotations

from factdesk.render import exports
from factdesk.services.exports import Format, Scope


def test_the_ack_names_the_format_and_the_period() -> None:
    assert exports.export_requested("month", "claimreview") == (
        ":hourglass_flowing_sand: Preparing a ClaimReview JSON-LD export of this channel's "
        "claims for the last 30 days. I'll send the file in a DM."
    )


def test_the_files_comment_counts_what_it_holds() -> None:
    assert exports.export_comment("C0EXP", Scope.WEEK, Format.CSV, 3) == (
        "Your export of <#C0EXP>, the last 7 days: 3 claims."
    )
    assert exports.export_comment("C0EXP", Scope.ALL, Format.CLAIMREVIEW, 0) == (
        "Nothing to export from <#C0EXP> for all time: the file has no ClaimReview records."
    )


def test_a_failure_says_how_to_ask_again() -> None:
    crashed = exports.export_crashed("C0EXP", "week", "csv")

    assert crashed.startswith(":warning: Something went wrong on my side while building the CSV")
    assert "Run `/factcheck export week csv` again in a minute" in crashed
    assert exports.export_not_sent("C0EXP", "csv", "the upload to Slack failed.") == (
        ":warning: I couldn't send you the CSV export of <#C0EXP>: the upload to Slack failed."
    )
