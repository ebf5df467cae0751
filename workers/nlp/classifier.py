"""spaCy component that rescores sentence units with a trained claim classifier.

The rule scorer (``claim_scorer``) explains itself but tops out around F1 0.55 on
ClaimBuster; a transformer fine-tuned on ClaimBuster's debate sentences
(``workers.nlp.training.train``) reads far more cues. This component runs last, after
the rule scorer, and for every unit that no filter removed:

* stores the classifier's probability that the unit is a check-worthy factual claim
  on ``span._.claim_probability``;
* replaces ``span._.claim_score`` with the mixed score ``weight * probability +
  (1 - weight) * rule score``, the weight and threshold being those chosen on the dev
  split at training time (recorded in the model's meta.json, overridable in the
  component config);
* keeps every unit whose rule score reaches the rule floor (the rule scorer's own
  threshold: two independent signals, one of them concrete) a claim, scored at least
  its rule score. The classifier learnt check-worthiness from debate transcripts,
  where "China remains Pyongyang's main trading partner" would be a rare sentence;
  it may add claims the rules miss, but it cannot veto the rules' evidence;
* adds "resembles check-worthy claims" to the unit's reasons when the classifier is
  confident, so Slack can say why a sentence without rule signals was picked;
* rebuilds ``doc.spans["claims"]``: the units over the floor or the threshold
  (``is_claim``).

Filtered units (questions, boilerplate, too short or long) keep score 0, get no
probability and never become claims: the filters encode product decisions that the
debate-trained classifier knows nothing about.

The model is a small transformer encoder (all-MiniLM-L6-v2) fine-tuned on ClaimBuster
and shipped in ``models/claims-<version>/`` as int8 ONNX with its tokenizer and a
meta.json (sha256 of the model file, training data hash, seed, dev figures). It reads
each unit's text; ``workers.nlp.onnx_model`` runs it with onnxruntime, one thread, all
the units of a batch of docs in one call: no torch at run time.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from workers.nlp import claim_scorer
from workers.nlp.finder import build_pipeline
from workers.nlp.onnx_model import OnnxClaimModel

FACTORY_NAME = "factdesk_claim_classifier"
PROBABILITY_EXTENSION = "claim_probability"
RESEMBLES_CLAIMS = "resembles check-worthy claims"

# The version this code loads. A retrained model gets a new version (and directory),
# so a deployed worker never picks up a model its thresholds were not chosen for.
MODEL_VERSION = "2.0.0"
MODELS_DIR = Path(__file__).resolve().parent / "models"
META_FILE = "meta.json"

# A model whose meta.json predates the floor gets the rule scorer's default threshold.
DEFAULT_RULE_FLOOR = 0.5
DEFAULT_BATCH_SIZE = 256
# Above even odds the classifier thinks the unit is more likely CFS than not: worth
# telling the reader, whatever the mixed score's threshold.
DEFAULT_CONFIDENT = 0.5
_SCORE_DIGITS = 3


def model_path(version: str = MODEL_VERSION) -> Path:
    return MODELS_DIR / f"claims-{version}"


@dataclass(frozen=True)
class ClaimModel:
    """A loaded claim model with the threshold and weight chosen for it on dev."""

    scorer: OnnxClaimModel
    path: Path
    version: str
    threshold: float
    weight: float
    rule_floor: float = DEFAULT_RULE_FLOOR
    # The model's own threshold on dev, without the rules (what the benchmarks and
    # a combiner compare against).
    model_threshold: float = 0.5

    def probabilities(
        self, units: Sequence[Span], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> list[float]:
        """P(check-worthy factual claim) for each unit, in order."""
        return self.scorer.probabilities([unit.text for unit in units])

    def text_probabilities(self, texts: Sequence[str]) -> list[float]:
        """The same for plain texts (benchmarks, training)."""
        return self.scorer.probabilities(texts)


def read_meta(path: Path) -> dict[str, Any]:
    """The model directory's record: thresholds, hashes, training figures."""
    meta_file = path / META_FILE
    if not meta_file.is_file():
        raise FileNotFoundError(
            f"no claim model at {path}: run `make train-claims` or check MODEL_VERSION"
        )
    info: dict[str, Any] = json.loads(meta_file.read_text(encoding="utf-8"))
    return info


def load_model(path: str | Path | None = None) -> ClaimModel:
    """Load a claim model directory once per process (default: the shipped version)."""
    return _load_model(Path(path).resolve() if path is not None else model_path())


# Keyed by resolved path, so every pipeline in a worker shares one copy of the model.
@functools.cache
def _load_model(path: Path) -> ClaimModel:
    info = read_meta(path)
    try:
        threshold = float(info["threshold"])
        weight = float(info["weight"])
    except KeyError as missing:
        raise ValueError(f"{path}/{META_FILE} lacks {missing.args[0]}") from None
    return ClaimModel(
        scorer=OnnxClaimModel(path),
        path=path,
        version=str(info.get("version", "")),
        threshold=threshold,
        weight=weight,
        rule_floor=float(info.get("rule_floor", DEFAULT_RULE_FLOOR)),
        model_threshold=float(info.get("model_threshold", 0.5)),
    )


def combined_score(probability: float, rule_score: float, weight: float) -> float:
    """The score a unit ends up with; training chooses its threshold with this too."""
    return round(weight * probability + (1.0 - weight) * rule_score, _SCORE_DIGITS)


def final_score(probability: float, rule_score: float, weight: float, rule_floor: float) -> float:
    """The mixed score, raised to the rule score when the rules alone make a claim."""
    mixed = combined_score(probability, rule_score, weight)
    return max(mixed, rule_score) if rule_score >= rule_floor else mixed


