"""The periodic fill: archive rows stored without the running embedder's vector get one,
a bounded batch a tick, one worker at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.settings import Settings
from workers.claim_matches import fill_archive_vectors
from workers.locks import held_unless_taken
from workers.nlp.embedder import embedder


def _unembedded(session: Session, text: str, vector_model: str | None = None) -> ArchiveEntry:
    entry = ArchiveEntry(
        kind=ArchiveKind.FACT_CHECK,
        slack_team_id="T0FILL",
        channel_private=False,
        text=text,
        rating="False",
        publisher="PolitiFact",
        vector=b"\0\0" * 384 if vector_model else None,
        vector_model=vector_model,
    )
    session.add(entry)
    session.flush()
    return entry


def test_a_tick_fills_at_most_its_rows_and_the_next_goes_on(session: Session) -> None:
    rows = [
        _unembedded(session, "The state cut school funding by 12 percent in 2023."),
        _unembedded(session, "Crime fell 8 percent last year.", vector_model="minilm-embed-0.9"),
        _unembedded(session, "Wind power supplied a fifth of the grid in 2024."),
    ]
    running = embedder().name

    assert fill_archive_vectors(session=session, most=2) == 2
    # Rows other tests left in a shared database may need vectors too: ticks go on
    # until none is left.
    for _ in range(100):
        if fill_archive_vectors(session=session, most=2) == 0:
            break

    models = session.scalars(
        select(ArchiveEntry.vector_model).where(ArchiveEntry.id.in_([row.id for row in rows]))
    ).all()
    assert models == [running] * 3
    assert all(row.vector is not None and any(row.vector) for row in rows)


@pytest.fixture
def settings(broker_url: str, tmp_path: Path) -> Settings:
    return Settings(redis_url=broker_url, var_dir=tmp_path)


def test_one_worker_fills_at_a_time(settings: Settings) -> None:
    with held_unless_taken(settings, "fill-test", seconds=30) as first:
        assert first
        with held_unless_taken(settings, "fill-test", seconds=30) as second:
            assert not second, "a second worker skips the tick rather than wait"
    with held_unless_taken(settings, "fill-test", seconds=30) as again:
        assert again, "released when the first is done"


def test_a_tick_with_nothing_to_fill_loads_no_model(session: Session) -> None:
    from workers import claim_matches
    from workers.matcher import needs_vector

    if session.scalar(select(ArchiveEntry.id).where(needs_vector(embedder().name)).limit(1)):
        pytest.skip("another test left rows without vectors in this database")
    claim_matches.shared_matcher.cache_clear()

    assert fill_archive_vectors(session=session, most=2) == 0
    assert claim_matches.shared_matcher.cache_info().currsize == 0
