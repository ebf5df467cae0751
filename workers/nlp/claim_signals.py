"""The rule signals a fact-checker recognises in a sentence unit, in the words Slack
shows an editor as the claim's reasons: figures, named actors doing something,
attribution, dates, comparisons, causes, what an entity is, and reported findings.

Each works from the tagger, parser and NER when the pipeline has them, and falls back
to small word lists when it has not (blank pipelines in tests, or a model without a
tagger). ``claim_scorer.ClaimScorer`` sets them on every unit; the combiner
(combiner.py) reads them back as features.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from spacy.tokens import Span, Token

from workers.nlp.lexicon import (
    ACTOR_LABELS,
    ATTRIBUTION_VERBS,
    COPULAS,
    DATE_LABELS,
    FINDING_VERBS,
    FINITE_TAGS,
    MODALS,
    NUMBER_LABELS,
    QUOTE_FRAME_VERBS,
    RESEARCH_NOUNS,
    ROLE_NOUNS,
    SUBJECT_DEPS,
    words,
)
from workers.nlp.segments import reported_content
from workers.nlp.sources import takes_a_plain_object

# The combiner (combiner.py) names the speaker after "attributed".
NUMBER = "a figure"
ENTITY_WITH_VERB = "names who did what"
ATTRIBUTION = "attributed"
DATED_EVENT = "a date"
COMPARISON = "a comparison"
CAUSAL = "a cause"
DESCRIPTION = "says what something is"
FINDING = "reports a finding"

# Without a tagger: common finite forms, plus regular "-ed" past tenses (see
# _is_factual_verb), so that blank pipelines still recognise "Austin confirmed".
_FALLBACK_FINITE_VERBS = ATTRIBUTION_VERBS | words(
    "is are was were am has have had does did do sent sends made makes went goes took "
    "takes gave gives won wins lost loses rose rises fell falls grew grows spent spends "
    "paid pays sold sells bought buys built builds met meets left leaves became becomes "
    "began begins came comes got gets held holds kept keeps led leads ran runs saw sees "
    "shows found finds brought brings hit hits cut cuts set sets put puts remains "
    "wants needs includes contains owns employs"
)
_FALLBACK_COMPARATIVES = words(
    "more most less least fewer fewest larger largest bigger biggest higher highest "
    "lower lowest greater greatest smaller smallest better best worse worst"
)
_ORDINAL = re.compile(
    r"\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
)
_COMPARATIVE_TAGS = frozenset({"JJR", "JJS", "RBR", "RBS"})
_POSSESSIVES = frozenset({"'s", "\u2019s"})
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
# The head and modifiers of a noun phrase, without its clauses and prepositional
# phrases: "a very serious escalation", not "… that would have ramifications".
CORE_DEPS = frozenset(
    {
        "compound",
        "amod",
        "poss",
        "nummod",
        "det",
        "case",
        "quantmod",
        "nmod",
        "advmod",
        "cc",
        "conj",
        "predet",
        "npadvmod",
    }
)


def signals(unit: Span, quoted: Sequence[bool], parsed: bool) -> list[str]:
    """The signals found in the unit, in a fixed order."""
    tokens = list(unit)
    attributed = _has_attribution(tokens, quoted, parsed)
    content = reported_content(tokens, quoted)

    comparison_phrases = _phrase_tokens(content, _COMPARISON_PHRASES)
    reasons: list[str] = []
    # "the first time" is a superlative, not a statistic: its ORDINAL counts once.
    if any(_is_number(token) for token in content if token.i not in comparison_phrases):
        reasons.append(NUMBER)
    if any(token.ent_type_ in ACTOR_LABELS for token in content) and any(
        _is_factual_verb(token, parsed) for token in content
    ):
        reasons.append(ENTITY_WITH_VERB)
    if attributed:
        reasons.append(ATTRIBUTION)
    if any(token.ent_type_ in DATE_LABELS for token in content):
        reasons.append(DATED_EVENT)
    if comparison_phrases or any(_is_comparative(token) for token in content):
        reasons.append(COMPARISON)
    if _phrase_tokens(content, _CAUSAL_PHRASES):
        reasons.append(CAUSAL)
    if _describes_entity(content, parsed):
        reasons.append(DESCRIPTION)
    if any(_reports_finding(token, parsed) for token in tokens):
        reasons.append(FINDING)
    return reasons


# Without a parse, how far before a finding verb its study or source is looked for.
_FINDING_WINDOW = 8


def _reports_finding(token: Token, parsed: bool) -> bool:
    """A verb of finding whose subject is a study, researchers or a named source:
    "researchers found", "the analysis shows", "Lloyd Austin confirmed"."""
    if token.lower_ not in FINDING_VERBS or (token.tag_ and not token.tag_.startswith("VB")):
        return False
    if parsed:
        # "The analysis combined … and found that …": a coordinated verb shares the
        # subject of the first.
        verb = token
        while verb.dep_ == "conj" and not any(c.dep_ in SUBJECT_DEPS for c in verb.children):
            verb = verb.head
        subjects = [child for child in verb.children if child.dep_ in SUBJECT_DEPS]
        return any(_names_finder(word) for subject in subjects for word in core_tokens(subject))
    doc = token.doc
    start = max(
        token.sent.start if doc.has_annotation("SENT_START") else 0, token.i - _FINDING_WINDOW
    )
    return any(_names_finder(doc[i]) for i in range(start, token.i))


def _names_finder(token: Token) -> bool:
    return token.lower_ in RESEARCH_NOUNS or token.ent_type_ in ACTOR_LABELS


def _is_number(token: Token) -> bool:
    # "One of the mysteries", "one that could ...": "one" alone is far more often a
    # pronoun than a count, even when NER calls it CARDINAL ("one million" still
    # counts through "million").
    if token.lower_ == "one":
        return False
    # An ordinal ranks or enumerates ("First, let me say", "the first lady", "put
    # America first", "his third term"): it is no statistic, and in speech it is
    # mostly a list marker.
    if token.ent_type_ == "ORDINAL" or _ORDINAL.fullmatch(token.lower_):
        return False
    if token.ent_type_ in NUMBER_LABELS:
        return True
    # Years and times are dates rather than statistics.
    return token.like_num and token.ent_type_ not in DATE_LABELS


def _is_factual_verb(token: Token, parsed: bool) -> bool:
    if token.ent_type_:
        return False
    if token.tag_:
        # A finite verb under a modal is still hypothetical: "Kim may believe that
        # ... he wants", "Putin will give him whatever he wants".
        return token.tag_ in FINITE_TAGS and not (
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
    return any(doc[i].lower_ in MODALS for i in range(max(0, token.i - 2), token.i))


def _is_comparative(token: Token) -> bool:
    if token.tag_:
        return token.tag_ in _COMPARATIVE_TAGS
    return token.lower_ in _FALLBACK_COMPARATIVES


def _phrase_tokens(tokens: Sequence[Token], phrases: Iterable[tuple[str, ...]]) -> set[int]:
    """Doc indices of the tokens that make up any occurrence of the phrases."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        by_first.setdefault(phrase[0], []).append(phrase)
    lowers = [token.lower_ for token in tokens]
    indices = [token.i for token in tokens]
    found: set[int] = set()
    for start, lower in enumerate(lowers):
        for phrase in by_first.get(lower, ()):
            size = len(phrase)
            # Contiguous in the doc too, so a phrase cannot straddle a quote's edge.
            if (
                tuple(lowers[start : start + size]) == phrase
                and indices[start + size - 1] - indices[start] == size - 1
            ):
                found.update(indices[start : start + size])
    return found


