"""The claim classifier component, on blank pipelines with the shipped network under
thresholds set here, and checks of the shipped model and of the training helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from tests.workers.nlp.helpers import make_blank_pipeline
from workers.nlp import claim_scorer
from workers.nlp.classifier import (
    DEFAULT_RULE_FLOOR,
    FACTORY_NAME,
    META_FILE,
    RESEMBLES_CLAIMS,
    ClaimClassifier,
    add_classifier,
    claim_probability,
    combined_score,
    final_score,
    is_claim,
    is_filtered,
    load_model,
    model_path,
)
from workers.nlp.onnx_model import MODEL_FILE, TOKENIZER_FILE
from workers.nlp.training import train

CHECK_WORTHY = [
    "Unemployment rose to 8 percent in the last four years.",
    "We have cut the federal deficit by 300 billion dollars since 1992.",
    "The Soviet Union has built 400 new missiles in the last decade.",
    "Inflation was 13 percent when the governor took office in 1980.",
    "Our exports to Japan fell by 20 percent last year.",
    "Forty million Americans have no health insurance today.",
    "The state spent 2 billion dollars on new prisons last year.",
    "Crime rates doubled in the cities during his second term.",
]
NOT_CHECK_WORTHY = [
    "I think we have to look at the future of this great country.",
    "Thank you very much, it is a pleasure to be here tonight with you.",
    "I want to make it very clear what my position is on this issue.",
    "We must never give up on the dreams of our young people.",
    "Let me say something about my opponent and his ideas here.",
    "I believe in the American people and what they can do together.",
    "That is not what I said and it is not what I meant at all.",
    "We need leadership that will bring this nation back together again.",
]
TEXT = (
    "Unemployment rose to 9 percent in the last four years. "
    "Thank you all for coming out to see us this evening. "
    "Is that so? "
    "Yes.\n"
    "We have cut the federal deficit by 300 billion dollars since 1992."
)
THRESHOLD, WEIGHT = 0.5, 0.8


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory of our own: the shipped network and tokenizer (linked, not
    copied) with thresholds of the test's choosing in its meta.json."""
    path = tmp_path_factory.mktemp("models") / "claims-test"
    path.mkdir()
    for name in (MODEL_FILE, TOKENIZER_FILE):
        (path / name).symlink_to(model_path() / name)
    meta = {"version": "test", "threshold": THRESHOLD, "weight": WEIGHT}
    (path / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def nlp(tiny_model: Path) -> Language:
    return add_classifier(make_blank_pipeline(), model_path=str(tiny_model))


def units_of(doc: Doc) -> list[Span]:
    return list(doc.spans[claim_scorer.SENTENCES_KEY])


def rule_scores(text: str) -> dict[tuple[int, int], float]:
    doc = make_blank_pipeline()(text)
    return {(u.start_char, u.end_char): claim_scorer.claim_score(u) for u in units_of(doc)}


def test_add_classifier_puts_it_last_once(tiny_model: Path) -> None:
    nlp = add_classifier(make_blank_pipeline(), model_path=str(tiny_model))
    assert nlp.pipe_names[-1] == FACTORY_NAME
    assert add_classifier(nlp, model_path=str(tiny_model)).pipe_names.count(FACTORY_NAME) == 1


def test_add_classifier_needs_the_rule_scorer(tiny_model: Path) -> None:
    with pytest.raises(ValueError, match=claim_scorer.FACTORY_NAME):
        add_classifier(spacy.blank("en"), model_path=str(tiny_model))


def test_component_refuses_docs_without_sentence_units(tiny_model: Path) -> None:
    component = ClaimClassifier(model=load_model(tiny_model))
    with pytest.raises(ValueError, match="sentences"):
        component(spacy.blank("en")("Unemployment rose to 8 percent."))


def test_model_is_loaded_once_per_process(tiny_model: Path) -> None:
    assert load_model(tiny_model) is load_model(str(tiny_model))
    model = load_model(tiny_model)
    assert (model.version, model.threshold, model.weight) == ("test", THRESHOLD, WEIGHT)


def test_missing_model_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make train-claims"):
        load_model(tmp_path / "claims-nowhere")


@pytest.mark.parametrize("field", ["threshold", "weight", "rule_floor", "confident"])
def test_settings_outside_unit_interval_are_refused(tiny_model: Path, field: str) -> None:
    settings = {"threshold": 0.5, "weight": 0.5, "rule_floor": 0.5, "confident": 0.5}
    settings[field] = 1.5
    with pytest.raises(ValueError, match=field):
        ClaimClassifier(
            model=load_model(tiny_model),
            threshold=settings["threshold"],
            weight=settings["weight"],
            rule_floor=settings["rule_floor"],
            confident=settings["confident"],
        )


def test_unfiltered_units_get_probability_and_mixed_score(nlp: Language) -> None:
    before = rule_scores(TEXT)
    unfiltered = [unit for unit in units_of(nlp(TEXT)) if not is_filtered(unit)]
    assert len(unfiltered) == 3
    for unit in unfiltered:
        probability = claim_probability(unit)
        assert probability is not None
        assert 0.0 <= probability <= 1.0
        rule = before[(unit.start_char, unit.end_char)]
        expected = final_score(probability, rule, WEIGHT, DEFAULT_RULE_FLOOR)
        assert claim_scorer.claim_score(unit) == expected
        assert expected >= combined_score(probability, rule, WEIGHT)


def test_filtered_units_keep_zero_and_stay_out_of_claims(nlp: Language) -> None:
    doc = nlp(TEXT)
    filtered = [unit for unit in units_of(doc) if is_filtered(unit)]
    assert [unit.text for unit in filtered] == ["Is that so?", "Yes."]
    claims = {(c.start_char, c.end_char) for c in doc.spans[claim_scorer.CLAIMS_KEY]}
    for unit in filtered:
        assert claim_scorer.claim_score(unit) == 0.0
        assert claim_probability(unit) is None
        assert (unit.start_char, unit.end_char) not in claims


def test_claims_are_the_unfiltered_units_over_the_threshold_or_the_rule_floor(
    nlp: Language,
) -> None:
    doc = nlp(TEXT)
    before = rule_scores(TEXT)
    expected = [
        unit.text
        for unit in units_of(doc)
        if not is_filtered(unit)
        and is_claim(
            claim_probability(unit) or 0.0,
            before[(unit.start_char, unit.end_char)],
            weight=WEIGHT,
            threshold=THRESHOLD,
            rule_floor=DEFAULT_RULE_FLOOR,
        )
    ]
    assert [span.text for span in doc.spans[claim_scorer.CLAIMS_KEY]] == expected
    # The model has learnt the obvious: figures in, pleasantries out.
    assert expected[0].startswith("Unemployment rose")
    assert all(not text.startswith("Thank you") for text in expected)


def test_weight_and_threshold_can_be_overridden(tiny_model: Path) -> None:
    everything = add_classifier(
        make_blank_pipeline(), model_path=str(tiny_model), threshold=0.0, weight=1.0
    )
    doc = everything(TEXT)
    unfiltered = [unit for unit in units_of(doc) if not is_filtered(unit)]
    assert len(doc.spans[claim_scorer.CLAIMS_KEY]) == len(unfiltered)
    before = rule_scores(TEXT)
    for unit in unfiltered:
        probability = claim_probability(unit)
        assert probability is not None
        rule = before[(unit.start_char, unit.end_char)]
        expected = round(probability, 3) if rule < DEFAULT_RULE_FLOOR else max(probability, rule)
        assert claim_scorer.claim_score(unit) == pytest.approx(expected, abs=1e-3)

    rules_only = add_classifier(make_blank_pipeline(), model_path=str(tiny_model), weight=0.0)
    before = rule_scores(TEXT)
    for unit in units_of(rules_only(TEXT)):
        assert claim_scorer.claim_score(unit) == before[(unit.start_char, unit.end_char)]


def test_the_classifier_cannot_veto_the_rules(tiny_model: Path) -> None:
    text = TEXT + " Lloyd Austin said on Wednesday that Russia sent troops to Ukraine."
    before = rule_scores(text)
    floored = {span for span, rule in before.items() if rule >= DEFAULT_RULE_FLOOR}
    assert len(floored) == 1
    # A threshold no mixed score reaches: only the rules' floor makes claims.
    strict = add_classifier(make_blank_pipeline(), model_path=str(tiny_model), threshold=1.0)
    doc = strict(text)
    claims = list(doc.spans[claim_scorer.CLAIMS_KEY])
    assert {(claim.start_char, claim.end_char) for claim in claims} == floored
    for claim in claims:
        assert claim_scorer.claim_score(claim) >= before[(claim.start_char, claim.end_char)]

    no_floor = add_classifier(
        make_blank_pipeline(), model_path=str(tiny_model), threshold=1.0, rule_floor=1.0
    )
    unfloored = no_floor(text)
    assert list(unfloored.spans[claim_scorer.CLAIMS_KEY]) == []


@pytest.mark.parametrize(("confident", "expected"), [(0.0, 3), (1.0, 0)])
def test_reason_added_when_the_classifier_is_confident(
    tiny_model: Path, confident: float, expected: int
) -> None:
    nlp = add_classifier(make_blank_pipeline(), model_path=str(tiny_model), confident=confident)
    doc = nlp(TEXT)
    with_reason = [u for u in units_of(doc) if RESEMBLES_CLAIMS in claim_scorer.claim_reasons(u)]
    assert len(with_reason) == expected
    assert not any(is_filtered(unit) for unit in with_reason)


def test_pipe_in_batches_matches_one_doc_at_a_time(nlp: Language) -> None:
    texts = [*CHECK_WORTHY[:3], TEXT, *NOT_CHECK_WORTHY[:3]]

    def summary(doc: Doc) -> list[tuple[str, float, float | None, bool]]:
        claims = {span.start_char for span in doc.spans[claim_scorer.CLAIMS_KEY]}
        return [
            (u.text, claim_scorer.claim_score(u), claim_probability(u), u.start_char in claims)
            for u in units_of(doc)
        ]

    one_by_one = [summary(nlp(text)) for text in texts]
    batched = [summary(doc) for doc in nlp.pipe(texts, batch_size=3)]
    assert batched == one_by_one


def test_threshold_choice_and_scores() -> None:
    sentences = [
        train.UnitScores((0.9,), (0.4,)),
        train.UnitScores((0.8, 0.1), (0.0, 0.6)),
        train.UnitScores((0.3,), (0.0,)),
        train.UnitScores((), ()),  # every unit filtered
    ]
    gold = [1, 1, 0, 1]
    choice = train.choose_threshold(sentences, gold)
    assert choice.scores.true_positives == 2
    assert choice.scores.predicted == 2
    assert choice.scores.f1 == pytest.approx(0.8)
    assert train.prf([True, False], [0, 0]) == train.Scores(0.0, 0.0, 0.0, 0, 1, 0)


def test_threshold_choice_with_the_rule_floor_and_a_minimum_precision() -> None:
    sentences = [
        train.UnitScores((0.9,), (0.0,)),
        train.UnitScores((0.1,), (0.6,)),  # only the rules' floor makes it a claim
        train.UnitScores((0.7,), (0.0,)),
        train.UnitScores((0.2,), (0.7,)),
    ]
    gold = [1, 1, 0, 0]

    floored = train.choose_threshold(sentences, gold, weights=(1.0,), rule_floor=0.5)
    assert floored.rule_floor == 0.5
    # Both floored sentences are claims whatever the threshold.
    assert floored.scores.predicted >= 2
    assert floored.scores.true_positives >= 1

    # Precision 0.6 rules out the thresholds up to 0.7 (two right out of four).
    precise = train.choose_threshold(
        sentences, gold, weights=(1.0,), rule_floor=0.5, min_precision=0.6
    )
    assert precise.scores.precision == pytest.approx(2 / 3)
    assert precise.threshold > 0.7

    # Precision 0.9 is out of reach: the constraint is dropped.
    unreachable = train.choose_threshold(
        sentences, gold, weights=(1.0,), rule_floor=0.5, min_precision=0.9
    )
    assert unreachable == train.choose_threshold(sentences, gold, weights=(1.0,), rule_floor=0.5)


def test_scoring_rows_leave_out_train_and_seen_texts(tmp_path: Path) -> None:
    data = tmp_path / "splits.csv"
    data.write_text(
        "Sentence_id,Verdict,label_cfs,split_random,random_text_seen_in_train,"
        "split_by_debate,debate_text_seen_in_train,Text\n"
        "1,1,1,train,0,dev,0,We cut taxes by 10 percent.\n"
        "2,-1,0,dev,0,train,0,I love this country.\n"
        "3,1,1,dev,1,test,0,We cut taxes by 10 percent.\n"
        "4,0,0,test,0,train,1,I was in Ohio.\n",
        encoding="utf-8",
    )
    rows = train.load_rows(data, "random")
    assert [row.sentence_id for row in train.training_rows(rows)] == ["1"]
    assert [row.sentence_id for row in train.scoring_rows(rows, "dev")] == ["2"]
    debate = train.load_rows(data, "by-debate")
    assert [row.sentence_id for row in train.scoring_rows(debate, "test")] == ["3"]
    with pytest.raises(ValueError, match="dev or test"):
        train.scoring_rows(rows, "train")
