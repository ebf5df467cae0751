"""spaCy component that decides what is a claim: a small logistic regression over the
rules' signals and the trained model's probability.

The rules (``claim_scorer``: figures, named actors doing something, attribution,
dates, comparisons, causes, what an entity is; ``filters``: questions, hedges,
predictions, opinions) are reasons and features here, never vetoes: a hedged
sentence that carries a figure keeps the figure's weight. The model's probability is
read from ``span._.claim_probability``, which the claim classifier component sets
(whatever model it serves); a pipeline without it (blank pipelines in tests, the
rules alone) uses the coefficients fitted without it.

The coefficients live in ``combiner.json`` next to this module, fitted on ClaimBuster
``dev`` by ``python -m workers.nlp.training.fit_combiner``, which also fits the
article-level ranking the finder applies (``ranking.py``). The combiner runs last,
after the classifier: ``finder.claim_pipeline`` puts it there.

For every unit that is a sentence of the article (not boilerplate, not too short or
long) it sets ``claim_score`` to the fitted probability of a check-worthy claim, turns
"attributed" into "attributed to <speaker>" in the reasons, and rebuilds
``doc.spans["claims"]`` from the units at or above the fitted threshold.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from workers.nlp import attribution, claim_scorer, filters
from workers.nlp.segments import CLAIMS_KEY, claim_units, word_count

FACTORY_NAME = "factdesk_claim_combiner"
PROBABILITY_EXTENSION = "claim_probability"
WEIGHTS_PATH = Path(__file__).resolve().parent / "combiner.json"

# Feature names, as stored in combiner.json.
SIGNALS = (
    claim_scorer.NUMBER,
    claim_scorer.ENTITY_WITH_VERB,
    claim_scorer.ATTRIBUTION,
    claim_scorer.DATED_EVENT,
    claim_scorer.COMPARISON,
    claim_scorer.CAUSAL,
    claim_scorer.DESCRIPTION,
    claim_scorer.FINDING,
    *filters.KINDS,
)
MODEL_LOGIT = "model logit"
LOG_WORDS = "log words"
FEATURES = (*SIGNALS, LOG_WORDS)
MODEL_FEATURES = (*FEATURES, MODEL_LOGIT)
# The model's probability enters as a log-odds, clipped so that a saturated 0 or 1
# cannot outweigh every other signal.
_LOGIT_LIMIT = 6.0
# Scores are kept to this many digits (fit_combiner ranks with the same rounding).
SCORE_DIGITS = 3
# In debates a short interjection is rarely a claim, so length is a feature; past this
# many words it says nothing more, and news sentences, all long, would otherwise
# outrank a figure by their length alone.
_LENGTH_CAP = 20
_ATTRIBUTED_TO = "attributed to "


@dataclass(frozen=True)
class Coefficients:
    bias: float
    weights: Mapping[str, float]
    threshold: float

    def probability(self, features: Mapping[str, float]) -> float:
        total = math.fsum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return sigmoid(self.bias + total)


@dataclass(frozen=True)
class CombinerWeights:
    with_model: Coefficients
    rules_only: Coefficients
    ranking: Mapping[str, float]


def sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


def logit(probability: float) -> float:
    clipped = min(max(probability, sigmoid(-_LOGIT_LIMIT)), sigmoid(_LOGIT_LIMIT))
    return math.log(clipped / (1.0 - clipped))


def _coefficients(raw: Mapping[str, Any]) -> Coefficients:
    return Coefficients(
        bias=float(raw["bias"]),
        weights={str(k): float(v) for k, v in raw["weights"].items()},
        threshold=float(raw["threshold"]),
    )


def parse_weights(raw: Mapping[str, Any]) -> CombinerWeights:
    return CombinerWeights(
        with_model=_coefficients(raw["with_model"]),
        rules_only=_coefficients(raw["rules_only"]),
        ranking={str(k): float(v) for k, v in raw.get("ranking", {}).items()},
    )


@functools.cache
def load_weights(path: Path = WEIGHTS_PATH) -> CombinerWeights:
    """The fitted coefficients, read once per process."""
    return parse_weights(json.loads(path.read_text(encoding="utf-8")))


def model_probability(span: Span) -> float | None:
    """``span._.claim_probability`` as the classifier component set it, or None."""
    if not Span.has_extension(PROBABILITY_EXTENSION):
        return None
    value = span._.get(PROBABILITY_EXTENSION)
    return None if value is None else float(value)


def unit_features(span: Span) -> dict[str, float]:
    """The combiner's inputs for one unit, without the model's probability."""
    present = set()
    for reason in claim_scorer.claim_reasons(span):
        kind = filters.signal_kind(reason)
        if reason.startswith(_ATTRIBUTED_TO):  # as editor_reasons wrote it, on a rerun
            kind = claim_scorer.ATTRIBUTION
        present.add(kind if kind is not None else reason)
    features = {name: 1.0 if name in present else 0.0 for name in SIGNALS}
    features[LOG_WORDS] = math.log(1 + min(word_count(span), _LENGTH_CAP))
    return features


def combined_probability(span: Span, weights: CombinerWeights) -> tuple[float, float]:
    """(probability of a check-worthy claim, its threshold) for one unit."""
    features = unit_features(span)
    probability = model_probability(span)
    if probability is None:
        coefficients = weights.rules_only
    else:
        coefficients = weights.with_model
        features[MODEL_LOGIT] = logit(probability)
    return coefficients.probability(features), coefficients.threshold


def editor_reasons(span: Span) -> list[str]:
    """The unit's reasons with the source named: "attributed to Lloyd Austin"."""
    speaker = attribution.claim_speaker(span)
    reasons = []
    for reason in claim_scorer.claim_reasons(span):
        if reason == claim_scorer.ATTRIBUTION and speaker:
            reason = f"{_ATTRIBUTED_TO}{speaker}"
        reasons.append(reason)
    return reasons


class ClaimCombiner:
    """Scores every unit from its signals and the model's probability; picks the claims."""

    def __init__(self, name: str = FACTORY_NAME, *, weights: CombinerWeights) -> None:
        self.name = name
        self.weights = weights
        claim_scorer.register_extensions()
        attribution.register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        claims: list[Span] = []
        for unit in claim_units(doc):
            if claim_scorer.is_filtered(unit):
                unit._.set(claim_scorer.SCORE_EXTENSION, 0.0)
                continue
            score, threshold = combined_probability(unit, self.weights)
            unit._.set(claim_scorer.SCORE_EXTENSION, round(score, SCORE_DIGITS))
            unit._.set(claim_scorer.REASONS_EXTENSION, editor_reasons(unit))
            if score >= threshold:
                claims.append(unit)
        doc.spans[CLAIMS_KEY] = claims
        return doc


@Language.factory(FACTORY_NAME, default_config={"weights_path": None})
def make_claim_combiner(nlp: Language, name: str, weights_path: str | None) -> ClaimCombiner:
    """``weights_path`` None reads the shipped ``combiner.json``."""
    weights = load_weights(Path(weights_path) if weights_path else WEIGHTS_PATH)
    return ClaimCombiner(name, weights=weights)
