"""Importing ClaimReview JSON-LD: the shapes publishers use, broken rows, hostile URLs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.errors import LinkLocalAddress, LoopbackAddress, PrivateAddress
from standin.articles import ArticleServer
from tests.workers.test_fetch import GUARDED, loopback_only, resolver
from workers import claimreview
from workers.nlp.embedder import embedder

TEAM = "T0IMPORT"


def review(claim: str, rating: str = "False", **extra: Any) -> dict[str, Any]:
    """A ClaimReview as fact-checkers publish it (schema.org, Google's required fields)."""
    body: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"https://factcheck.example/{abs(hash(claim))}",
        "claimReviewed": claim,
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "A Politician"},
            "datePublished": "2024-04-30",
            "appearance": {"@type": "CreativeWork", "url": "https://news.example/story"},
        },
        "author": {
            "@type": "Organization",
            "name": "PolitiFact",
            "url": "https://politifact.example",
        },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "bestRating": 6,
            "worstRating": 1,
            "alternateName": rating,
        },
        "datePublished": "2024-05-02",
        "inLanguage": "en",
    }
    return body | extra


def stored(session: Session) -> list[ArchiveEntry]:
    return list(
        session.scalars(
            select(ArchiveEntry).where(ArchiveEntry.slack_team_id == TEAM).order_by(ArchiveEntry.id)
        )
    )


def run(session: Session, document: Any) -> claimreview.ImportReport:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return claimreview.import_document(body, session=session, team_id=TEAM)


def test_a_single_object_is_stored_with_every_field(session: Session) -> None:
    report = run(session, review("The unemployment rate doubled in 2023."))

    assert (report.added, report.skipped, report.rejected) == (1, 0, 0)
    (entry,) = stored(session)
    assert entry.kind is ArchiveKind.FACT_CHECK
    assert entry.text == "The unemployment rate doubled in 2023."
    assert (entry.rating, entry.publisher, entry.language) == ("False", "PolitiFact", "en")
    assert entry.reviewed_on == date(2024, 5, 2)
    assert entry.url
    assert entry.url.startswith("https://factcheck.example/")
    assert entry.channel_private is False


def test_arrays_graphs_and_data_feeds_are_all_read(session: Session) -> None:
    array = [review("Claim in an array one."), review("Claim in an array two.")]
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "Fact-check"},
            review("Claim in a graph.", rating="Pants on Fire"),
        ],
    }
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "dataFeedElement": [
            {"@type": "DataFeedItem", "item": [review("Claim in a feed.", rating="Misleading")]}
        ],
    }

    reports = [run(session, document) for document in (array, graph, feed)]

    assert [r.added for r in reports] == [2, 1, 1]
    assert [e.rating for e in stored(session)] == ["False", "False", "Pants on Fire", "Misleading"]


def test_a_page_embedding_json_ld_is_read(session: Session) -> None:
    page = f"""<!doctype html><html><head><title>Fact check</title>
    <script type="application/ld+json">{json.dumps(review("Vaccines contain microchips."))}</script>
    <script type="application/ld+json">{{"@type": "BreadcrumbList"}}</script>
    <script>var notJsonLd = 1;</script></head><body><p>Our ruling</p></body></html>"""

    report = run(session, page.encode())

    assert report.added == 1
    assert stored(session)[0].text == "Vaccines contain microchips."


def test_bad_rows_are_rejected_and_the_good_ones_kept(session: Session) -> None:
    no_rating = review("A claim without a rating.")
    del no_rating["reviewRating"]
    document = [
        review("The first good claim."),
        no_rating,
        review(""),
        review("A claim with a strange url.", url="javascript:alert(1)"),
        review("x" * 5000),
        review("The second good claim.", datePublished="not a date", author=[{"name": "AFP"}]),
    ]

    report = run(session, document)

    assert (report.added, report.skipped, report.rejected) == (2, 0, 4)
    assert "no reviewRating.alternateName" in report.reasons
    second = stored(session)[1]
    assert (second.reviewed_on, second.publisher) == (None, "AFP")


