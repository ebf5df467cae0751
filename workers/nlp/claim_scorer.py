"""spaCy component that scores how check-worthy each sentence is, with rules.

A first, explainable version before a trained classifier: every sentence unit (see
``segments.claim_units``) gets a score in [0, 1] from a few signals a fact-checker
recognises (numbers, named actors doing something, attribution, dates, comparisons,
causes, what an entity is), and the list of signals found, which Slack shows as the
claim's reasons.

Extensions set on every unit: ``claim_score`` (float), ``claim_reasons`` (list[str];
a unit that is no sentence of the article also carries a "filtered: ..." entry, and
no later component scores it).
``doc.spans["sentences"]`` holds every unit, ``doc.spans["claims"]`` the units at or
above the threshold. The scorer drops only what is not a sentence of the article
(boilerplate, fragments, run-ons); ``filters.ClaimFilters`` runs next and marks
questions, opinions, predictions and hedges, and ``combiner.ClaimCombiner`` runs last
and decides, from all the signals and the model's probability, what is a claim.

The signals themselves are in ``claim_signals``; each works from the tagger, parser and
NER when the pipeline has them, and falls back to small word lists when it has not
(blank pipelines in tests, or a model without a tagger), so the component never needs
more than a sentencizer to run.
"""

from __future__ import annotations

import math

from spacy.language import Language
from spacy.tokens import Doc, Span

from workers.nlp.boilerplate import is_boilerplate
from workers.nlp.claim_signals import (
    ATTRIBUTION,
    CAUSAL,
    COMPARISON,
    DATED_EVENT,
    DESCRIPTION,
    ENTITY_WITH_VERB,
    FINDING,
    NUMBER,
    core_tokens,
    signals,
)
from workers.nlp.segments import (
    CLAIMS_KEY,
    SENTENCES_KEY,
    claim_units,
    doc_quotes,
    word_count,
)

FACTORY_NAME = "factdesk_claim_scorer"
SCORE_EXTENSION = "claim_score"
REASONS_EXTENSION = "claim_reasons"

# The signal names are re-exported: the combiner, the filters and the tests read them here.
__all__ = [
    "ATTRIBUTION",
    "CAUSAL",
    "CLAIMS_KEY",
    "COMPARISON",
    "DATED_EVENT",
    "DESCRIPTION",
    "ENTITY_WITH_VERB",
    "FACTORY_NAME",
    "FILTERED_PREFIX",
    "FINDING",
    "NUMBER",
    "REASONS_EXTENSION",
    "SCORE_EXTENSION",
    "SENTENCES_KEY",
    "WEIGHTS",
    "ClaimScorer",
    "claim_reasons",
    "claim_score",
    "core_tokens",
    "is_filtered",
]

# Every reason that takes a unit out of the claims starts with this; the trained
# classifier relies on it.
FILTERED_PREFIX = "filtered:"
FILTERED_BOILERPLATE = "filtered: boilerplate"
FILTERED_TOO_SHORT = "filtered: too short"
# Four words make a claim ("A jury found them guilty.", "Your premiums are going up."):
# below that the model judges nothing. Six vetoed 5 of ClaimBuster dev's 240 check-worthy
# sentences; four (six for a line without a final stop, below) raised the combiner's
# out-of-fold F1 on dev from 0.794 to 0.797.
MIN_TOKENS = 4
# A short unit without a sentence's final stop is a heading or a label ("The inspectors
# who left", a section title kept as a line of its own), not a sentence: it needs this
# many words, as every unit did before.
MIN_FRAGMENT_TOKENS = 6
_SENTENCE_END = tuple(".!?\"'\u201d\u2019)\u2026")
FILTERED_TOO_LONG = "filtered: too long"

