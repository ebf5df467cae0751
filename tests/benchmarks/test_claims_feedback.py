"""`make bench-claims ARGS=--feedback`: the finder scored on fact-checkers' feedback,
read from a temporary SQLite database (a blank pipeline stands in for the model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

import workers.context
from benchmarks import claims
from factdesk.db import migrate, session_scope
from factdesk.models import ClaimFeedback, FeedbackLabel
from tests.workers.nlp.helpers import make_blank_pipeline
from workers.nlp.sentences import score_sentences

# What the rules alone make of them: the first two are claims, the last two are not.
FEEDBACK = [
    ("Russia sent 2,500 troops to Ukraine on Monday.", FeedbackLabel.CLAIM),
    (
        "Lloyd Austin said on Wednesday that North Korea\nsent troops to Russia.",
        FeedbackLabel.CLAIM,
    ),
    ("What exactly are they doing there?", FeedbackLabel.NOT_A_CLAIM),
    # A person added it as a claim; the rules miss it.
    ("Troops arrived there in the night.", FeedbackLabel.CLAIM),
]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate(url)
    return url


def add_feedback(url: str, rows: list[tuple[str, FeedbackLabel]]) -> None:
    with session_scope(url) as session:
        session.add_all(
            ClaimFeedback(
                slack_team_id="T1",
                slack_channel_id="C1",
                text=text,
                label=label,
                user_id="U1",
            )
            for text, label in rows
        )


@pytest.fixture
def blank(monkeypatch: pytest.MonkeyPatch) -> Language:
    nlp = make_blank_pipeline()
    monkeypatch.setattr(workers.context, "pipeline", lambda model: nlp)
    return nlp


def test_feedback_is_read_oldest_first(database_url: str) -> None:
    add_feedback(database_url, FEEDBACK)
    assert claims.load_feedback(database_url) == FEEDBACK


def test_feedback_is_scored_as_claims_sentences_scores_it(blank: Language) -> None:
    scores, right = claims.feedback_scores(blank, FEEDBACK)

    # The same verdicts as `factdesk claims --sentences` on the texts, one per line.
    verdicts = [s.claim for s in score_sentences(blank, [" ".join(t.split()) for t, _ in FEEDBACK])]
    assert verdicts == [True, True, False, False]
    assert (scores.true_positives, scores.predicted, scores.positives) == (2, 2, 3)
    assert scores.precision == 1.0
    assert scores.recall == pytest.approx(2 / 3)
    assert right == 3


def test_bench_prints_scores_and_counts(
    database_url: str, blank: Language, capsys: pytest.CaptureFixture[str]
) -> None:
    add_feedback(database_url, FEEDBACK)

    assert claims.main(["--feedback", "--database-url", database_url]) == 0

    out = capsys.readouterr().out
    assert "4 sentences" in out
    assert "P 1.000  R 0.667  F1 0.800" in out
    assert "3 claims people added, 1 tasks people dismissed" in out


def test_no_feedback_yet_is_not_an_error(
    database_url: str, blank: Language, capsys: pytest.CaptureFixture[str]
) -> None:
    assert claims.main(["--feedback", "--database-url", database_url]) == 0
    assert "no fact-checker feedback yet" in capsys.readouterr().out


def test_database_without_the_table_says_to_migrate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert claims.main(["--feedback", "--database-url", url]) == 2
    assert "factdesk migrate" in capsys.readouterr().out


def test_database_url_needs_feedback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        claims.main(["--database-url", "sqlite://"])
