"""CSV and ClaimReview exports parse, and hold what the database holds."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

from sqlalchemy.orm import Session

from factdesk.models import Claim, ClaimStatus
from factdesk.services import exports
from factdesk.services.exports import Format, Organisation, Scope
from tests.factdesk.services.digest_week import NOW, TEAM, article, at, claim

CHANNEL = "C0EXPORTS"
ORG = Organisation("The Meridian Checkers", "https://checkers.example/")

# Google's ClaimReview structured data: the required and the recommended properties.
REQUIRED = ("claimReviewed", "reviewRating", "url", "author", "datePublished")
RECOMMENDED_RATING = ("alternateName", "ratingValue", "bestRating", "worstRating")


def _link(claim: Claim) -> str:
    return f"https://factdesk-demo.slack.com/archives/{CHANNEL}/p{claim.id}"


def _seed(session: Session) -> dict[str, Claim]:
    story = article(
        session,
        CHANNEL,
        at(20, 9),
        title="Troops story",
        site="The Meridian Post",
        published_date=date(2024, 11, 19),
        url="https://news.example/troops?id=1",
    )
    rows = {
        "disputed": claim(
            session,
            story,
            at(20, 9),
            text="=1+1 officials said 5,000 troops were sent.",
            speaker="Lloyd Austin",
            status=ClaimStatus.DISPUTED,
            assignee="U0ANA",
            claimed_at=at(20, 10),
            status_set_by="U0ANA",
            status_set_at=at(21, 9),
            verdict_note="Only 1,500 went.",
            evidence_urls=["https://example.org/a", "https://example.org/b"],
        ),
        "confirmed": claim(
            session,
            story,
            at(20, 9),
            text="The ministry confirmed the figure on Tuesday.",
            status=ClaimStatus.CONFIRMED,
            assignee="U0BEN",
            claimed_at=at(20, 11),
            status_set_by="U0BEN",
            status_set_at=at(22, 9),
            rating_explanation="The ministry's release says so.",
            evidence_urls=["https://example.org/release"],
        ),
        "unverified": claim(
            session,
            story,
            at(20, 9),
            status=ClaimStatus.UNVERIFIED,
            status_set_by="U0BEN",
            status_set_at=at(22, 10),
            assignee="U0BEN",
            claimed_at=at(22, 10),
        ),
        "open": claim(session, story, at(20, 9), assignee="U0CAT", claimed_at=at(23, 9)),
        "dismissed": claim(session, story, at(20, 9), status=ClaimStatus.DISMISSED),
    }
    old = article(session, CHANNEL, at(1, 9))
    rows["old"] = claim(
        session, old, at(1, 9), status=ClaimStatus.CONFIRMED, status_set_by="U0ANA",
        status_set_at=at(2, 9), evidence_urls=["https://example.org/old"],
    )  # fmt: skip
    return rows


def test_csv_rows_match_the_database(session: Session) -> None:
    rows = _seed(session)

    found = exports.claims_for_csv(
        session=session, team_id=TEAM, channel_id=CHANNEL, scope=Scope.WEEK, now=NOW
    )
    parsed = list(csv.DictReader(io.StringIO(exports.to_csv(found, _link))))

    assert tuple(parsed[0]) == exports.CSV_COLUMNS
    by_id = {int(row["claim_id"]): row for row in parsed}
    expected = ["disputed", "confirmed", "unverified", "open"]
    assert sorted(by_id) == sorted(rows[name].id for name in expected)
    disputed = by_id[rows["disputed"].id]
    # A cell that would run as a formula in a spreadsheet is defused.
    assert disputed["claim"] == "'=1+1 officials said 5,000 troops were sent."
    assert disputed["speaker"] == "Lloyd Austin"
    assert (disputed["status"], disputed["verdict"]) == ("disputed", "disputed")
    assert disputed["verdict_note"] == "Only 1,500 went."
    assert disputed["evidence_urls"].split() == ["https://example.org/a", "https://example.org/b"]
    assert disputed["assignee"] == "U0ANA"
    assert disputed["claimed_at"] == "2024-11-20T10:00:00Z"
    assert (disputed["verdict_by"], disputed["verdict_at"]) == ("U0ANA", "2024-11-21T09:00:00Z")
    assert disputed["created_at"] == "2024-11-20T09:00:00Z"
    assert disputed["article_url"] == "https://news.example/troops?id=1"
    assert disputed["article_title"] == "Troops story"
    assert disputed["thread_url"] == _link(rows["disputed"])
    still_open = by_id[rows["open"].id]
    assert (still_open["status"], still_open["verdict"], still_open["verdict_at"]) == (
        "claimed",
        "",
        "",
    )
    everything = exports.claims_for_csv(
        session=session, team_id=TEAM, channel_id=CHANNEL, scope=Scope.ALL, now=NOW
    )
    assert rows["old"].id in {c.id for c in everything}
    month = exports.claims_for_csv(
        session=session, team_id=TEAM, channel_id=CHANNEL, scope=Scope.MONTH, now=NOW
    )
    assert rows["old"].id in {c.id for c in month}
    assert len(month) == len(everything) == 5


def test_claimreview_has_the_required_and_recommended_fields(session: Session) -> None:
    rows = _seed(session)

    reviewed = exports.claims_for_claimreview(
        session=session, team_id=TEAM, channel_id=CHANNEL, scope=Scope.WEEK, now=NOW
    )
    document = json.loads(exports.to_claimreview(reviewed, organisation=ORG, link=_link))

    assert [review["claimReviewed"] for review in document] == [
        rows["disputed"].text,
        rows["confirmed"].text,
    ]
    for review in document:
        assert review["@context"] == "https://schema.org"
        assert review["@type"] == "ClaimReview"
        for name in REQUIRED:
            assert review[name], name
        rating = review["reviewRating"]
        assert rating["@type"] == "Rating"
        for name in RECOMMENDED_RATING:
            assert name in rating, name
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        item = review["itemReviewed"]
        assert item["@type"] == "Claim"
        assert item["appearance"][0] == {
            "@type": "CreativeWork",
            "url": "https://news.example/troops?id=1",
            "headline": "Troops story",
            "datePublished": "2024-11-19",
            "publisher": {"@type": "Organization", "name": "The Meridian Post"},
        }
        assert review["author"] == {
            "@type": "Organization",
            "name": "The Meridian Checkers",
            "url": "https://checkers.example/",
        }
    disputed, confirmed = document
    assert disputed["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Disputed",
        "ratingExplanation": "Only 1,500 went.",
    }
    assert disputed["itemReviewed"]["author"] == {"@type": "Person", "name": "Lloyd Austin"}
    assert disputed["datePublished"] == "2024-11-21"
    assert disputed["url"] == _link(rows["disputed"])
    assert [c["url"] for c in disputed["citation"]] == [
        "https://example.org/a",
        "https://example.org/b",
    ]
    assert confirmed["reviewRating"]["alternateName"] == "Confirmed"
    assert confirmed["reviewRating"]["ratingValue"] == 5
    assert confirmed["reviewRating"]["ratingExplanation"] == "The ministry's release says so."
    assert "author" not in confirmed["itemReviewed"]  # no attributed speaker


def test_export_windows_and_names() -> None:
    assert exports.since(Scope.WEEK, NOW) == NOW - timedelta(days=7)
    assert exports.since(Scope.ALL, NOW) is None
    assert exports.filename(CHANNEL, Scope.MONTH, Format.CLAIMREVIEW, NOW) == (
        "factdesk-C0EXPORTS-month-20241125.claimreview.jsonld"
    )
