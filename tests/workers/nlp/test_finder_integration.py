"""The claim finder on the seed article, with the pipeline the workers run: the real
English model, the rules, the shipped classifier and the combiner (loaded once).

What an editor needs first: the article's main claim (Lloyd Austin confirming that
North Korea has sent troops to Russia) and its big figures; then the rest, each with
the reasons it was picked; never a line of page furniture. Hedges, questions,
predictions and opinions are marked with a reason, never deleted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from factdesk.settings import Settings
from workers.context import WorkerContext, pipeline
from workers.nlp import COMPONENTS, FoundClaim, find_claims
from workers.nlp.claim_scorer import DESCRIPTION, claim_reasons, is_filtered
from workers.nlp.classifier import FACTORY_NAME as CLASSIFIER
from workers.nlp.combiner import FACTORY_NAME as COMBINER
from workers.nlp.combiner import model_probability
from workers.nlp.finder import FIRST_COMPONENT
from workers.nlp.ranking import MAIN_CLAIM

MODEL = Settings.model_fields["spacy_model"].default
POSTED = Settings.model_fields["max_claims_per_article"].default
SEEDS = Path(__file__).resolve().parents[3] / "seeds"
SEED = SEEDS / "000_e55cb495c0a959b5.txt"
JUNK_LINES = {
    "[ad_1]",
    "INTERNATIONAL",
    "USA: North Korean troops are in Russia to fight against Ukraine",
    "Published on October 23, 2024 at 11:00 pm",
    "Russian invasion of Ukraine Credit: Shutterstock",
    "Shutterstock",
    "[ad_2]",
    "Source link",
}
MAIN = "Lloyd Austin confirmed on Wednesday that North Korea has sent troops to Russia"
FIGURES = (
    "2,500 North Korean troops have been dispatched",
    "more than 12,000 North Koreans were training",
    "recruiting 25,000 to 30,000 new troops a month",
    "more than 600,000 killed or injured",
)
CHINA_OIL = "China remains Pyongyang\u2019s critical oil supplier and main trading partner."
# Marked, with the word that makes them so, and never zeroed.
MARKED: dict[str, str] = {
    "He did not give details on the number of troops": "withholds details",
    "What exactly are they doing?": "a question",
    "called Pyongyang\u2019s presence a very serious escalation": "opinion: 'serious'",
    "sounds like a sign of desperation": "opinion: 'sounds'",
    "That\u2019s an indication that he may be in more trouble": "hedged: 'may'",
    "the Kremlin will have difficulty maintaining this pace": "prediction: 'will'",
    "may also have a reason to cooperate": "hedged: 'may'",
}
# Who each of these claims is attributed to.
SPEAKERS: dict[str, str | None] = {
    MAIN: "Lloyd Austin",
    FIGURES[0]: "American officials",
    FIGURES[1]: None,
    FIGURES[2]: "U.S. officials",
    FIGURES[3]: "American officials",
    "Russia has denied previous reports about the presence of North Korean troops": "Russia",
    "he had seen no evidence that troops were moving toward Ukraine": "Lloyd Austin",
}


@pytest.fixture(scope="module")
def nlp() -> Language:
    if not spacy.util.is_package(MODEL):
        pytest.skip(f"spaCy model {MODEL} is not installed")
    return pipeline(MODEL)


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_claims(nlp: Language, seed_text: str) -> list[FoundClaim]:
    return sorted(find_claims(nlp, seed_text), key=lambda claim: claim.rank)


@pytest.fixture(scope="module")
def seed_doc(nlp: Language, seed_text: str) -> Doc:
    return nlp(seed_text)


def claim_with(claims: list[FoundClaim], fragment: str) -> FoundClaim:
    (claim,) = [claim for claim in claims if fragment in claim.text]
    return claim


def test_worker_pipeline_runs_the_rules_the_classifier_then_the_combiner(nlp: Language) -> None:
    assert nlp.pipe_names == [
        FIRST_COMPONENT,
        "tok2vec",
        "tagger",
        "parser",
        "attribute_ruler",
        "ner",
        *COMPONENTS[:-1],
        CLASSIFIER,
        COMBINER,
    ]
    assert "lemmatizer" not in nlp.component_names


def test_workers_get_the_pipeline_with_the_combiner_last(nlp: Language) -> None:
    context = WorkerContext.__new__(WorkerContext)
    context.settings = Settings(spacy_model=MODEL)
    assert context.nlp is nlp
    assert context.nlp.pipe_names[-1] == COMBINER


def test_the_combiner_reads_the_classifier_on_every_sentence(seed_doc: Doc) -> None:
    units = [u for u in seed_doc.spans["sentences"] if not is_filtered(u)]
    scored = [unit for unit in units if model_probability(unit) is not None]
    assert len(scored) > len(units) / 2


def test_the_main_claim_and_most_big_figures_lead(seed_claims: list[FoundClaim]) -> None:
    top = [claim.text for claim in seed_claims[:5]]

    assert sum(any(fragment in text for text in top) for fragment in (MAIN, *FIGURES)) >= 4


def test_the_main_claim_comes_first(seed_claims: list[FoundClaim]) -> None:
    first = seed_claims[0]

    assert MAIN in first.text
    assert first.reasons[0] == MAIN_CLAIM
    assert first.speaker == "Lloyd Austin"


# The ranking after the three main claims is the combiner's score. With the fine-tuned
# model (claims-2.0.0), the combiner refit on it and the ranking fitted on
# news-main-claims dev (centrality and length included), two of the seed checks
# still fall short: kept as known failures, not loosened. The five make the top five
# only with at most two main claims and a later nod to place of at most 3 (dev picks 4
# with two): the third main claim ("Ukraine
# and South Korea had already made the same warning ...") otherwise takes the fifth
# place. Dev chooses three (recall@5 0.92; 0.87 with two), and so did every lead cut-off
# by main-claim probability tried on dev. The China oil claim scores 0.69 against 0.93
# for the 15th claim: the model gives it 0.78, 23rd of the seed's distinct units by the
# model alone. What else was tried on dev, with its figures: docs/claims.md.
AWAITS_THE_MODEL = pytest.mark.xfail(
    reason=(
        "with the fine-tuned model, the refit combiner and three main claims, 600,000 ranks "
        "6th and the China oil claim 25th (issue 15)"
    ),
    strict=False,
)


@AWAITS_THE_MODEL
def test_the_top_five_are_the_main_claim_and_the_big_figures(
    seed_claims: list[FoundClaim],
) -> None:
    top = [claim.text for claim in seed_claims[:5]]

    for fragment in (MAIN, *FIGURES):
        assert any(fragment in text for text in top), fragment


@AWAITS_THE_MODEL
def test_the_china_oil_claim_is_among_those_posted(seed_claims: list[FoundClaim]) -> None:
    assert CHINA_OIL in [claim.text for claim in seed_claims[:POSTED]]


def test_seed_claims_name_their_sources(seed_claims: list[FoundClaim]) -> None:
    found = {fragment: claim_with(seed_claims, fragment).speaker for fragment in SPEAKERS}

    assert found == SPEAKERS
    assert "attributed to U.S. officials" in claim_with(seed_claims, FIGURES[2]).reasons


def test_no_line_of_page_furniture_is_ever_a_claim(
    seed_claims: list[FoundClaim], nlp: Language
) -> None:
    html_claims = find_claims(nlp, extracted_html_seed())
    for claim in [*seed_claims, *html_claims]:
        assert claim.text not in JUNK_LINES
        assert not any(junk in claim.text for junk in JUNK_LINES - {"Shutterstock"})
        assert "Credit:" not in claim.text


def extracted_html_seed() -> str:
    from workers.extract import extract
    from workers.fetch import Page

    body = (SEEDS / "north-korean-troops-russia.html").read_bytes()
    page = Page(url="https://example.com/a", body=body, content_type="text/html", encoding=None)
    return extract(page).text


@pytest.mark.parametrize(("fragment", "reason"), MARKED.items())
def test_what_is_not_a_plain_statement_is_marked_not_deleted(
    seed_doc: Doc, fragment: str, reason: str
) -> None:
    (unit,) = [unit for unit in seed_doc.spans["sentences"] if fragment in unit.text]
    assert reason in claim_reasons(unit)
    assert unit._.claim_score > 0.0


def test_seed_claims_are_well_formed(seed_text: str, seed_claims: list[FoundClaim]) -> None:
    assert [claim.rank for claim in seed_claims] == list(range(1, len(seed_claims) + 1))
    for claim in seed_claims:
        assert seed_text[claim.start_char : claim.end_char] == claim.text
        assert claim.text == claim.text.strip()
        assert 0.0 < claim.score <= 1.0
        assert claim.reasons


def test_repeated_sentence_is_reported_once(seed_claims: list[FoundClaim]) -> None:
    assert sum(FIGURES[0] in claim.text for claim in seed_claims) == 1


def test_a_quote_over_several_sentences_is_one_unit(seed_doc: Doc) -> None:
    units = [unit.text for unit in seed_doc.spans["sentences"]]
    zelenski = next(text for text in units if "formats for mobilizing" in text)
    cha = next(text for text in units if "Both are stated goals of the program" in text)

    assert zelenski.startswith("“I wouldn\u2019t say they ran out of personnel,” the Ukrainian")
    assert zelenski.endswith("That is definitely happening.”")
    assert cha.startswith("“Kim may believe that going this far for Putin")
    assert cha.endswith("” Cha said. “Both are stated goals of the program.”")


def test_claims_that_open_with_a_pronoun_carry_the_sentence_before(
    seed_claims: list[FoundClaim],
) -> None:
    no_evidence = claim_with(seed_claims, "he had seen no evidence")
    austin = claim_with(seed_claims, MAIN)

    assert no_evidence.context is not None
    assert no_evidence.context.endswith("and now he\u2019s making a play to get more people.”")
    assert len(no_evidence.context) <= 200
    assert austin.context is None


def test_the_china_statement_says_what_china_is(seed_doc: Doc) -> None:
    (unit,) = [unit for unit in seed_doc.spans["sentences"] if unit.text == CHINA_OIL]
    assert DESCRIPTION in claim_reasons(unit)
