"""spaCy component that marks what a fact-checker weighs differently: questions,
opinions, predictions and hedged statements.

Runs after the scorer. It takes nothing out and zeroes no score: health and science
news hedges its findings ("the drug may cut deaths by 30 percent"), and a hedged
sentence with a figure in it is still worth checking. A marked unit gains a reason
that says what it is, in an editor's words ("a question", "hedged: 'may'",
"prediction: 'will'", "opinion: 'serious'", "withholds details"), which the combiner
(``combiner.py``) weighs as a feature against the figures, sources and the model's
probability.

What is judged is what a sentence asserts, not every word in it. In reported speech
that is what the source said ("Officials estimate 2,500 troops have been
dispatched" asserts a dispatch, not a guess), so neither the reporting verb nor a
hedge in a side clause ("a country that could threaten …") marks a sentence; a hedge
on every assertion does, the reporting verb's own included ("Kim may believe …"). A
unit joined from several sentences (a long quotation) is marked only when every
sentence in it is: one plain statement makes the whole quotation plain.

With a parser the assertions are the clause heads of the parse; without one (blank
pipelines in tests), the clauses between ";" and ", and"/", but", judged by the
marker words they contain.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from workers.nlp.claim_scorer import (
    REASONS_EXTENSION,
    claim_reasons,
    is_filtered,
    register_extensions,
)
from workers.nlp.lexicon import (
    EVALUATIVE,
    FORECAST_WORDS,
    HEDGE_ADVERBS,
    HEDGE_AUX,
    IMPRESSION_VERBS,
    OPINION_VERBS,
    PREDICTION_AUX,
    SEEMING_VERBS,
    UNCERTAIN_ADJECTIVES,
)
from workers.nlp.segments import (
    claim_units,
    doc_quotes,
    is_fragment,
    reported_content,
    unit_sentences,
)
from workers.nlp.verdicts import (
    HEDGE_MARKS,
    HEDGED,
    KINDS,
    NON_ANSWER,
    OPINION,
    PREDICTION,
    PREDICTION_MARKS,
    QUESTION,
    is_modal_word,
    judge_sentence,
)

FACTORY_NAME = "factdesk_claim_filters"

# The kinds, in the words Slack shows as reasons, are ``verdicts``'s; hedges,
# predictions and opinions name the word that makes them one: "hedged: 'may'". The
# combiner reads them as features (see ``signal_kind``).
__all__ = ["FACTORY_NAME", "HEDGED", "KINDS", "NON_ANSWER", "OPINION", "PREDICTION", "QUESTION"]

_NAMED_KINDS = frozenset({OPINION, PREDICTION, HEDGED})


class ClaimFilters:
    """Adds a reason to every unit that asks, guesses, forecasts or judges."""

    def __init__(self, name: str = FACTORY_NAME) -> None:
        self.name = name
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        quoted = doc_quotes(doc)
        parsed = doc.has_annotation("DEP")
        for unit in claim_units(doc):
            if is_filtered(unit):
                continue
            verdict = judge_unit(unit, quoted, parsed)
            if verdict:
                content = reported_content(list(unit), quoted)
                marks = [named_reason(kind, content) for kind in verdict]
                unit._.set(REASONS_EXTENSION, [*claim_reasons(unit), *marks])
        return doc


def named_reason(kind: str, content: Sequence[Token]) -> str:
    """The reason an editor reads: the kind, and for hedges, predictions and opinions
    the word that makes the sentence one ("hedged: 'may'")."""
    if kind not in _NAMED_KINDS:
        return kind
    word = trigger_word(kind, content)
    return f"{kind}: '{word}'" if word else kind


def signal_kind(reason: str) -> str | None:
    """The kind a reason from this component names, None for any other reason."""
    kind = reason.split(":", 1)[0]
    return kind if kind in KINDS else None


def trigger_word(kind: str, content: Sequence[Token]) -> str | None:
    """The first word of ``content`` that marks it as ``kind``."""
    lowers = [token.lower_ for token in content]
    for position, token in enumerate(content):
        lower = lowers[position]
        if kind == HEDGED:
            if lower == "remains" and lowers[position + 1 : position + 4] == ["to", "be", "seen"]:
                return "remains to be seen"
            if lower in HEDGE_AUX and is_modal_word(token):
                return token.text
            if lower in HEDGE_ADVERBS | SEEMING_VERBS | UNCERTAIN_ADJECTIVES | HEDGE_MARKS:
                return token.text
        elif kind == PREDICTION:
            if lower == "wo":
                return "won't"
            if lower in PREDICTION_AUX | FORECAST_WORDS | PREDICTION_MARKS:
                return token.text
        elif lower in OPINION_VERBS | EVALUATIVE | IMPRESSION_VERBS or lower == "say":
            return token.text  # "say" of "I wouldn't say"
    return None


def judge_unit(unit: Span, quoted: Sequence[bool], parsed: bool) -> list[str]:
    """The filter reasons of a unit, one per kind, or [] when it stays a claim."""
    verdicts: list[str] = []
    for sentence in unit_sentences(unit):
        # A fragment the splitter cut off ("he asked.") belongs to the sentence before.
        if is_fragment(sentence):
            continue
        verdict = judge_sentence(sentence, quoted, parsed)
        if verdict is None:
            return []
        verdicts.append(verdict)
    return list(dict.fromkeys(verdicts))


@Language.factory(FACTORY_NAME)
def make_claim_filters(nlp: Language, name: str) -> ClaimFilters:
    return ClaimFilters(name)
