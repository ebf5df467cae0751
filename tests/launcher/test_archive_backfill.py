"""Verdicts given before the archive existed: migration 0011 brings them in, and
`factdesk migrate` embeds them, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.db import make_engine, migrate
from factdesk.models import Claim, ClaimStatus
from factdesk.services import archive
from factdesk.settings import Settings
from launcher.cli import run_migrate
from tests import factories
from tests.conftest import BACKENDS, database_at
from workers.matcher import Matcher
from workers.nlp.embedder import embedder, model_name

TEAM = "T0FACTDESK"
DISPUTED = "The council spent 12 million dollars on the harbour bridge repairs."


@pytest.fixture(params=BACKENDS)
def url_at_0010(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated to 0010 only: the archive exists, nothing is in it yet."""
    with database_at(request.param, "0010", tmp_path) as url:
        yield url


def _old_claims(url: str) -> dict[str, int]:
    """Claims stored before the upgrade, as 0010's workers left them: no archive rows."""
    engine = make_engine(url)
    with Session(engine) as session:
        factories.bind(session)
        article = factories.article(slack_team_id=TEAM, slack_channel_id="C0NEWSDESK")
        disputed = factories.claim(article=article, text=DISPUTED, status=ClaimStatus.DISPUTED)
        still_open = factories.claim(article=article, status=ClaimStatus.OPEN)
        session.commit()
        ids = {"disputed": disputed.id, "open": still_open.id}
    engine.dispose()
    return ids


def test_migrate_archives_and_embeds_old_claims_once(url_at_0010: str) -> None:
    ids = _old_claims(url_at_0010)

    assert run_migrate(Settings(database_url=url_at_0010)) == 0
    assert run_migrate(Settings(database_url=url_at_0010)) == 0  # a second run adds nothing

    engine = make_engine(url_at_0010)
    with Session(engine) as session:
        rows = session.scalars(select(ArchiveEntry).order_by(ArchiveEntry.claim_id)).all()
        assert [row.claim_id for row in rows] == [ids["disputed"], ids["open"]]
        assert all(row.kind is ArchiveKind.CLAIM for row in rows)
        # Whether the channel was public was never recorded: shown in its own channel only.
        assert all(row.channel_private for row in rows)
        assert all(row.vector is not None for row in rows)
        assert session.scalar(select(func.count()).select_from(ArchiveEntry)) == 2

        matcher = Matcher()
        query = "Council spent $12 million repairing the harbour bridge"
        ranked = matcher.rank(
            session=session, text=query, viewer=archive.Viewer(TEAM, "C0NEWSDESK")
        )
        assert [m.entry_id for m in matcher.shown(ranked)] == [rows[0].id]
        elsewhere = matcher.rank(
            session=session, text=query, viewer=archive.Viewer(TEAM, "C0POLITICS")
        )
        assert elsewhere == []
    engine.dispose()


def test_the_vectors_stored_before_0012_are_stamped_with_their_model(url_at_0010: str) -> None:
    _old_claims(url_at_0010)
    migrate(url_at_0010, "0011")
    engine = make_engine(url_at_0010)
    with engine.begin() as connection:  # as 0011's workers stored it: no model column yet
        connection.execute(
            text(
                "UPDATE archive_entries SET vector = :vector"
                " WHERE id = (SELECT min(id) FROM archive_entries)"
            ),
            {"vector": archive.encode_vector(numpy.ones(384, dtype=numpy.float32))},
        )
    migrate(url_at_0010)
    with Session(engine) as session:
        made_by = session.execute(select(ArchiveEntry.vector, ArchiveEntry.vector_model)).all()
        assert sorted(model or "" for vector, model in made_by) == ["", "minilm-embed-1.1.0"]
        assert all((vector is None) == (model is None) for vector, model in made_by)
    engine.dispose()


def test_migrate_embeds_again_what_another_embedder_made(url_at_0010: str) -> None:
    """Vectors of two models are not comparable: a row another embedder made, or one an
    older release wrote without saying (during a rolling upgrade), counts by its words
    alone until `factdesk migrate` gives it the shipped embedder's vector."""
    ids = _old_claims(url_at_0010)
    migrate(url_at_0010)  # 0011 gives the claims their rows, without vectors
    engine = make_engine(url_at_0010)
    stale = numpy.ones(384, dtype=numpy.float32) / numpy.sqrt(384)
    with Session(engine) as session:
        made_by = {ids["disputed"]: "minilm-embed-0.9.0", ids["open"]: None}
        for row in session.scalars(select(ArchiveEntry)):
            row.text = DISPUTED  # both found by the same words
            row.vector = archive.encode_vector(stale)
            row.vector_model = made_by[row.claim_id or 0]
        reopened = session.get(Claim, ids["open"])
        assert reopened is not None
        reopened.status = ClaimStatus.DISPUTED  # so that both rows are found
        session.commit()

        matcher = Matcher()
        viewer = archive.Viewer(TEAM, "C0NEWSDESK")
        ranked = matcher.rank(session=session, text=DISPUTED, viewer=viewer)
        assert [match.cosine for match in ranked] == [0.0, 0.0]  # the words alone

        assert run_migrate(Settings(database_url=url_at_0010)) == 0

        session.expire_all()
        rows = session.scalars(select(ArchiveEntry)).all()
        assert {row.vector_model for row in rows} == {model_name()}
        assert all(row.vector != archive.encode_vector(stale) for row in rows)
        ranked = matcher.rank(session=session, text=DISPUTED, viewer=viewer)
        assert len(ranked) == 2
        assert all(match.cosine > 0.99 for match in ranked)
    engine.dispose()


def test_the_shipped_embedder_is_named_as_its_directory() -> None:
    """What migrate looks for (the version constant) is what the loaded model writes."""
    assert embedder().name == model_name()
