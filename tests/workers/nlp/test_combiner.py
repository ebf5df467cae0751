"""The combiner on blank pipelines: rules as features, the model's probability read
through ``span._.claim_probability``, and the shipped coefficients."""

from __future__ import annotations

import json

import pytest
from spacy.language import Language
from spacy.tokens import Doc, Span

from tests.workers.nlp.helpers import make_blank_pipeline
from workers.nlp import combiner, ranking
from workers.nlp.claim_scorer import claim_reasons, claim_score
from workers.nlp.finder import combiner_last

HEDGED_FIGURE = "The new drug may cut deaths by 30 percent among 2,000 older patients."


def with_probability(nlp: Language, probability: float) -> Language:
    """Put a stand-in for the classifier before the combiner: it sets every unit's
    ``claim_probability``, as the real one does."""
    name = f"stand_in_{int(probability * 100)}"

    @Language.component(name)
    def stand_in(doc: Doc) -> Doc:
        for unit in doc.spans["sentences"]:
            unit._.set(combiner.PROBABILITY_EXTENSION, probability)
        return doc

    if not Span.has_extension(combiner.PROBABILITY_EXTENSION):
        Span.set_extension(combiner.PROBABILITY_EXTENSION, default=None)
    nlp.add_pipe(name, before=combiner.FACTORY_NAME)
    return nlp


def only_unit(nlp: Language, text: str) -> Span:
    doc = nlp(text)  # held while the span is taken: a SpanGroup does not keep it alive
    (unit,) = list(doc.spans["sentences"])
    assert isinstance(unit, Span)
    return unit


def test_the_model_probability_is_read_through_the_span() -> None:
    sure = only_unit(with_probability(make_blank_pipeline(), 0.99), HEDGED_FIGURE)
    unsure = only_unit(with_probability(make_blank_pipeline(), 0.01), HEDGED_FIGURE)
    rules = only_unit(make_blank_pipeline(), HEDGED_FIGURE)

    assert claim_score(sure) > claim_score(rules) > claim_score(unsure)


def test_without_a_probability_the_rules_only_coefficients_apply() -> None:
    weights = combiner.parse_weights(
        {
            "with_model": {"bias": 0.0, "threshold": 0.5, "weights": {}},
            "rules_only": {"bias": 0.0, "threshold": 0.5, "weights": {"a figure": 2.0}},
        }
    )
    doc = make_blank_pipeline(with_combiner=False)(HEDGED_FIGURE)
    (unit,) = doc.spans["sentences"]

    score, threshold = combiner.combined_probability(unit, weights)

    assert score == pytest.approx(combiner.sigmoid(2.0))
    assert threshold == 0.5


def test_a_hedged_sentence_with_a_figure_stays_a_claim_with_the_shipped_weights() -> None:
    nlp = make_blank_pipeline(weights=None)
    doc = nlp(HEDGED_FIGURE)

    (unit,) = doc.spans["sentences"]
    assert claim_reasons(unit) == ["a figure", "hedged: 'may'"]
    assert list(doc.spans["claims"]) == [unit]


@pytest.mark.parametrize(
    "text",
    [
        "Did Russia send 2,500 troops to Ukraine on Monday?",
        "Russia will send 2,500 troops to Ukraine on Monday.",
        "I think Russia sent 2,500 troops to Ukraine on Monday.",
    ],
)
def test_no_mark_zeroes_a_score(text: str) -> None:
    assert claim_score(only_unit(make_blank_pipeline(weights=None), text)) > 0.2


def test_the_source_is_named_in_the_reasons(blank_nlp: Language) -> None:
    unit = only_unit(blank_nlp, "American officials said on Monday that Russia sent 2,500 troops.")

    assert "attributed to American officials" in claim_reasons(unit)
    # Rerunning the combiner reads its own wording back as the same feature.
    assert combiner.unit_features(unit)["attributed"] == 1.0


def test_boilerplate_is_scored_zero_and_never_a_claim(blank_nlp: Language) -> None:
    doc = blank_nlp("Russian troops near Kursk (AP Photo/Jane Roe)\nSource link")

    assert list(doc.spans["claims"]) == []
    assert all(claim_score(unit) == 0.0 for unit in doc.spans["sentences"])


def test_the_shipped_weights_cover_every_feature_and_the_ranking() -> None:
    raw = json.loads(combiner.WEIGHTS_PATH.read_text(encoding="utf-8"))
    weights = combiner.load_weights()

    assert set(raw["with_model"]["weights"]) == set(combiner.MODEL_FEATURES)
    assert set(raw["rules_only"]["weights"]) == set(combiner.FEATURES)
    for coefficients in (weights.with_model, weights.rules_only):
        assert 0.0 < coefficients.threshold < 1.0
    assert weights.ranking[ranking.LEAD_CLAIMS] in (1.0, 2.0, 3.0)
    assert weights.ranking[ranking.CENTRALITY_WEIGHT] > 0.0


def test_the_combiner_goes_last_even_when_a_classifier_is_added_after_it() -> None:
    nlp = make_blank_pipeline()
    nlp.add_pipe("sentencizer", name="stand_in_classifier", last=True)

    combiner_last(nlp)

    assert nlp.pipe_names[-2:] == ["stand_in_classifier", combiner.FACTORY_NAME]
    assert combiner_last(nlp).pipe_names.count(combiner.FACTORY_NAME) == 1
