"""Who a sentence unit says its statement comes from, as written: the subject of its
main verb of speech or stance ("officials said", "analysts believe"), the object of
"according to", or a name right after the verb ("said Victor Cha"). The attribution
component (attribution.py) resolves pronouns and titles to the speaker in focus.

It reads the parse when there is one and falls back to the words around a verb of
speech when there is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from spacy.tokens import Doc, Span, Token

from workers.nlp.lexicon import (
    ACTOR_LABELS,
    MODALS,
    OBJECT_OR_SPEECH_VERBS,
    PERSON_TITLES,
    QUOTE_FRAME_VERBS,
    RELATIVE_PRONOUNS,
    SPEAKER_VERBS,
)

PERSONAL_PRONOUNS = frozenset({"he", "she"})
GROUP_PRONOUNS = frozenset({"they", "it"})
_DETERMINERS = frozenset({"the", "a", "an"})
POSSESSIVE_ENDINGS = ("'s", "\u2019s")
_MAX_SOURCE_WORDS = 8
# What a source's name is made of, left of its head noun: "American intelligence
# officials", "Russia and North Korea experts", "Ukraine's defense minister".
_SOURCE_DEPS = frozenset(
    {
        "compound",
        "amod",
        "advmod",
        "poss",
        "nummod",
        "det",
        "case",
        "nmod",
        "cc",
        "conj",
        "quantmod",
    }
)
_NAMED_APPOSITION_LABELS = frozenset({"PERSON", "ORG"})
# Lower-case words that belong to a name: "Ursula von der Leyen", "Bashar al-Assad".
_NAME_PARTICLES = frozenset(
    {"de", "van", "von", "der", "den", "da", "di", "du", "del", "la", "le", "al", "bin", "ibn"}
)
# "said in an interview Naomi Eckert": how far right of the verb a name is looked for.
_NAME_AFTER_VERB_WINDOW = 6


class SourceKind(Enum):
    NAME = "name"  # a named entity: "Lloyd Austin", "Seoul"
    PRONOUN = "pronoun"  # "he", "they"
    TITLE = "title"  # a definite singular description: "the secretary"
    GROUP = "group"  # any other noun phrase: "American officials", "experts"


@dataclass(frozen=True)
class Source:
    """Who a unit says is speaking, as written in the unit."""

    text: str
    kind: SourceKind
    person: bool


def find_source(unit: Span, quoted: Sequence[bool], parsed: bool) -> Source | None:
    """Who the unit attributes its statement to, as written: the subject of its main
    verb of speech (or stance, "analysts believe"), or the object of "according to".
    Verbs inside a quotation are what the speaker said, not who spoke, and verbs
    higher in the parse come before those below them ("officials said they
    estimate …")."""
    has_quote = any(quoted[token.i] for token in unit)
    best: tuple[tuple[int, int], Source] | None = None
    for token in unit:
        if quoted[token.i]:
            continue
        found: Source | None = None
        if token.lower_ == "according":
            found = _according_to(token, quoted, parsed)
        elif _speaks(token, has_quote):
            if not parsed:
                found = _surface_source(token)
            else:
                subject = _speaker_subject(token)
                if subject is not None and not quoted[subject.i]:
                    found = _source_from_subject(subject)
                elif has_quote:
                    found = _name_after(token)
        if found is None:
            continue
        rank = (_depth(token) if parsed else 0, token.i)
        if best is None or rank < best[0]:
            best = (rank, found)
    return best[1] if best is not None else None


def _speaks(token: Token, frames_quote: bool) -> bool:
    if token.ent_type_ or (token.tag_ and not token.tag_.startswith("VB")):
        return False
    if not frames_quote and takes_a_plain_object(token):
        return False  # "Connor Clifton added a goal"
    return token.lower_ in SPEAKER_VERBS or (frames_quote and token.lower_ in QUOTE_FRAME_VERBS)


def takes_a_plain_object(verb: Token) -> bool:
    """ "Added a goal", "added 2,000 seats": a verb that can report speech used with a
    direct object and no reported clause. Without a parse, a determiner or a number
    right after the verb."""
    if verb.lower_ not in OBJECT_OR_SPEECH_VERBS:
        return False
    if verb.doc.has_annotation("DEP"):
        deps = {child.dep_ for child in verb.children}
        return "dobj" in deps and "ccomp" not in deps
    after = verb.doc[verb.i + 1] if verb.i + 1 < len(verb.doc) else None
    return after is not None and (after.lower_ in {"a", "an", "the", "another"} or after.like_num)


def _speaker_subject(verb: Token) -> Token | None:
    subject = _nearest_subject(verb)
    # "Zelenski sought to portray …": the speaker is the subject of the verb above,
    # when speaking is what that verb is about. "He used that leverage to insist"
    # is about the leverage.
    head = verb.head
    if (
        subject is None
        and verb.dep_ == "xcomp"
        and not any(c.dep_ == "dobj" for c in head.children)
    ):
        subject = _nearest_subject(head)
    return subject


def _nearest_subject(verb: Token) -> Token | None:
    # Active subjects only: "the commission was told" names who heard it. "Was
    # quoted as saying" is the one passive that names the speaker. When the parser
    # finds two subjects ("The third, Ron Tully, said"), the one nearest before the
    # verb is the speaker; an inverted one ("said Victor Cha") comes after it.
    deps = {"nsubj", "nsubjpass"} if verb.lower_ == "quoted" else {"nsubj"}
    subjects = [child for child in verb.children if child.dep_ in deps]
    before = [subject for subject in subjects if subject.i < verb.i]
    if before:
        return before[-1]
    return subjects[0] if subjects else None


def _according_to(token: Token, quoted: Sequence[bool], parsed: bool) -> Source | None:
    doc = token.doc
    if token.i + 2 >= len(doc) or doc[token.i + 1].lower_ != "to":
        return None
    if parsed:
        source = next((child for child in doc[token.i + 1].children if child.dep_ == "pobj"), None)
        if source is None or quoted[source.i]:
            return None
        return _source_from_subject(source)
    return _phrase_after(doc, token.i + 2)


def _source_from_subject(subject: Token) -> Source | None:
    if subject.lower_ in RELATIVE_PRONOUNS or subject.tag_ in {"WP", "WDT"}:
        # "Taylor, who said …": the speaker is the noun the clause hangs on.
        verb = subject.head
        if verb.dep_ != "relcl" or verb.head.lower_ in RELATIVE_PRONOUNS:
            return None
        subject = verb.head
    subject = _named_apposition(subject)
    if subject.tag_ == "PRP" or subject.lower_ in PERSONAL_PRONOUNS | GROUP_PRONOUNS:
        return Source(subject.lower_, SourceKind.PRONOUN, subject.lower_ in PERSONAL_PRONOUNS)
    run = _name_run(subject)
    person = _person_in(subject, run)
    if person is not None:
        return Source(entity_name(person), SourceKind.NAME, person=True)
    determiner = run[0] if run[0].lower_ in _DETERMINERS else None
    words = run[1:] if determiner is not None else run
    if not words:
        return None
    if (
        determiner is not None
        and determiner.lower_ == "the"
        and subject.tag_ == "NN"
        and subject.lower_ in PERSON_TITLES
        and subject.ent_type_ not in ACTOR_LABELS
    ):
        return Source(_lowered(_text(run)), SourceKind.TITLE, person=True)
    if subject.ent_type_ in ACTOR_LABELS:
        entity = _entity_of(subject)
        if entity.start <= words[0].i:
            return Source(entity_name(entity), SourceKind.NAME, person=False)
    # "the county", "a copy of the agreement": the article's own words for it.
    phrase = [*run[-_MAX_SOURCE_WORDS:], *_of_phrase(subject)]
    return Source(_lowered(_text(phrase)), SourceKind.GROUP, person=False)


def _lowered(text: str) -> str:
    # "The county said" reads "the county" once out of its sentence.
    first, _, rest = text.partition(" ")
    if rest and first.lower() in _DETERMINERS | {"some", "many", "two", "three", "several"}:
        return f"{first.lower()} {rest}"
    return text


def _named_apposition(subject: Token) -> Token:
    # "The third, Ron Tully, said": the name in apposition is who spoke. So is the
    # company after a dateline parsed as the subject ("GREYFORD, Jan. 21 -- Halvorsen
    # Foods, a distributor, today announced").
    if subject.ent_type_ in ACTOR_LABELS and not subject.text.isupper():
        return subject
    for child in subject.children:
        if child.dep_ == "appos" and child.ent_type_ in _NAMED_APPOSITION_LABELS:
            return child
    return subject


def _name_run(head: Token) -> list[Token]:
    """The head and the words of its name just left of it, without gaps."""
    allowed = {head.i}
    stack = [head]
    while stack:
        for child in stack.pop().lefts:
            if child.dep_ in _SOURCE_DEPS:
                allowed.add(child.i)
                stack.append(child)
    start = head.i
    while start - 1 in allowed:
        start -= 1
    return list(head.doc[start : head.i + 1])


def _of_phrase(head: Token) -> list[Token]:
    # "a copy of the agreement", not just "copy".
    following = head.doc[head.i + 1] if head.i + 1 < len(head.doc) else None
    if following is None or following.lower_ != "of" or following.head.i != head.i:
        return []
    noun = next((child for child in following.children if child.dep_ == "pobj"), None)
    return [following, *_name_run(noun)] if noun is not None else []


def _person_in(head: Token, run: Sequence[Token]) -> Span | None:
    # The person the head noun is part of ("Greyford Mayor Louis Arceneaux" is
    # Arceneaux), else the one nearest the head ("Defense Secretary Lloyd Austin").
    if head.ent_type_ == "PERSON":
        return _entity_of(head)
    person = next((token for token in reversed(run) if token.ent_type_ == "PERSON"), None)
    return _entity_of(person) if person is not None else None


def _name_after(verb: Token) -> Source | None:
    doc = verb.doc
    end = min(len(doc), verb.i + 1 + _NAME_AFTER_VERB_WINDOW)
    for token in doc[verb.i + 1 : end]:
        if token.ent_type_ == "PERSON":
            return Source(entity_name(_entity_of(token)), SourceKind.NAME, person=True)
        if token.is_quote or token.text in {".", "!", "?"}:
            break
    return None


def _surface_source(verb: Token) -> Source | None:
    # Without a parse: the words just before the verb ("American officials said"),
    # else a name just after it ("said Victor Cha").
    doc = verb.doc
    words: list[Token] = []
    i = verb.i - 1
    while i >= 0 and len(words) < 5:
        token = doc[i]
        if token.lower_ in MODALS or (token.is_alpha and token.lower_.endswith("ly") and not words):
            i -= 1
            continue
        if token.is_punct or token.is_quote or token.is_space:
            break
        if token.lower_ in PERSONAL_PRONOUNS | GROUP_PRONOUNS and not words:
            return Source(token.lower_, SourceKind.PRONOUN, token.lower_ in PERSONAL_PRONOUNS)
        if token.lower_ == "the":
            if len(words) == 1 and words[0].lower_ in PERSON_TITLES:
                return Source(_text([token, words[0]]), SourceKind.TITLE, person=True)
            break
        if token.is_stop and not token.ent_type_:
            break
        words.insert(0, token)
        i -= 1
    if words:
        return _surface_classify(words)
    return _phrase_after(doc, verb.i + 1)


def _phrase_after(doc: Doc, start: int) -> Source | None:
    words: list[Token] = []
    for token in doc[start : start + 5]:
        if token.ent_type_ in ACTOR_LABELS or (token.is_title and token.is_alpha):
            words.append(token)
        else:
            break
    return _surface_classify(words) if words else None


def _surface_classify(words: Sequence[Token]) -> Source:
    person = next((token for token in words if token.ent_type_ == "PERSON"), None)
    if person is not None:
        return Source(entity_name(_entity_of(person)), SourceKind.NAME, person=True)
    if all(token.ent_type_ in ACTOR_LABELS for token in words):
        return Source(_text(words), SourceKind.NAME, person=False)
    return Source(_text(words), SourceKind.GROUP, person=False)


def _entity_of(token: Token) -> Span:
    # From the IOB tags around the token: doc.ents would rebuild every entity.
    doc = token.doc
    start, end = token.i, token.i + 1
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def entity_name(entity: Span) -> str:
    """An entity's text without a possessive the NER took in ("Vladimir Putin's") or a
    lower-case word before the name ("rang Taylor", the verb tagged as part of it)."""
    tokens = list(entity)
    while len(tokens) > 1 and tokens[0].is_lower and tokens[0].lower_ not in _NAME_PARTICLES:
        tokens.pop(0)
    text = entity.doc[tokens[0].i : entity.end].text.strip()
    for ending in POSSESSIVE_ENDINGS:
        if text.endswith(ending):
            return text[: -len(ending)].strip()
    return text


def _text(tokens: Sequence[Token]) -> str:
    doc = tokens[0].doc
    return doc[tokens[0].i : tokens[-1].i + 1].text


def _depth(token: Token) -> int:
    depth = 0
    while token.head.i != token.i and depth < 50:
        token = token.head
        depth += 1
    return depth