def test_a_broken_json_ld_block_does_not_lose_the_page(session: Session) -> None:
    page = (
        '<html><head><script type="application/ld+json">{"@type": "ClaimReview", </script>'
        f'<script type="application/ld+json">{json.dumps(review("Still imported."))}</script>'
        "</head></html>"
    )

    report = run(session, page.encode())

    assert (report.added, report.rejected) == (1, 1)


def test_duplicates_are_skipped_in_the_file_and_across_imports(session: Session) -> None:
    document = [review("Said twice."), review("Said twice."), review("Said once.")]

    first = run(session, document)
    second = run(session, document)

    assert (first.added, first.skipped) == (2, 1)
    assert (second.added, second.skipped) == (0, 3)
    count = session.scalar(select(func.count()).where(ArchiveEntry.slack_team_id == TEAM))
    assert count == 2


def test_the_same_fact_check_may_be_imported_by_another_workspace(session: Session) -> None:
    run(session, review("Shared by two desks."))
    other = claimreview.import_document(
        json.dumps(review("Shared by two desks.")).encode(), session=session, team_id="T0OTHER"
    )

    assert other.added == 1


@pytest.mark.parametrize(
    "body", [b"", b"not json and not a page {", b"<html><body>No JSON-LD here</body></html>"]
)
def test_a_file_without_json_ld_is_refused_with_words(session: Session, body: bytes) -> None:
    with pytest.raises((claimreview.NotClaimReview, ValueError)):
        run(session, body)
    assert stored(session) == []


def test_vectors_are_stored_when_an_embedder_is_given(session: Session) -> None:
    claimreview.import_document(
        json.dumps(review("With a vector.")).encode(),
        session=session,
        team_id=TEAM,
        embedder=embedder(),
    )

    (entry,) = stored(session)
    assert entry.vector is not None
    assert len(entry.vector) == 384 * 2
    assert entry.vector_model == embedder().name


@pytest.fixture(scope="module")
def fact_check_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArticleServer]:
    seeds: Path = tmp_path_factory.mktemp("claimreview")
    (seeds / "fact-check.html").write_text(
        '<html><head><script type="application/ld+json">'
        f"{json.dumps(review('Served over loopback.'))}</script></head></html>"
    )
    with ArticleServer(seeds) as server:
        yield server


def test_a_url_is_fetched_through_the_guarded_fetcher(
    session: Session, fact_check_pages: ArticleServer
) -> None:
    url = f"http://news.test:{fact_check_pages.port}/articles/fact-check.html"

    body = claimreview.read_source(url, GUARDED, resolver=resolver, connector=loopback_only)
    report = claimreview.import_document(body, session=session, team_id=TEAM)

    assert report.added == 1


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("http://private.test/feed.json", PrivateAddress),
        ("http://10.0.0.1/feed.json", PrivateAddress),
        ("http://169.254.169.254/latest/meta-data/", LinkLocalAddress),
        ("http://metadata.test/feed", LinkLocalAddress),
        ("http://[::1]:9/feed.json", LoopbackAddress),
    ],
)
def test_hostile_urls_are_refused_before_any_connection(url: str, refusal: type[Exception]) -> None:
    # loopback_only fails the test on any connection attempt outside 127/8 and ::1, and
    # GUARDED allows 127.0.0.1 alone: every one of these is refused before dialling.
    with pytest.raises(refusal):
        claimreview.read_source(url, GUARDED, resolver=resolver, connector=loopback_only)


def test_a_local_file_is_read(tmp_path: Path, session: Session) -> None:
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([review("From a file.")]))

    report = claimreview.import_document(
        claimreview.read_source(str(path), GUARDED), session=session, team_id=TEAM
    )

    assert report.added == 1
