"""Whether one sentence asserts something checkable, and if not, what kind of
statement it is (a question, a hedge, a prediction, an opinion, a refusal to give
details): what ``filters.ClaimFilters`` asks of every sentence of a unit, judging what
the sentence asserts, not every word in it (see filters.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Span, Token

from workers.nlp.claim_signals import core_tokens
from workers.nlp.lexicon import (
    ACTOR_LABELS,
    ANNOUNCING_VERBS,
    CHARACTERIZING_VERBS,
    COPULAS,
    DATE_LABELS,
    DISCLOSING_VERBS,
    EVALUATIVE,
    FIRST_PERSON,
    FORECAST_WORDS,
    GIVING_VERBS,
    HEDGE_ADVERBS,
    HEDGE_AUX,
    IMPRESSION_VERBS,
    INFORMATION_NOUNS,
    NEGATIONS,
    NUMBER_LABELS,
    OPINION_VERBS,
    PREDICTION_AUX,
    REFUSING_VERBS,
    SEEMING_VERBS,
    SPEAKER_VERBS,
    SUBJECT_DEPS,
    UNCERTAIN_ADJECTIVES,
)
from workers.nlp.segments import reported_content

# The kinds of statement a fact-checker weighs differently, in the words Slack shows
# as reasons. Hedges, predictions and opinions name the word that makes them one:
# "hedged: 'may'". The combiner reads them as features (see ``signal_kind``).
QUESTION = "a question"
OPINION = "opinion"
PREDICTION = "prediction"
HEDGED = "hedged"
NON_ANSWER = "withholds details"
KINDS = (QUESTION, OPINION, PREDICTION, HEDGED, NON_ANSWER)

_QUESTION_TRAILERS = "\"'\u201d\u2019\u00bb)] "
_CLAUSE_DEPS = frozenset({"ccomp"})
_PREDICATE_DEPS = frozenset({"attr", "acomp", "oprd", "dobj"})
_CONDITIONAL_MARKS = frozenset({"if", "unless"})
_VERBAL = frozenset({"VERB", "AUX"})
# Besides the lexicon's: the conditional marks and "would" that _judge_assertion reads.
HEDGE_MARKS = frozenset({"if", "unless", "would", "\u2019d", "'d"})
PREDICTION_MARKS = frozenset({"would", "\u2019d", "'d"})


def judge_sentence(sentence: Span, quoted: Sequence[bool], parsed: bool) -> str | None:
    """Why one sentence is not a checkable statement, or None when it is one."""
    content = reported_content(list(sentence), quoted)
    if _asks(sentence, content):
        return QUESTION
    verdict = _parsed_verdict(content) if parsed else _surface_verdict(content)
    if verdict is None and not any(_anchors(token) for token in content):
        # Nothing in the sentence names a checkable who, what or how many: a hedge or
        # a value judgement anywhere in it is then all there is to it ("That's an
        # indication that he may be in more trouble than people realize").
        verdict = _anchorless_verdict(content, parsed)
    return verdict


def _asks(sentence: Span, content: Sequence[Token]) -> bool:
    if sentence.text.rstrip(_QUESTION_TRAILERS).endswith("?"):
        return True
    words = [token for token in content if not token.is_quote and not token.is_space]
    return bool(words) and words[-1].text == "?"


def _anchors(token: Token) -> bool:
    return (
        token.ent_type_ in ACTOR_LABELS
        or token.ent_type_ in NUMBER_LABELS
        or token.ent_type_ in DATE_LABELS
        or token.like_num
    )


# With a parse.


def _parsed_verdict(content: Sequence[Token]) -> str | None:
    inside = {token.i for token in content}
    heads = [
        token
        for token in content
        if token.pos_ in _VERBAL and (token.head.i not in inside or token.head.i == token.i)
    ]
    assertions = _assertions(heads)
    if not assertions:
        return None
    has_number = any(
        token.ent_type_ in NUMBER_LABELS or (token.like_num and not token.ent_type_)
        for token in content
    )
    # The parser often hangs a later clause off the withholding verb ("made no
    # estimate of how many more might follow, or even how they would fare …"); with no
    # figure anywhere there is still nothing to check.
    if not has_number and any(_withholds(head) for head in heads):
        return NON_ANSWER
    verdicts = [_judge_assertion(verb, reporter, has_number) for verb, reporter in assertions]
    if all(verdicts):
        return verdicts[0]
    return None


def _assertions(heads: Sequence[Token]) -> list[tuple[Token, Token | None]]:
    """The clause heads a sentence asserts, each with the reporting verb it was
    reported under ("estimate" for "officials estimate 2,500 troops have been
    dispatched"), found by going down from the heads through unhedged reporting
    verbs to what they report, and across coordinated clauses."""
    found: list[tuple[Token, Token | None]] = []
    stack: list[tuple[Token, Token | None]] = [(head, None) for head in reversed(heads)]
    seen: set[int] = set()
    while stack:
        verb, reporter = stack.pop()
        if verb.i in seen:
            continue
        seen.add(verb.i)
        stack.extend(
            (child, reporter)
            for child in reversed(list(verb.children))
            if child.dep_ == "conj" and child.pos_ in _VERBAL
        )
        reported = [child for child in verb.children if child.dep_ in _CLAUSE_DEPS]
        if verb.lower_ in SPEAKER_VERBS and reported and not _modal_kind(verb):
            stack.extend((child, verb) for child in reversed(reported))
            continue
        found.append((verb, reporter))
    return found


def _judge_assertion(verb: Token, reporter: Token | None, has_number: bool) -> str | None:
    lower = verb.lower_
    subject = _subject(verb)
    # "I think …", "I wouldn't say they ran out of personnel".
    if (
        subject is not None
        and subject.lower_ in FIRST_PERSON
        and (lower in OPINION_VERBS or (lower == "say" and bool(_auxiliaries(verb))))
    ):
        return OPINION
    if lower in IMPRESSION_VERBS and any(child.lower_ in {"like", "as"} for child in verb.children):
        return OPINION
    if _withholds(verb):
        return NON_ANSWER
    if lower in SEEMING_VERBS:
        return HEDGED
    kind = _modal_kind(verb)
    # "Seoul said on Tuesday it would consider providing weapons", "Halvorsen said it
    # will partner with the college": still checked. The source announced its own
    # plan, and that it did so, on that day, is on the record. A forecast about
    # someone else ("analysts believe the Kremlin will struggle") only the future can
    # settle. Unreported, "would" is a hypothetical.
    if kind in {"would", PREDICTION} and reporter is not None:
        return None if _announces_own_plan(verb, reporter) else PREDICTION
    if kind == "would":
        return HEDGED
    if kind is not None:
        return kind
    if lower in FORECAST_WORDS and _has_child(verb, "xcomp"):
        return PREDICTION  # "troops are expected to arrive", "is going to"
    if lower in {"remain", "remains"} and any(
        child.dep_ == "xcomp" and child.lower_ == "seen" for child in verb.children
    ):
        return HEDGED
    predicate_kind = _predicate_kind(verb)
    if predicate_kind is not None:
        return predicate_kind
    if not has_number and any(
        child.dep_ == "advcl"
        and any(
            mark.dep_ == "mark" and mark.lower_ in _CONDITIONAL_MARKS for mark in child.children
        )
        for child in verb.children
    ):
        return HEDGED  # "We are in a different era if soldiers are dying"
    return None


def _withholds(verb: Token) -> bool:
    """What a source did not say leaves nothing to check: "He did not give details on
    the number of troops", "they made no estimate of how many more might follow",
    "the ministry declined to comment". Unlike "he had seen no evidence that …",
    which states what was (not) found."""
    lower = verb.lower_
    if lower in REFUSING_VERBS:
        return any(
            child.dep_ == "xcomp" and child.lower_ in DISCLOSING_VERBS for child in verb.children
        )
    if lower not in GIVING_VERBS and lower not in DISCLOSING_VERBS:
        return False
    negated = any(child.dep_ == "neg" for child in verb.children)
    return any(
        child.dep_ == "dobj"
        and child.lower_ in INFORMATION_NOUNS
        and (negated or _has_child_word(child, "no"))
        for child in verb.children
    )


def _modal_kind(verb: Token) -> str | None:
    auxiliaries = _auxiliaries(verb)
    if auxiliaries & PREDICTION_AUX:
        return PREDICTION
    if auxiliaries & HEDGE_AUX and not _past_ability(verb, auxiliaries):
        return HEDGED
    if any(child.dep_ == "advmod" and child.lower_ in HEDGE_ADVERBS for child in verb.children):
        return HEDGED
    if "would" in auxiliaries or "\u2019d" in auxiliaries or "'d" in auxiliaries:
        return "would"
    return None


def _past_ability(verb: Token, auxiliaries: set[str]) -> bool:
    # "could" is also the past of "can": "the county could produce no record", "the
    # Courier could find records showing that 517 … were completed". Negated, or
    # with a past-tense verb under it, it reports what happened.
    if auxiliaries & HEDGE_AUX != {"could"}:
        return False
    if any(child.lower_ in NEGATIONS for child in verb.children):
        return True
    if any(child.dep_ == "dobj" and _has_child_word(child, "no") for child in verb.children):
        return True
    return any(token.tag_ == "VBD" for token in verb.subtree if token.i != verb.i)


def _has_child_word(token: Token, word: str) -> bool:
    return any(child.lower_ == word for child in token.children)


def _predicate_kind(verb: Token) -> str | None:
    lower = verb.lower_
    if lower not in COPULAS and lower not in CHARACTERIZING_VERBS:
        return None
    predicates = [child for child in verb.children if child.dep_ in _PREDICATE_DEPS]
    # "described it as a disaster"
    predicates += [
        grandchild
        for child in verb.children
        if child.dep_ == "prep" and child.lower_ == "as"
        for grandchild in child.children
        if grandchild.dep_ == "pobj"
    ]
    for predicate in predicates:
        if predicate.lower_ in FORECAST_WORDS and _has_child(predicate, "xcomp"):
            return PREDICTION  # "is likely to fall"
        if predicate.lower_ in UNCERTAIN_ADJECTIVES:
            return HEDGED  # "it is unclear whether"
        described = core_tokens(predicate)
        if any(token.lower_ in EVALUATIVE for token in described) and not any(
            _anchors(token) for token in described
        ):
            return OPINION  # "a very serious escalation", "true partnership"
    return None


def _announces_own_plan(verb: Token, reporter: Token) -> bool:
    if reporter.lower_ not in ANNOUNCING_VERBS:
        return False
    source, actor = _subject(reporter), _subject(verb)
    if source is None or actor is None:
        return False
    if actor.lower_ == source.lower_:
        return True
    pronoun = actor.lower_
    if pronoun == "it":
        return source.ent_type_ in {"ORG", "GPE", "NORP"} or source.tag_ in {"NN", "NNP"}
    if pronoun in {"he", "she"}:
        return source.ent_type_ == "PERSON" or source.tag_ in {"NN", "NNP"}
    if pronoun in {"they", "we"}:
        return source.tag_ in {"NNS", "NNPS"} or source.ent_type_ in {"ORG", "GPE", "NORP"}
    return False


def _subject(verb: Token) -> Token | None:
    return next((child for child in verb.children if child.dep_ in SUBJECT_DEPS), None)


def _auxiliaries(verb: Token) -> set[str]:
    return {child.lower_ for child in verb.children if child.dep_ in {"aux", "auxpass"}}


def _has_child(token: Token, dep: str) -> bool:
    return any(child.dep_ == dep for child in token.children)


# Without a parse, and for sentences with nothing checkable in them.


def _surface_verdict(content: Sequence[Token]) -> str | None:
    verdicts = [_surface_clause_verdict(clause) for clause in _clauses(content)]
    verdicts = [verdict for verdict in verdicts if verdict != ""]
    if verdicts and all(verdicts):
        return verdicts[0]
    return None


def _clauses(content: Sequence[Token]) -> list[list[Token]]:
    clauses: list[list[Token]] = [[]]
    for position, token in enumerate(content):
        follows_comma = position > 0 and content[position - 1].text == ","
        if token.text == ";" or (follows_comma and token.lower_ in {"and", "but"}):
            clauses.append([])
            continue
        clauses[-1].append(token)
    return [clause for clause in clauses if clause]


def _surface_clause_verdict(clause: Sequence[Token]) -> str | None:
    """The first marker's kind, None when there is none, "" for a clause with no
    words (it does not count either way)."""
    if not any(token.is_alpha for token in clause):
        return ""
    lowers = [token.lower_ for token in clause]
    for position, token in enumerate(clause):
        lower = lowers[position]
        after = lowers[position + 1 : position + 4]
        if lower in FIRST_PERSON and (
            any(word in OPINION_VERBS for word in after) or _would_say(after)
        ):
            return OPINION
        if lower in IMPRESSION_VERBS and after[:1] == ["like"]:
            return OPINION
        if lower in SEEMING_VERBS or lower in HEDGE_ADVERBS:
            return HEDGED
        if lower in HEDGE_AUX and is_modal_word(token) and not _negated(lower, after):
            return HEDGED
        if lower in PREDICTION_AUX and lower != "wo":
            return None if _surface_announcement(clause, position) else PREDICTION
        if lower in FORECAST_WORDS and after[:1] == ["to"] and position > 0:
            return PREDICTION
        if lower == "remains" and after == ["to", "be", "seen"]:
            return HEDGED
        if lower in {"would", "\u2019d", "'d"}:
            return None if _surface_announcement(clause, position) else PREDICTION
    return None


def _negated(modal: str, after: Sequence[str]) -> bool:
    # "could not", "could no longer": past inability (see _past_ability).
    return modal == "could" and bool(after) and after[0] in NEGATIONS


def _would_say(after: Sequence[str]) -> bool:
    return bool(after) and after[0] == "would" and "say" in after


def is_modal_word(token: Token) -> bool:
    # "May" the month is a date; "may" before a number is too ("may 3").
    if token.ent_type_ in DATE_LABELS:
        return False
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return following is None or not following.like_num


def _surface_announcement(clause: Sequence[Token], position: int) -> bool:
    # "Seoul said on Tuesday it would …": a pronoun right before the modal and a
    # verb of announcement a few words before it (see _judge_assertion).
    if position == 0 or clause[position - 1].lower_ not in {"it", "they", "he", "she", "we"}:
        return False
    return any(
        token.lower_ in ANNOUNCING_VERBS for token in clause[max(0, position - 6) : position - 1]
    )


def _anchorless_verdict(content: Sequence[Token], parsed: bool) -> str | None:
    for position, token in enumerate(content):
        lower = token.lower_
        if lower in HEDGE_ADVERBS:
            return HEDGED
        following = [t.lower_ for t in content[position + 1 : position + 2]]
        if (
            lower in HEDGE_AUX
            and (token.tag_ == "MD" if parsed else is_modal_word(token))
            and not _negated(lower, following)
        ):
            return HEDGED
        if lower == "remains" and [t.lower_ for t in content[position + 1 : position + 4]] == [
            "to",
            "be",
            "seen",
        ]:
            return HEDGED
    if any(token.lower_ in EVALUATIVE for token in content):
        return OPINION
    return None