# Weights, summed and capped at 1.0. With the default threshold of 0.5 a sentence
# needs two independent signals, at least one of them concrete: a figure (0.4) or a
# named actor doing something (0.3) plus a date (0.2), a source (0.2) or a statement
# of what the actor is (0.2: "China remains Pyongyang's main trading partner"). A
# figure or an actor alone, or a bare "he said", is not enough. Comparisons and
# causes (0.1) only strengthen a sentence that already has something checkable in it.
WEIGHTS: dict[str, float] = {
    NUMBER: 0.4,
    ENTITY_WITH_VERB: 0.3,
    ATTRIBUTION: 0.2,
    DATED_EVENT: 0.2,
    COMPARISON: 0.1,
    CAUSAL: 0.1,
    DESCRIPTION: 0.2,
    FINDING: 0.0,  # no weight of its own in the rule score: it says what, not how much
}


class ClaimScorer:
    """Scores every sentence unit and collects the check-worthy ones in doc.spans."""

    def __init__(
        self,
        name: str = FACTORY_NAME,
        *,
        threshold: float = 0.5,
        min_tokens: int = MIN_TOKENS,
        max_tokens: int = 80,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be within [0, 1], got {threshold}")
        if not 0 < min_tokens <= max_tokens:
            raise ValueError(
                f"need 0 < min_tokens <= max_tokens, got {min_tokens} and {max_tokens}"
            )
        self.name = name
        self.threshold = threshold
        self.min_tokens = min_tokens
        self.max_tokens = max_tokens
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        quoted = doc_quotes(doc)
        parsed = doc.has_annotation("DEP")
        units = claim_units(doc)
        claims: list[Span] = []
        for unit in units:
            reasons = signals(unit, quoted, parsed)
            filtered = self._filter(unit)
            score = 0.0 if filtered else round(min(1.0, math.fsum(WEIGHTS[r] for r in reasons)), 2)
            unit._.set(SCORE_EXTENSION, score)
            unit._.set(REASONS_EXTENSION, [*reasons, filtered] if filtered else reasons)
            if not filtered and score >= self.threshold:
                claims.append(unit)
        doc.spans[SENTENCES_KEY] = units
        doc.spans[CLAIMS_KEY] = claims
        return doc

    def _filter(self, unit: Span) -> str | None:
        if is_boilerplate(unit):
            return FILTERED_BOILERPLATE
        n_words = word_count(unit)
        if n_words < self.min_tokens or (
            n_words < MIN_FRAGMENT_TOKENS and not unit.text.rstrip().endswith(_SENTENCE_END)
        ):
            return FILTERED_TOO_SHORT
        if n_words > self.max_tokens:
            return FILTERED_TOO_LONG
        return None


def register_extensions() -> None:
    if not Span.has_extension(SCORE_EXTENSION):
        Span.set_extension(SCORE_EXTENSION, default=0.0)
    if not Span.has_extension(REASONS_EXTENSION):
        # spaCy copies mutable defaults per span, so a shared [] is safe here.
        Span.set_extension(REASONS_EXTENSION, default=[])


def claim_score(span: Span) -> float:
    """Typed accessor for ``span._.claim_score``."""
    return float(span._.get(SCORE_EXTENSION))


def is_filtered(span: Span) -> bool:
    """Whether a component took the unit out of the claims (see FILTERED_PREFIX)."""
    return any(reason.startswith(FILTERED_PREFIX) for reason in claim_reasons(span))


def claim_reasons(span: Span) -> list[str]:
    """Typed accessor for ``span._.claim_reasons`` (a copy)."""
    return [str(reason) for reason in span._.get(REASONS_EXTENSION)]


@Language.factory(
    FACTORY_NAME,
    default_config={"threshold": 0.5, "min_tokens": MIN_TOKENS, "max_tokens": 80},
)
def make_claim_scorer(
    nlp: Language, name: str, threshold: float, min_tokens: int, max_tokens: int
) -> ClaimScorer:
    return ClaimScorer(name, threshold=threshold, min_tokens=min_tokens, max_tokens=max_tokens)
