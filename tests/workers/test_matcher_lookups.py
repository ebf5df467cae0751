"""An article's full-text lookups: on PostgreSQL side by side, each on a connection of its
own, finding exactly what one lookup after another finds; elsewhere on the caller's own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.db import engine_for, make_engine, migrate, session_scope
from factdesk.models import Claim, ClaimStatus
from factdesk.services import archive
from tests import factories
from workers import matcher

TEAM, OTHER_TEAM = "T0FACTDESK", "T0ELSEWHERE"
NEWSDESK, PRIVATE = "C0NEWSDESK", "C0SECRET"
ARCHIVED = [
    "The city spent 4 million dollars on the new stadium roof.",
    "The stadium roof cost the city more than the new library.",
    "Crime in Chicago dropped by 10 percent last year.",
    "Chicago crime rose and crime in New York rose too.",
    "Unemployment in the county fell to 3 percent in March.",
    "The county's schools closed for snow on every Monday in March.",
]
QUERIES = [
    "City spent $4 million on the stadium roof",
    "Chicago saw crime drop 10 percent",
    "Unemployment fell to 3 percent in the county",
    "Snow closed the county's schools",
    "The library cost less than the stadium roof",
    "Nothing here matches zanzibar",
]


def _fill_archive(url: str) -> None:
    """Fact-checks of two workspaces, and desk claims with verdicts in a public and a
    private channel, committed."""
    with session_scope(url) as db:
        factories.bind(db)
        for number, text in enumerate(ARCHIVED):
            for team in (TEAM, OTHER_TEAM):
                db.add(ArchiveEntry(kind=ArchiveKind.FACT_CHECK, slack_team_id=team, text=text))
            for channel, private in ((NEWSDESK, False), (PRIVATE, True)):
                article = factories.article(slack_team_id=TEAM, slack_channel_id=channel)
                claim = factories.claim(article=article, text=f"{text} ({number})")
                archive.add_claims(
                    session=db, claims=[claim], vectors=None, channel_private=private
                )
                claim.status = ClaimStatus.DISPUTED


def _lookups_and_threads(
    url: str, monkeypatch: pytest.MonkeyPatch, engine: Engine | None = None
) -> tuple[list[list[archive.Candidate]], list[list[archive.Candidate]], set[str]]:
    """An uncommitted article's claims looked up one after another on the session's own
    connection, then by the matcher; and the threads the matcher's lookups ran on. On a
    session of `engine` when given, else of the process's engine for the URL."""
    one_by_one = archive.candidates
    threads: set[str] = set()

    def recorded(**arguments: Any) -> list[archive.Candidate]:
        threads.add(threading.current_thread().name)
        return one_by_one(**arguments)

    with session_scope(url) if engine is None else Session(engine) as db:
        factories.bind(db)
        article = factories.article(slack_team_id=TEAM, slack_channel_id=NEWSDESK)
        claims = [factories.claim(article=article, text=text) for text in QUERIES]
        expected = [_one_lookup(db, claim, one_by_one) for claim in claims]
        monkeypatch.setattr(archive, "candidates", recorded)
        found = matcher._candidates_of(db, claims, matcher.CANDIDATES)
        db.rollback()
    return found, expected, threads


def _one_lookup(db: Session, claim: Claim, look_up: Any) -> list[archive.Candidate]:
    found: list[archive.Candidate] = look_up(
        session=db,
        query=claim.text,
        viewer=archive.Viewer(TEAM, NEWSDESK),
        limit=matcher.CANDIDATES,
        exclude_article_id=claim.article_id,
    )
    return found


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    migrate(url)
    yield url
    engine_for(url).dispose()


@pytest.mark.parametrize("database", ["postgres_schema_url", "sqlite_url"])
def test_an_articles_lookups_find_what_one_after_another_finds(
    database: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    url: str = request.getfixturevalue(database)
    _fill_archive(url)

    found, expected, threads = _lookups_and_threads(url, monkeypatch)

    assert found == expected
    assert all(found[:5])
    assert found[5] == []
    if database == "postgres_schema_url":
        assert threads
        assert all(name.startswith("matcher-lookup") for name in threads)
    else:
        # On SQLite, threads took as long as one after another (docs/matching.md).
        assert threads == {threading.current_thread().name}


def test_with_no_connection_to_spare_the_lookups_stay_on_the_callers_thread(
    postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lookup threads would wait out the pool's timeout for the connection this one holds.
    _fill_archive(postgres_schema_url)
    engine = make_engine(postgres_schema_url, pool_size=1, max_overflow=0)
    try:
        found, expected, threads = _lookups_and_threads(postgres_schema_url, monkeypatch, engine)
    finally:
        engine.dispose()

    assert found == expected
    assert threads == {threading.current_thread().name}


def test_a_failing_lookup_stops_the_others_and_returns_their_connections(
    postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill_archive(postgres_schema_url)
    pool = engine_for(postgres_schema_url).pool
    assert isinstance(pool, QueuePool)
    one_by_one = archive.candidates
    looked_up: list[str] = []

    def failing(**arguments: Any) -> list[archive.Candidate]:
        looked_up.append(threading.current_thread().name)
        if len(looked_up) == 1:
            raise RuntimeError("the database went away")
        return one_by_one(**arguments)

    monkeypatch.setattr(archive, "candidates", failing)
    with session_scope(postgres_schema_url) as db:
        factories.bind(db)
        article = factories.article(slack_team_id=TEAM, slack_channel_id=NEWSDESK)
        claims = [factories.claim(article=article, text=text) for text in QUERIES * 4]
        held = pool.checkedout()
        with pytest.raises(RuntimeError, match="went away"):
            matcher._candidates_of(db, claims, matcher.CANDIDATES)
        assert pool.checkedout() == held
        db.rollback()
    assert all(name.startswith("matcher-lookup") for name in looked_up)
    # The thread that was not failing stopped after at most the lookup it had begun,
    # instead of working through the other 23 claims.
    assert len(looked_up) <= 1 + matcher.LOOKUP_THREADS
