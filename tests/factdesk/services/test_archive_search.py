"""What a lookup ranks: on PostgreSQL the narrow archive_search table (migration 0013),
filled from the archive on upgrade and kept in step with it; on SQLite FTS5."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.db import make_engine, migrate
from factdesk.models import ClaimStatus
from factdesk.services import archive
from tests import factories
from tests.conftest import BACKENDS, database_at

TEAM, OTHER_TEAM = "T0FACTDESK", "T0ELSEWHERE"
NEWSDESK, PRIVATE = "C0NEWSDESK", "C0SECRET"
BRIDGE = "The council spent 12 million dollars on the harbour bridge repairs."
QUERY = "Council spent $12 million repairing the harbour bridge"
OLD_RANKING = text(
    "SELECT id, ts_rank(search_vector, to_tsquery('english', :query), 1) FROM archive_entries"
    " WHERE search_vector @@ to_tsquery('english', :query)"
)


@pytest.fixture(params=BACKENDS)
def url_at_0012(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0012, the revision before the search table."""
    with database_at(request.param, "0012", tmp_path) as url:
        yield url


def _fact_check(session: Session, words: str, *, team: str = TEAM) -> ArchiveEntry:
    entry = ArchiveEntry(kind=ArchiveKind.FACT_CHECK, slack_team_id=team, text=words)
    session.add(entry)
    session.flush()
    return entry


def _found(session: Session, query: str, viewer: archive.Viewer) -> dict[int, float]:
    return {
        candidate.entry_id: candidate.lexical
        for candidate in archive.candidates(session=session, query=query, viewer=viewer, limit=10)
    }


def test_upgrading_keeps_every_row_searchable_with_the_same_scores(url_at_0012: str) -> None:
    engine = make_engine(url_at_0012)
    with Session(engine) as session:
        factories.bind(session)
        fact_checks = [
            _fact_check(session, BRIDGE).id,
            _fact_check(session, "Harbour bridge tolls doubled in 12 months.").id,
            _fact_check(session, BRIDGE, team=OTHER_TEAM).id,
        ]
        shown, hidden = (
            factories.claim(
                article=factories.article(slack_team_id=TEAM, slack_channel_id=channel),
                text=f"The harbour bridge repairs cost 12 million ({channel}).",
                status=ClaimStatus.DISPUTED,
            )
            for channel in (NEWSDESK, PRIVATE)
        )
        session.flush()
        for claim, private in ((shown, False), (hidden, True)):
            archive.add_claims(
                session=session, claims=[claim], vectors=None, channel_private=private
            )
        session.commit()
        before: dict[int, float] = {}
        if engine.dialect.name == "postgresql":
            words = " | ".join(archive.search_terms(QUERY))
            before = {row[0]: row[1] for row in session.execute(OLD_RANKING, {"query": words})}
            assert len(before) == 5  # every row, whoever may see it
        by_claim = dict(
            session.execute(
                select(ArchiveEntry.claim_id, ArchiveEntry.id).where(
                    ArchiveEntry.claim_id.is_not(None)
                )
            ).all()
        )
        shown_entry, hidden_entry = by_claim[shown.id], by_claim[hidden.id]
    engine.dispose()

    migrate(url_at_0012)

    engine = make_engine(url_at_0012)
    with Session(engine) as session:
        found = _found(session, QUERY, archive.Viewer(TEAM, NEWSDESK))
        expected = {fact_checks[0], fact_checks[1], shown_entry}
        assert set(found) == expected  # neither the private claim nor the other workspace
        if engine.dialect.name == "postgresql":
            assert found == pytest.approx({entry: before[entry] for entry in expected})
            copied = session.scalar(text("SELECT count(*) FROM archive_search"))
            assert copied == 5
            # The previous release's workers still search the old column during a rollout.
            old = session.execute(OLD_RANKING, {"query": words}).all()
            assert {row[0]: row[1] for row in old} == before
            # The statistics the row budget reads are there from the start.
            assert session.scalar(
                text(
                    "SELECT count(*) FROM pg_stats WHERE tablename = 'archive_search'"
                    " AND schemaname = current_schema()"
                )
            )
        in_private = _found(session, QUERY, archive.Viewer(TEAM, PRIVATE))
        assert hidden_entry in in_private
    engine.dispose()


def test_lookups_follow_the_archive_as_it_changes(session: Session) -> None:
    entry = _fact_check(session, BRIDGE)
    viewer = archive.Viewer(TEAM)
    assert list(_found(session, QUERY, viewer)) == [entry.id]

    entry.text = "The river tunnel opened in May."
    session.flush()
    assert _found(session, QUERY, viewer) == {}
    assert list(_found(session, "river tunnel", viewer)) == [entry.id]

    entry.slack_team_id = OTHER_TEAM
    session.flush()
    assert _found(session, "river tunnel", viewer) == {}
    assert list(_found(session, "river tunnel", archive.Viewer(OTHER_TEAM))) == [entry.id]

    session.delete(entry)
    session.flush()
    assert _found(session, "river tunnel", archive.Viewer(OTHER_TEAM)) == {}


def test_a_claim_made_public_is_found_across_the_workspace(session: Session) -> None:
    article = factories.article(slack_team_id=TEAM, slack_channel_id=PRIVATE)
    claim = factories.claim(article=article, text=BRIDGE, status=ClaimStatus.DISPUTED)
    session.flush()
    (entry,) = archive.add_claims(
        session=session, claims=[claim], vectors=None, channel_private=True
    )
    elsewhere = archive.Viewer(TEAM, NEWSDESK)
    assert _found(session, QUERY, elsewhere) == {}

    entry.channel_private = False
    session.flush()

    assert list(_found(session, QUERY, elsewhere)) == [entry.id]


def test_equal_scores_are_broken_newest_first(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's ranking; FTS5's is left as it was")
    ids = [_fact_check(session, BRIDGE).id for _ in range(4)]

    found = archive.candidates(session=session, query=QUERY, viewer=archive.Viewer(TEAM), limit=2)

    assert [candidate.entry_id for candidate in found] == [ids[3], ids[2]]
    assert found[0].lexical == found[1].lexical


def test_storing_a_vector_leaves_the_search_row_alone(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("archive_search is PostgreSQL's")
    entry = _fact_check(session, BRIDGE)
    version = text("SELECT ctid::text FROM archive_search WHERE entry_id = :id")
    written = session.scalar(version, {"id": entry.id})

    # What `factdesk migrate` does to every row when the embedder changes.
    entry.vector = archive.encode_vector(numpy.ones(384, dtype=numpy.float32))
    entry.vector_model = "minilm-embed-9.9.9"
    session.flush()

    assert session.scalar(version, {"id": entry.id}) == written
