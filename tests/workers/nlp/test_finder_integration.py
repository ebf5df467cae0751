"""The claim finder on the seed article, with the pipeline the workers run: the real
English model, the rules and the shipped classifier (loaded once).

The expected list below is what a fact-checker reading the article would pick, each
claim with who it is attributed to; the article's opinions, predictions, hedged
guesses and questions, and its page furniture, are not claims.
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
from workers.nlp.claim_scorer import WEIGHTS, claim_reasons
from workers.nlp.classifier import FACTORY_NAME as CLASSIFIER
from workers.nlp.classifier import (
    RESEMBLES_CLAIMS,
    ClaimClassifier,
    claim_probability,
    load_model,
)
from workers.nlp.filters import FILTERED_NON_ANSWER
from workers.nlp.finder import FIRST_COMPONENT

MODEL = Settings.model_fields["spacy_model"].default
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

# A fragment of each claim a fact-checker would pick, and its speaker.
EXPECTED: dict[str, str | None] = {
    TROOPS_2500: "American officials",
    "Lloyd Austin confirmed on Wednesday that North Korea has sent troops to Russia": (
        "Lloyd Austin"
    ),
    "for the first time the Americans confirmed the information": "Americans",
    "He went begging early on to get additional weapons and materials from the DPRK": (
        "Lloyd Austin"
    ),
    "he had seen no evidence that troops were moving toward Ukraine": "Lloyd Austin",
    "Ukrainian officials insist they are on the way": "Ukrainian officials",
    "American intelligence officials said they were preparing to release": (
        "American intelligence officials"
    ),
    "more than 12,000 North Koreans were training": None,
    "Russia has denied previous reports about the presence of North Korean troops": "Russia",
    "recruiting 25,000 to 30,000 new troops a month": "U.S. officials",
    "more than 600,000 killed or injured": "American officials",
    "Zelenski sought to portray North Korea\u2019s presence": "Volodmir Zelenski",
    "there are formats for mobilizing North Korean troops": "Volodmir Zelenski",
    "there is no clear quid pro quo": "officials",
    "It has been trying to demonstrate that its intercontinental ballistic missiles": None,
    "it has yet to conduct a cross-Pacific test": None,
    "Both are stated goals of the program": "Victor Cha",
    "US intelligence has concluded that Chinese officials now want": "US intelligence",
    "China remains Pyongyang\u2019s critical oil supplier and main trading partner.": None,
    "they have picked up no evidence that China is expressing its displeasure": "officials",
    "Seoul said on Tuesday it would consider providing weapons": "Seoul",
}
# Found today and defensible either way: interpretations with a checkable core, and
# what the classifier adds to the rules: the headline, and two checkable statements
# of fact that no rule signal beyond "a named actor did something" marks.
TOLERATED = (
    "For the first time in decades, the North has assets",
    "This indicates that the consequences of this war",
    "USA: North Korean troops are in Russia to fight against Ukraine",
    "Many Russian regions have significantly increased sign-on bonuses",
    "As Kim\u2019s missiles became more accurate, he conducted flight tests",
)
# Background statements of fact that the learned model (fine-tuned on debates, its
# threshold chosen on debate sentences) rates check-worthy, where a news article is
# mostly such statements: candidates, kept below the figures and attributed claims by
# the ranking, not errors of the finder.
FACTUAL_BACKGROUND = (
    "There was no immediate comment from the Kremlin.",
    "But Moscow is struggling to maintain its costly offensives in Ukraine",
    "To avoid the political cost of conscription, the Russian government has resorted",
    "For Kim Jong-un, the North Korean leader, the war in Ukraine was a way out",
    "He is eager, American intelligence agencies believe, to make clear",
    "One of the central mysteries American and South Korean intelligence agencies",
    "But there have been reports of increased cooperation on missile technology",
    "With the Biden administration gradually allowing U.S.-made missiles",
    "But North Korea has always been highly dependent on Beijing",
    "And he has sometimes used that leverage to insist that Kim not create instability",
)
# What the article says that cannot be checked, and why.
NOT_CLAIMS: dict[str, str] = {
    "He did not give details on the number of troops": FILTERED_NON_ANSWER,
    "But they made no estimate of how many more might follow": FILTERED_NON_ANSWER,
    "What exactly are they doing?": "filtered: question",
    "It remains to be seen": "filtered: speculation",
    "called Pyongyang\u2019s presence a very serious escalation": "filtered: opinion",
    "sounds like a sign of desperation": "filtered: opinion",
    "That\u2019s an indication that he may be in more trouble": "filtered: speculation",
    "the Kremlin will have difficulty maintaining this pace": "filtered: prediction",
    "called the arrival of North Korean troops a watershed moment": "filtered: opinion",
    "may be to improve the range of its intercontinental ballistic missiles": (
        "filtered: speculation"
    ),
    "partnership without limits": "filtered: opinion",
    "Putin will give him whatever he wants": "filtered: prediction",
    "may also have a reason to cooperate": "filtered: speculation",
    "fear Russia could reward North Korea": "filtered: speculation",
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
    return find_claims(nlp, seed_text)


@pytest.fixture(scope="module")
def seed_doc(nlp: Language, seed_text: str) -> Doc:
    return nlp(seed_text)


def claim_with(claims: list[FoundClaim], fragment: str) -> FoundClaim:
    (claim,) = [claim for claim in claims if fragment in claim.text]
    return claim


def test_worker_pipeline_runs_the_rules_then_the_classifier_and_no_lemmatizer(
    nlp: Language,
) -> None:
    assert nlp.pipe_names == [
        FIRST_COMPONENT,
        "tok2vec",
        "tagger",
        "parser",
        "attribute_ruler",
        "ner",
        *COMPONENTS,
        CLASSIFIER,
    ]
    assert "lemmatizer" not in nlp.component_names
    component = nlp.get_pipe(CLASSIFIER)
    assert isinstance(component, ClaimClassifier)
    assert component.model is load_model()


def test_workers_get_the_pipeline_with_the_classifier(nlp: Language) -> None:
    context = WorkerContext.__new__(WorkerContext)
    context.settings = Settings(spacy_model=MODEL)
    assert context.nlp is nlp
    assert context.nlp.pipe_names[-1] == CLASSIFIER


def test_the_classifier_scores_every_unfiltered_unit(seed_doc: Doc) -> None:
    units = list(seed_doc.spans["sentences"])
    scored = [unit for unit in units if claim_probability(unit) is not None]
    assert len(scored) > len(units) / 2
    assert all(not any(r.startswith("filtered:") for r in claim_reasons(u)) for u in scored)


def test_seed_gives_the_claims_a_fact_checker_would_pick(seed_claims: list[FoundClaim]) -> None:
    found = {fragment: claim_with(seed_claims, fragment).speaker for fragment in EXPECTED}

    assert found == EXPECTED
    unexpected = [
        claim.text
        for claim in seed_claims
        if not any(
            fragment in claim.text for fragment in [*EXPECTED, *TOLERATED, *FACTUAL_BACKGROUND]
        )
    ]
    assert unexpected == []


def test_seed_gives_no_junk(seed_claims: list[FoundClaim]) -> None:
    for claim in seed_claims:
        assert not any(junk in claim.text for junk in JUNK_LINES)


@pytest.mark.parametrize(("fragment", "reason"), NOT_CLAIMS.items())
def test_what_cannot_be_checked_is_filtered_with_a_reason(
    seed_claims: list[FoundClaim], seed_doc: Doc, fragment: str, reason: str
) -> None:
    assert not any(fragment in claim.text for claim in seed_claims)
    (unit,) = [unit for unit in seed_doc.spans["sentences"] if fragment in unit.text]
    assert reason in claim_reasons(unit)


def test_seed_claims_are_well_formed(seed_text: str, seed_claims: list[FoundClaim]) -> None:
    starts = [claim.start_char for claim in seed_claims]
    assert starts == sorted(starts)
    assert sorted(claim.rank for claim in seed_claims) == list(range(1, len(seed_claims) + 1))
    model = load_model()
    for claim in seed_claims:
        assert seed_text[claim.start_char : claim.end_char] == claim.text
        assert claim.text == claim.text.strip()
        assert min(model.threshold, model.rule_floor) <= claim.score <= 1.0
        assert claim.reasons
        assert set(claim.reasons) <= {*WEIGHTS, RESEMBLES_CLAIMS}
        # A claim is never there on the classifier's word alone: a reader sees why.
        assert set(claim.reasons) & set(WEIGHTS)


def test_repeated_sentence_is_reported_once(seed_claims: list[FoundClaim]) -> None:
    assert sum(TROOPS_2500 in claim.text for claim in seed_claims) == 1


def test_the_strongest_claims_carry_figures(seed_claims: list[FoundClaim]) -> None:
    top = sorted(seed_claims, key=lambda claim: claim.rank)[:4]

    assert all("number or statistic" in claim.reasons for claim in top)


def test_a_quote_over_several_sentences_is_one_claim(seed_claims: list[FoundClaim]) -> None:
    zelenski = claim_with(seed_claims, "there are formats for mobilizing North Korean troops")
    cha = claim_with(seed_claims, "Both are stated goals of the program")

    assert zelenski.text.startswith(
        "“I wouldn\u2019t say they ran out of personnel,” the Ukrainian"
    )
    assert zelenski.text.endswith("That is definitely happening.”")
    assert cha.text.startswith("“Kim may believe that going this far for Putin")
    assert cha.text.endswith("” Cha said. “Both are stated goals of the program.”")


def test_claims_that_open_with_a_pronoun_carry_the_sentence_before(
    seed_claims: list[FoundClaim],
) -> None:
    trying = claim_with(seed_claims, "It has been trying to demonstrate")
    no_evidence = claim_with(seed_claims, "he had seen no evidence")
    austin = claim_with(seed_claims, "Lloyd Austin confirmed on Wednesday")

    assert trying.context == (
        "But there have been reports of increased cooperation on missile technology, "
        "and in that arena, Kim has some very specific needs."
    )
    assert no_evidence.context is not None
    assert no_evidence.context.endswith("and now he\u2019s making a play to get more people.”")
    assert len(no_evidence.context) <= 200
    assert austin.context is None


def test_the_china_statement_is_a_claim_for_what_china_is(seed_claims: list[FoundClaim]) -> None:
    china = claim_with(seed_claims, "China remains Pyongyang\u2019s critical oil supplier")

    assert "factual description of an entity" in china.reasons