def _describes_entity(content: Sequence[Token], parsed: bool) -> bool:
    """An entity and a copula with a noun phrase that can be looked up: "China remains
    Pyongyang's critical oil supplier", "Kim Jong-un is the North Korean leader".
    "The war was a way out of isolation" has no such noun phrase."""
    for token in content:
        if token.lower_ not in COPULAS or not _is_factual_verb(token, parsed):
            continue
        if parsed:
            if _parsed_description(token):
                return True
        elif _surface_description(token):
            return True
    return False


def _parsed_description(copula: Token) -> bool:
    subject = next((child for child in copula.children if child.dep_ in SUBJECT_DEPS), None)
    # "It is", "there is", "this is": who or what is described is elsewhere.
    if subject is None or subject.tag_ in {"PRP", "EX", "DT", "WDT", "WP"}:
        return False
    for predicate in copula.children:
        if predicate.dep_ != "attr" or not predicate.tag_.startswith("NN"):
            continue
        described = core_tokens(predicate)
        if not any(
            token.ent_type_ in ACTOR_LABELS for token in [*core_tokens(subject), *described]
        ):
            continue
        if any(token.lower_ in ROLE_NOUNS or _anchors_description(token) for token in described):
            return True
    return False


def _anchors_description(token: Token) -> bool:
    return token.ent_type_ in ACTOR_LABELS or _is_number(token) or token.tag_ == "JJS"


