"""spaCy component that scores how check-worthy each sentence is, with rules.

A first, explainable version before a trained classifier: every sentence unit (see
``segments.sentence_spans``) gets a score in [0, 1] from a few signals a fact-checker
recognises (numbers, named actors doing something, attribution, dates, comparisons,
causes), and the list of signals found, which Slack shows as the claim's reasons.

Extensions set on every unit: ``claim_score`` (float), ``claim_reasons`` (list[str];
a unit that a filter zeroed also carries a "filtered: ..." entry, for debugging).
``doc.spans["sentences"]`` holds every unit, ``doc.spans["claims"]`` the units at or
above the threshold.

Each signal works from the tagger, parser and NER when the pipeline has them, and
falls back to small word lists when it has not (blank pipelines in tests, or a model
without a tagger), so the component never needs more than a sentencizer to run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from workers.nlp.boilerplate import is_boilerplate
from workers.nlp.segments import quoted_mask, sentence_spans, word_count

FACTORY_NAME = "factdesk_claim_scorer"
SCORE_EXTENSION = "claim_score"
REASONS_EXTENSION = "claim_reasons"
CLAIMS_KEY = "claims"
SENTENCES_KEY = "sentences"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


NUMBER = "number or statistic"
ENTITY_WITH_VERB = "named entity with a factual verb"
ATTRIBUTION = "attribution"
DATED_EVENT = "dated event"
COMPARISON = "comparison or superlative"
CAUSAL = "causal claim"

FILTERED_BOILERPLATE = "filtered: boilerplate"
FILTERED_QUESTION = "filtered: question"
FILTERED_TOO_SHORT = "filtered: too short"
FILTERED_TOO_LONG = "filtered: too long"

# Weights, summed and capped at 1.0. With the default threshold of 0.5 a sentence
# needs two independent signals, at least one of them concrete: a figure (0.4) or a
# named actor doing something (0.3) plus a date (0.2) or a source (0.2). A figure or
# an actor alone, or a bare "he said", is not enough. Comparisons and causes (0.1)
# only strengthen a sentence that already has something checkable in it.
WEIGHTS: dict[str, float] = {
    NUMBER: 0.4,
    ENTITY_WITH_VERB: 0.3,
    ATTRIBUTION: 0.2,
    DATED_EVENT: 0.2,
    COMPARISON: 0.1,
    CAUSAL: 0.1,
}


_NUMBER_LABELS = frozenset({"CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"})
_ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW"})
_DATE_LABELS = frozenset({"DATE", "TIME"})

# Finite verbs assert something happened or is the case; modal constructions
# ("would have", "may be") put the verb in the base form VB and so are left out.
_FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP"})
_COMPARATIVE_TAGS = frozenset({"JJR", "JJS", "RBR", "RBS"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass"})
_MODALS = frozenset({"will", "would", "may", "might", "can", "could", "shall", "should", "must"})

# Surface forms, not lemmas: the pipeline runs without a lemmatizer.
_ATTRIBUTION_VERBS = _words(
    "say says said tell tells told estimate estimates estimated confirm confirms confirmed "
    "report reports reported announce announces announced state states stated "
    "claim claims claimed insist insists insisted warn warns warned add adds added "
    "note notes noted acknowledge acknowledges acknowledged deny denies denied "
    "reveal reveals revealed disclose discloses disclosed conclude concludes concluded "
    "testify testifies testified admit admits admitted allege alleges alleged"
)

# Without a tagger: common finite forms, plus regular "-ed" past tenses (see
# _is_factual_verb), so that blank pipelines still recognise "Austin confirmed".
_FALLBACK_FINITE_VERBS = _ATTRIBUTION_VERBS | _words(
    "is are was were am has have had does did do sent sends made makes went goes took "
    "takes gave gives won wins lost loses rose rises fell falls grew grows spent spends "
    "paid pays sold sells bought buys built builds met meets left leaves became becomes "
    "began begins came comes got gets held holds kept keeps led leads ran runs saw sees "
    "shows found finds brought brings hit hits cut cuts set sets put puts remains "
    "wants needs includes contains owns employs"
)
_FALLBACK_COMPARATIVES = _words(
    "more most less least fewer fewest larger largest bigger biggest higher highest "
    "lower lowest greater greatest smaller smallest better best worse worst"
)
_SUBJECT_PRONOUNS = frozenset({"i", "we", "you", "he", "she", "it", "they"})

_COMPARISON_PHRASES: tuple[tuple[str, ...], ...] = (
    ("more", "than"),
    ("less", "than"),
    ("fewer", "than"),
    ("the", "first"),
)
_CAUSAL_PHRASES: tuple[tuple[str, ...], ...] = (
    ("because",),
    ("due", "to"),
    ("owing", "to"),
    ("led", "to"),
    ("lead", "to"),
    ("leads", "to"),
    ("leading", "to"),
    ("caused",),
    ("causes",),
    ("causing",),
    ("cause", "of"),
    ("as", "a", "result"),
    ("resulted", "in"),
    ("results", "in"),
)
_QUESTION_TRAILERS = "\"'\u201d\u2019\u00bb)] "


class ClaimScorer:
    """Scores every sentence unit and collects the check-worthy ones in doc.spans."""

    def __init__(
        self,
        name: str = FACTORY_NAME,
        *,
        threshold: float = 0.5,
        min_tokens: int = 6,
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
        quoted = quoted_mask(doc)
        parsed = doc.has_annotation("DEP")
        units = sentence_spans(doc)
        claims: list[Span] = []
        for unit in units:
            reasons = _signals(unit, quoted, parsed)
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
        if unit.text.rstrip(_QUESTION_TRAILERS).endswith("?"):
            return FILTERED_QUESTION
        n_words = word_count(unit)
        if n_words < self.min_tokens:
            return FILTERED_TOO_SHORT
        if n_words > self.max_tokens:
            return FILTERED_TOO_LONG
        return None


def _signals(unit: Span, quoted: Sequence[bool], parsed: bool) -> list[str]:
    tokens = list(unit)
    attributed = _has_attribution(tokens, parsed)
    # In reported speech ("“It remains to be seen,” the secretary told reporters in
    # Italy.") the claim is what was said: the frame around the quote names who spoke
    # and where, which is not what a fact-checker would check. Quotes without an
    # attribution frame are scare quotes or titles, part of the sentence's own claim.
    inside = [token for token in tokens if quoted[token.i]]
    outside = [token for token in tokens if not quoted[token.i] and token.is_alpha]
    content = inside if inside and outside and _mentions_attribution(outside) else tokens

    comparison_phrases = _phrase_tokens(content, _COMPARISON_PHRASES)
    reasons: list[str] = []
    # "the first time" is a superlative, not a statistic: its ORDINAL counts once.
    if any(_is_number(token) for token in content if token.i not in comparison_phrases):
        reasons.append(NUMBER)
    if any(token.ent_type_ in _ACTOR_LABELS for token in content) and any(
        _is_factual_verb(token, parsed) for token in content
    ):
        reasons.append(ENTITY_WITH_VERB)
    if attributed:
        reasons.append(ATTRIBUTION)
    if any(token.ent_type_ in _DATE_LABELS for token in content):
        reasons.append(DATED_EVENT)
    if comparison_phrases or any(_is_comparative(token) for token in content):
        reasons.append(COMPARISON)
    if _phrase_tokens(content, _CAUSAL_PHRASES):
        reasons.append(CAUSAL)
    return reasons


def _is_number(token: Token) -> bool:
    # "One of the mysteries", "one that could ...": "one" alone is far more often a
    # pronoun than a count, even when NER calls it CARDINAL ("one million" still
    # counts through "million").
    if token.lower_ == "one":
        return False
    if token.ent_type_ in _NUMBER_LABELS:
        return True
    # Years and times are dates rather than statistics.
    return token.like_num and token.ent_type_ not in _DATE_LABELS


def _is_factual_verb(token: Token, parsed: bool) -> bool:
    if token.ent_type_:
        return False
    if token.tag_:
        # A finite verb under a modal is still hypothetical: "Kim may believe that
        # ... he wants", "Putin will give him whatever he wants".
        return token.tag_ in _FINITE_TAGS and not (
            parsed and any(_has_modal_aux(ancestor) for ancestor in token.ancestors)
        )
    lower = token.lower_
    looks_finite = lower in _FALLBACK_FINITE_VERBS or (
        token.is_alpha and len(lower) > 4 and lower.endswith("ed")
    )
    return looks_finite and not _follows_modal(token)


def _has_modal_aux(token: Token) -> bool:
    return any(child.dep_ == "aux" and child.tag_ == "MD" for child in token.children)


def _follows_modal(token: Token) -> bool:
    doc = token.doc
    return any(doc[i].lower_ in _MODALS for i in range(max(0, token.i - 2), token.i))


def _is_comparative(token: Token) -> bool:
    if token.tag_:
        return token.tag_ in _COMPARATIVE_TAGS
    return token.lower_ in _FALLBACK_COMPARATIVES


def _phrase_tokens(tokens: Sequence[Token], phrases: Iterable[tuple[str, ...]]) -> set[int]:
    """Doc indices of the tokens that make up any occurrence of the phrases."""
    lowers = [token.lower_ for token in tokens]
    indices = [token.i for token in tokens]
    found: set[int] = set()
    for phrase in phrases:
        size = len(phrase)
        for start in range(len(lowers) - size + 1):
            # Contiguous in the doc too, so a phrase cannot straddle a quote's edge.
            if (
                tuple(lowers[start : start + size]) == phrase
                and indices[start + size - 1] - indices[start] == size - 1
            ):
                found.update(indices[start : start + size])
    return found


def _mentions_attribution(tokens: Iterable[Token]) -> bool:
    return any(
        token.lower_ in _ATTRIBUTION_VERBS or token.lower_ == "according" for token in tokens
    )


def _has_attribution(tokens: Sequence[Token], parsed: bool) -> bool:
    for position, token in enumerate(tokens):
        if (
            token.lower_ == "according"
            and position + 2 < len(tokens)
            and tokens[position + 1].lower_ == "to"
            and not tokens[position + 2].is_punct
        ):
            return True
        if _is_attribution_verb(token, parsed):
            return True
    return False


def _is_attribution_verb(token: Token, parsed: bool) -> bool:
    if token.lower_ not in _ATTRIBUTION_VERBS or token.ent_type_:
        return False
    # Tagged: "made no estimate" (NN) and "stated goals" (an adjectival VBN with no
    # subject) are not somebody saying something.
    if token.tag_ and not token.tag_.startswith("VB"):
        return False
    if parsed:
        return any(child.dep_ in _SUBJECT_DEPS for child in token.children)
    return _has_nearby_subject(token)


def _has_nearby_subject(token: Token) -> bool:
    # Without a parse: a noun-like word just before the verb ("officials said") or a
    # name just after it ("said Victor Cha").
    doc = token.doc
    sent_start = token.sent.start if doc.has_annotation("SENT_START") else 0
    for i in range(max(sent_start, token.i - 3), token.i):
        before = doc[i]
        if before.ent_type_ in _ACTOR_LABELS or before.lower_ in _SUBJECT_PRONOUNS:
            return True
        if before.is_alpha and not before.is_stop and before.lower_ not in _MODALS:
            return True
    if token.i + 1 < len(doc):
        after = doc[token.i + 1]
        return after.ent_type_ in _ACTOR_LABELS or after.is_title
    return False


def register_extensions() -> None:
    if not Span.has_extension(SCORE_EXTENSION):
        Span.set_extension(SCORE_EXTENSION, default=0.0)
    if not Span.has_extension(REASONS_EXTENSION):
        # spaCy copies mutable defaults per span, so a shared [] is safe here.
        Span.set_extension(REASONS_EXTENSION, default=[])


def claim_score(span: Span) -> float:
    """Typed accessor for ``span._.claim_score``."""
    return float(span._.get(SCORE_EXTENSION))


def claim_reasons(span: Span) -> list[str]:
    """Typed accessor for ``span._.claim_reasons`` (a copy)."""
    return [str(reason) for reason in span._.get(REASONS_EXTENSION)]


@Language.factory(
    FACTORY_NAME,
    default_config={"threshold": 0.5, "min_tokens": 6, "max_tokens": 80},
)
def make_claim_scorer(
    nlp: Language, name: str, threshold: float, min_tokens: int, max_tokens: int
) -> ClaimScorer:
    return ClaimScorer(name, threshold=threshold, min_tokens=min_tokens, max_tokens=max_tokens)