def is_claim(
    probability: float, rule_score: float, *, weight: float, threshold: float, rule_floor: float
) -> bool:
    """An unfiltered unit is a claim when the rules alone reach their floor or the
    mixed score reaches the threshold; training chooses weight and threshold by this."""
    return rule_score >= rule_floor or combined_score(probability, rule_score, weight) >= threshold


def is_filtered(span: Span) -> bool:
    return any(reason.startswith("filtered:") for reason in claim_scorer.claim_reasons(span))


def claim_probability(span: Span) -> float | None:
    """Typed accessor for ``span._.claim_probability``: None when not classified."""
    if not Span.has_extension(PROBABILITY_EXTENSION):
        return None
    value = span._.get(PROBABILITY_EXTENSION)
    return None if value is None else float(value)


def register_extensions() -> None:
    claim_scorer.register_extensions()
    if not Span.has_extension(PROBABILITY_EXTENSION):
        Span.set_extension(PROBABILITY_EXTENSION, default=None)


class ClaimClassifier:
    """Mixes the classifier's probability into each unit's score and reselects claims."""

    def __init__(
        self,
        name: str = FACTORY_NAME,
        *,
        model: ClaimModel,
        threshold: float | None = None,
        weight: float | None = None,
        rule_floor: float | None = None,
        confident: float = DEFAULT_CONFIDENT,
    ) -> None:
        threshold = model.threshold if threshold is None else threshold
        weight = model.weight if weight is None else weight
        rule_floor = model.rule_floor if rule_floor is None else rule_floor
        for label, value in (
            ("threshold", threshold),
            ("weight", weight),
            ("rule_floor", rule_floor),
            ("confident", confident),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{label} must be within [0, 1], got {value}")
        self.name = name
        self.model = model
        self.threshold = threshold
        self.weight = weight
        self.rule_floor = rule_floor
        self.confident = confident
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        self._score([doc], DEFAULT_BATCH_SIZE)
        return doc

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[Doc]:
        # nlp.pipe hands over one sentence per doc in `factdesk claims --sentences`:
        # classifying a whole batch of docs in one call keeps the model's per-call
        # overhead off every sentence.
        stream = iter(docs)
        while batch := list(itertools.islice(stream, batch_size)):
            self._score(batch, batch_size)
            yield from batch

    def _score(self, docs: Sequence[Doc], batch_size: int) -> None:
        units_per_doc: list[list[Span]] = []
        candidates: list[Span] = []
        for doc in docs:
            if claim_scorer.SENTENCES_KEY not in doc.spans:
                raise ValueError(
                    f"{self.name} needs doc.spans[{claim_scorer.SENTENCES_KEY!r}]: "
                    f"add it after {claim_scorer.FACTORY_NAME} (see add_classifier)"
                )
            units = list(doc.spans[claim_scorer.SENTENCES_KEY])
            units_per_doc.append(units)
            candidates.extend(unit for unit in units if not is_filtered(unit))
        probabilities = self.model.probabilities(candidates, batch_size=batch_size)
        claims: set[tuple[int, int, int]] = set()
        for unit, probability in zip(candidates, probabilities, strict=True):
            rule = claim_scorer.claim_score(unit)
            if is_claim(
                probability,
                rule,
                weight=self.weight,
                threshold=self.threshold,
                rule_floor=self.rule_floor,
            ):
                claims.add((id(unit.doc), unit.start, unit.end))
            unit._.set(PROBABILITY_EXTENSION, probability)
            unit._.set(
                claim_scorer.SCORE_EXTENSION,
                final_score(probability, rule, self.weight, self.rule_floor),
            )
            if probability >= self.confident:
                reasons = claim_scorer.claim_reasons(unit)
                unit._.set(claim_scorer.REASONS_EXTENSION, [*reasons, RESEMBLES_CLAIMS])
        for doc, units in zip(docs, units_per_doc, strict=True):
            doc.spans[claim_scorer.CLAIMS_KEY] = [
                unit for unit in units if (id(doc), unit.start, unit.end) in claims
            ]


@Language.factory(
    FACTORY_NAME,
    default_config={
        "model_path": None,
        "threshold": None,
        "weight": None,
        "rule_floor": None,
        "confident": DEFAULT_CONFIDENT,
    },
)
def make_claim_classifier(
    nlp: Language,
    name: str,
    model_path: str | None,
    threshold: float | None,
    weight: float | None,
    rule_floor: float | None,
    confident: float,
) -> ClaimClassifier:
    """``model_path`` None loads the shipped ``MODEL_VERSION``; ``threshold``,
    ``weight`` and ``rule_floor`` None take the values chosen at training time, from
    the model's meta.json."""
    return ClaimClassifier(
        name,
        model=load_model(model_path),
        threshold=threshold,
        weight=weight,
        rule_floor=rule_floor,
        confident=confident,
    )


def add_classifier(nlp: Language, **config: Any) -> Language:
    """Add the classifier last, unless the pipeline has it already.

    ``config`` goes to the factory (model_path, threshold, weight, rule_floor,
    confident).
    """
    if FACTORY_NAME in nlp.pipe_names:
        return nlp
    if claim_scorer.FACTORY_NAME not in nlp.pipe_names:
        raise ValueError(
            f"pipeline lacks {claim_scorer.FACTORY_NAME}: build it with build_pipeline() first"
        )
    nlp.add_pipe(FACTORY_NAME, last=True, config=config)
    return nlp


def claim_pipeline(model: str) -> Language:
    """What the workers, ``factdesk claims`` and the benchmarks run: the rules'
    pipeline on the named spaCy model, with the shipped classifier last."""
    return add_classifier(build_pipeline(model))