def _surface_description(copula: Token) -> bool:
    # Without a parse: an entity just before the copula, and a role noun, a number or
    # a possessive entity in the few words after it, before any punctuation.
    doc = copula.doc
    if not any(doc[i].ent_type_ in ACTOR_LABELS for i in range(max(0, copula.i - 2), copula.i)):
        return False
    for i in range(copula.i + 1, min(len(doc), copula.i + 7)):
        token = doc[i]
        if token.is_punct:
            return False
        if token.lower_ in ROLE_NOUNS or _is_number(token):
            return True
        if (
            token.ent_type_ in ACTOR_LABELS
            and i + 1 < len(doc)
            and doc[i + 1].lower_ in _POSSESSIVES
        ):
            return True
    return False


def core_tokens(head: Token) -> list[Token]:
    """A noun phrase's head with its modifiers, without its clauses or prepositional
    phrases (see CORE_DEPS)."""
    found = [head]
    stack = [head]
    while stack:
        for child in stack.pop().children:
            if child.dep_ in CORE_DEPS:
                found.append(child)
                stack.append(child)
    return sorted(found, key=lambda token: token.i)


def _has_attribution(tokens: Sequence[Token], quoted: Sequence[bool], parsed: bool) -> bool:
    has_quote = any(quoted[token.i] for token in tokens)
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
        if (
            has_quote
            and not quoted[token.i]
            and token.lower_ in QUOTE_FRAME_VERBS
            and _has_subject(token, parsed)
        ):
            return True
    return False


def _is_attribution_verb(token: Token, parsed: bool) -> bool:
    if token.lower_ not in ATTRIBUTION_VERBS or token.ent_type_:
        return False
    if takes_a_plain_object(token):
        return False  # "Connor Clifton added a goal"
    # Tagged: "made no estimate" (NN) and "stated goals" (an adjectival VBN with no
    # subject) are not somebody saying something.
    if token.tag_ and not token.tag_.startswith("VB"):
        return False
    return _has_subject(token, parsed)


def _has_subject(token: Token, parsed: bool) -> bool:
    if parsed:
        return any(child.dep_ in SUBJECT_DEPS for child in token.children)
    return _has_nearby_subject(token)


def _has_nearby_subject(token: Token) -> bool:
    # Without a parse: a noun-like word just before the verb ("officials said") or a
    # name just after it ("said Victor Cha").
    doc = token.doc
    sent_start = token.sent.start if doc.has_annotation("SENT_START") else 0
    for i in range(max(sent_start, token.i - 3), token.i):
        before = doc[i]
        if before.ent_type_ in ACTOR_LABELS or before.lower_ in _SUBJECT_PRONOUNS:
            return True
        if before.is_alpha and not before.is_stop and before.lower_ not in MODALS:
            return True
    if token.i + 1 < len(doc):
        after = doc[token.i + 1]
        return after.ent_type_ in ACTOR_LABELS or after.is_title
    return False
