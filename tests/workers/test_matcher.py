"""The claim matcher on both databases: candidates, re-ranking, and who may see what."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from factdesk.archive_models import ArchiveEntry, ArchiveKind
from factdesk.models import Claim, ClaimStatus
from factdesk.services import archive
from launcher import matching
from launcher.cli import main
from tests import factories
from workers.matcher import Fusion, Matcher, archive_new_claims
from workers.nlp.embedder import Embedder, ModelIntegrityError, embedder, model_path

TEAM, OTHER_TEAM = "T0FACTDESK", "T0ELSEWHERE"
NEWSDESK, POLITICS, PRIVATE = "C0NEWSDESK", "C0POLITICS", "C0SECRET"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher()


def fact_check(
    session: Session, text: str, *, team: str = TEAM, vector: bool = True
) -> ArchiveEntry:
    entry = ArchiveEntry(
        kind=ArchiveKind.FACT_CHECK,
        slack_team_id=team,
        channel_private=False,
        text=text,
        rating="False",
        publisher="PolitiFact",
        vector=archive.encode_vector(embedder().embed([text])[0]) if vector else None,
        vector_model=embedder().name if vector else None,
    )
    session.add(entry)
    session.flush()
    return entry


def checked_claim(
    session: Session,
    text: str,
    *,
    channel: str = NEWSDESK,
    private: bool = False,
    team: str = TEAM,
    status: ClaimStatus = ClaimStatus.DISPUTED,
) -> Claim:
    article = factories.article(slack_team_id=team, slack_channel_id=channel)
    claim = factories.claim(article=article, text=text)
    archive_new_claims(session=session, claims=[claim], channel_private=private, matcher=Matcher())
    claim.status = status
    session.flush()
    return claim


def entry_texts(session: Session, matcher: Matcher, text: str, viewer: archive.Viewer) -> list[str]:
    ranked = matcher.rank(session=session, text=text, viewer=viewer)
    found = archive.entries(session=session, ids=[m.entry_id for m in ranked])
    return [found[m.entry_id].text for m in ranked]


def test_the_reranker_puts_the_same_claim_first(session: Session, matcher: Matcher) -> None:
    same = fact_check(session, "Joe Biden signed more than 30 executive orders in his first week.")
    fact_check(session, "Executive orders from the first week of 2021 cut immigration.")
    fact_check(session, "The first week of school saw more than 30 percent absent.")

    ranked = matcher.rank(
        session=session,
        text="Biden signed over thirty executive actions during his first week in office",
        viewer=archive.Viewer(TEAM, NEWSDESK),
    )

    assert ranked[0].entry_id == same.id
    assert matcher.shown(ranked)[0].entry_id == same.id


def test_full_text_search_alone_ranks_by_shared_words(session: Session) -> None:
    fact_check(session, "Crime in Chicago dropped by 10 percent.", vector=False)
    fact_check(session, "Chicago crime rose and crime in New York rose too.", vector=False)

    ranked = Matcher(lexical_only=True).rank(
        session=session, text="Chicago crime", viewer=archive.Viewer(TEAM)
    )

    assert len(ranked) == 2
    assert all(match.lexical > 0 for match in ranked)


def test_a_text_of_stop_words_finds_nothing(session: Session, matcher: Matcher) -> None:
    fact_check(session, "It was what it is.")

    assert (
        matcher.rank(session=session, text="it was what it is", viewer=archive.Viewer(TEAM)) == []
    )


def test_query_syntax_in_the_text_is_only_words(session: Session, matcher: Matcher) -> None:
    fact_check(session, "The minimum wage is 15 dollars.")

    hostile = "wage\" OR * NEAR(a b) & !tax | (:*) -- ' ; DROP TABLE claims"
    ranked = matcher.rank(session=session, text=hostile, viewer=archive.Viewer(TEAM))

    assert len(ranked) == 1


def test_vectors_are_stored_when_claims_are_created(session: Session) -> None:
    claims = factories.claims(3, article=factories.article())

    archive_new_claims(session=session, claims=claims, channel_private=False, matcher=Matcher())

    rows = archive.entries(
        session=session,
        ids=[
            e.id
            for e in session.query(ArchiveEntry).filter(
                ArchiveEntry.claim_id.in_([c.id for c in claims])
            )
        ],
    )
    vectors = archive.decode_vectors([row.vector or b"" for row in rows.values()])
    assert vectors.shape == (3, 384)
    assert numpy.allclose(numpy.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)


def test_an_articles_claims_are_matched_together(session: Session) -> None:
    roof = fact_check(session, "The city spent 4 million dollars on the new stadium roof.")
    article = factories.article(slack_team_id=TEAM, slack_channel_id=NEWSDESK)
    claims = [
        factories.claim(article=article, text="City spent $4 million on the stadium roof."),
        factories.claim(article=article, text="Snow closed every school in the county."),
        factories.claim(article=article, text="The stadium roof was built in 1998."),
    ]

    found = archive_new_claims(
        session=session, claims=claims, channel_private=False, matcher=Matcher()
    )

    assert [m.entry_id for m in found[claims[0].id]] == [roof.id]
    assert found[claims[1].id] == []
    assert all(
        m.entry_id != roof.id or m.score < found[claims[0].id][0].score for m in found[claims[2].id]
    )
    assert archive.unarchived(session=session, claims=claims) == []
    assert (
        archive_new_claims(session=session, claims=claims, channel_private=False, matcher=Matcher())
        == {}
    )


# -- who may see what ---------------------------------------------------------------------

CLAIM = "The city spent 4 million dollars on the new stadium roof."
QUERY = "City spent $4 million on stadium roof"


def test_a_private_channel_match_is_shown_only_in_that_channel(
    session: Session, matcher: Matcher
) -> None:
    checked_claim(session, CLAIM, channel=PRIVATE, private=True)

    assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM, PRIVATE)) == [CLAIM]
    assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM, NEWSDESK)) == []
    assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM)) == []


def test_a_public_channel_match_is_shown_across_the_workspace(
    session: Session, matcher: Matcher
) -> None:
    checked_claim(session, CLAIM, channel=NEWSDESK, private=False)

    assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM, POLITICS)) == [CLAIM]
    assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM, PRIVATE)) == [CLAIM]


def test_imported_fact_checks_are_shown_across_the_workspace(
    session: Session, matcher: Matcher
) -> None:
    fact_check(session, CLAIM)

    for channel in (NEWSDESK, PRIVATE, None):
        assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM, channel)) == [CLAIM]


def test_nothing_crosses_workspaces(session: Session, matcher: Matcher) -> None:
    checked_claim(session, CLAIM, channel=NEWSDESK, team=OTHER_TEAM)
    fact_check(session, CLAIM, team=OTHER_TEAM)

    assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM, NEWSDESK)) == []
    assert len(entry_texts(session, matcher, QUERY, archive.Viewer(OTHER_TEAM, NEWSDESK))) == 2


def test_a_claim_without_a_verdict_is_not_in_the_archive(
    session: Session, matcher: Matcher
) -> None:
    claim = checked_claim(session, CLAIM, status=ClaimStatus.OPEN)
    assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM, NEWSDESK)) == []

    claim.status = ClaimStatus.CONFIRMED
    session.flush()
    assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM, NEWSDESK)) == [CLAIM]

    claim.status = ClaimStatus.DISMISSED
    session.flush()
    assert entry_texts(session, matcher, QUERY, archive.Viewer(TEAM, NEWSDESK)) == []


def test_a_claim_never_matches_its_own_article(session: Session, matcher: Matcher) -> None:
    claim = checked_claim(session, CLAIM)

    ranked = matcher.rank(
        session=session,
        text=QUERY,
        viewer=archive.Viewer(TEAM, NEWSDESK),
        exclude_article_id=claim.article_id,
    )

    assert ranked == []


# -- the model and the command line ------------------------------------------------------


def test_a_model_file_that_does_not_match_its_digest_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(model_path(), copy)
    with (copy / "tokenizer.json").open("ab") as stream:
        stream.write(b" ")

    with pytest.raises(ModelIntegrityError):
        Embedder(copy)


def test_the_fusion_weights_ship_with_the_model() -> None:
    fusion = Fusion.load()

    assert 0 <= fusion.lexical_weight <= 2
    assert 0 < fusion.threshold < 2


def test_factdesk_match_prints_a_trec_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive_file = tmp_path / "archive.jsonl"
    archive_file.write_text(
        "\n".join(
            json.dumps(line)
            for line in [
                {"vclaim_id": "v-roof", "vclaim": CLAIM, "title": "Stadium roof"},
                {"vclaim_id": "v-wage", "vclaim": "The minimum wage is 15 dollars."},
            ]
        )
    )
    queries = tmp_path / "queries.tsv"
    queries.write_text(f'iclaim_id\ticlaim\nq1\t{QUERY}\nq2\t"Minimum ""wage"" rises"\n')

    assert main(["match", "--archive", str(archive_file), "--queries", str(queries)]) == 0

    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [line[:4] for line in lines] == [
        ["q1", "Q0", "v-roof", "1"],
        ["q2", "Q0", "v-wage", "1"],
    ]
    assert all(line[5] == matching.RUN_TAG for line in lines)


def _add_budget_rows(session: Session, count: int) -> None:
    """`count` rows that all say budget and spending, a tenth of them harbour too."""
    for number in range(count):
        session.add(
            ArchiveEntry(
                kind=ArchiveKind.FACT_CHECK,
                slack_team_id=TEAM,
                text=f"Budget spending rose in district {number}"
                + (" alongside harbour" if number % 10 == 0 else ""),
            )
        )
    session.flush()


def test_postgres_searches_the_rarest_words_within_its_budget(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the row budget reads PostgreSQL's column statistics")
    _add_budget_rows(session, 200)
    session.execute(text("ANALYZE archive_search"))
    monkeypatch.setattr(archive, "_statistics", {})
    monkeypatch.setattr(archive, "ROW_BUDGET", 1)

    chosen = archive._postgres_lexemes(session, ["budget", "spending", "harbour", "zanzibar"])

    # zanzibar is in no row, harbour in a tenth of them, budget and spending in all.
    assert chosen == ["zanzibar", "harbour"]


def test_sqlite_searches_the_rarest_words_within_its_budget(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("FTS5's own counts")
    _add_budget_rows(session, 30)
    monkeypatch.setattr(archive, "_sqlite_counts", {})
    monkeypatch.setattr(archive, "ROW_BUDGET", 1)

    chosen = archive._sqlite_terms(session, ["budget", "spending", "harbour", "zanzibar"])

    # zanzibar is in no row, harbour in a tenth of them, budget and spending in all.
    assert chosen == ["zanzibar", "harbour"]


def test_the_best_visible_rows_are_found_behind_hidden_ones(
    session: Session, matcher: Matcher
) -> None:
    # FTS5 ranks first and only its best rows are read: when those are all hidden from
    # the viewer, the full query still finds what the viewer may see.
    for _ in range(3 * 2):
        fact_check(session, f"{CLAIM} {CLAIM}", team=OTHER_TEAM, vector=False)
    fact_check(session, CLAIM, vector=False)

    found = archive.candidates(
        session=session, query=QUERY, viewer=archive.Viewer(TEAM, NEWSDESK), limit=2
    )

    assert len(found) == 1
    assert (
        archive.entries(session=session, ids=[found[0].entry_id])[found[0].entry_id].slack_team_id
        == TEAM
    )


def test_a_text_gets_the_same_vector_alone_or_among_others() -> None:
    model = Embedder()
    texts = ["Taxes rose.", "The city spent 4 million dollars on the new stadium roof."]

    alone = model.embed([texts[1]])[0]
    model.forget()
    together = model.embed([texts[0], texts[1], "A much longer sentence " * 20])[1]

    assert numpy.array_equal(alone, together)


def test_a_text_embedded_once_is_not_embedded_again(monkeypatch: pytest.MonkeyPatch) -> None:
    model = Embedder()
    first = model.embed(["Snow closed every school.", "Taxes rose."])
    embedded: list[str] = []
    real = model._embed_uncached

    def counted(texts: list[str]) -> numpy.ndarray[Any, Any]:
        embedded.extend(texts)
        return real(texts)

    monkeypatch.setattr(model, "_embed_uncached", counted)

    again = model.embed(["Taxes rose.", "Wages fell.", "Wages fell."])

    assert embedded == ["Wages fell."]
    assert numpy.array_equal(again[0], first[1])
    assert numpy.array_equal(again[1], again[2])
