"""spaCy component that names who a statement comes from, and gives a sentence that
cannot be understood alone the sentence before it.

Extensions set on every unit (see ``segments.claim_units``):

- ``claim_speaker`` (str | None): the source a unit attributes its statement to,
  "Lloyd Austin", "U.S. officials", "Victor Cha". A pronoun ("he said") or a bare
  title ("the secretary told reporters") stands for the person most recently in
  focus: the last named speaker, or else the last named person who was the subject
  of a sentence, which in news copy is nearly always who "he" is. A quotation that
  goes on with no attribution of its own keeps the speaker of the sentence before.
- ``claim_context`` (str | None): for a unit that opens with a pronoun or a
  demonstrative ("He said they were on the way", "It has been trying to …"), the
  unit before it, clipped to about 200 characters, so that Slack can show what the
  pronoun points to. None otherwise.

Who a unit names as its source, as written, is found by ``sources.find_source``; like
the other components it reads the parse when there is one and falls back to the words
around a verb of speech when there is not.
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span

from workers.nlp.boilerplate import is_boilerplate
from workers.nlp.lexicon import (
    LEADING_CONNECTIVES,
    SUBJECT_DEPS,
    THIRD_PERSON,
)
from workers.nlp.segments import claim_units, doc_quotes, is_line_break
from workers.nlp.sources import (
    GROUP_PRONOUNS,
    PERSONAL_PRONOUNS,
    POSSESSIVE_ENDINGS,
    Source,
    SourceKind,
    entity_name,
    find_source,
    takes_a_plain_object,
)

FACTORY_NAME = "factdesk_attribution"
SPEAKER_EXTENSION = "claim_speaker"
CONTEXT_EXTENSION = "claim_context"
CONTEXT_CHARS = 200

# Where a unit's source is found, re-exported for the tests and the claim signals.
__all__ = [
    "CONTEXT_EXTENSION",
    "FACTORY_NAME",
    "SPEAKER_EXTENSION",
    "AttributionMarker",
    "Source",
    "SourceKind",
    "claim_context",
    "claim_speaker",
    "clip_context",
    "entity_name",
    "find_source",
    "needs_context",
    "register_extensions",
    "takes_a_plain_object",
]

_OPENING_QUOTES = frozenset({"“", "„", "«", '"', "``", "`"})
# Pronouns that point back only when they stand for a noun: "Both are stated goals"
# does, "both Russia and North Korea experts" does not.
_PRONOUN_ONLY = frozenset({"both"})


class AttributionMarker:
    """Sets ``span._.claim_speaker`` and ``span._.claim_context`` on every unit."""

    def __init__(self, name: str = FACTORY_NAME) -> None:
        self.name = name
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        quoted = doc_quotes(doc)
        parsed = doc.has_annotation("DEP")
        focus = _Focus()
        previous: Span | None = None
        previous_speaker: tuple[str | None, bool] = (None, False)
        # Span.ents goes through all of doc.ents on every call: entities are handed
        # out per unit from one pass instead.
        entities = list(doc.ents)
        next_entity = 0
        for unit in claim_units(doc):
            while next_entity < len(entities) and entities[next_entity].start < unit.start:
                next_entity += 1
            first = next_entity
            while next_entity < len(entities) and entities[next_entity].end <= unit.end:
                next_entity += 1
            unit_entities = entities[first:next_entity]
            if is_boilerplate(unit):
                continue
            focus.learn_names(unit_entities)
            source = find_source(unit, quoted, parsed)
            speaker, is_person = focus.resolve(source) if source is not None else (None, False)
            if (
                speaker is None
                and previous is not None
                and _goes_on_quoting(unit, previous, quoted)
            ):
                speaker, is_person = previous_speaker
            unit._.set(SPEAKER_EXTENSION, speaker)
            if previous is not None and needs_context(unit):
                unit._.set(CONTEXT_EXTENSION, clip_context(previous.text))
            focus.update(unit_entities, speaker, is_person, quoted, parsed)
            previous, previous_speaker = unit, (speaker, is_person)
        return doc


class _Focus:
    """Who "he", "they" and "the secretary" stand for at this point of the text."""

    def __init__(self) -> None:
        self.person: str | None = None
        self.group: str | None = None
        # Surname -> full name, so "Cha said" after "Victor Cha" reads "Victor Cha".
        self.full_names: dict[str, str] = {}

    def learn_names(self, entities: Sequence[Span]) -> None:
        for entity in entities:
            if entity.label_ == "PERSON":
                name = entity_name(entity)
                parts = name.split()
                if len(parts) > 1:
                    self.full_names[parts[-1]] = name

    def resolve(self, source: Source) -> tuple[str | None, bool]:
        """The speaker a source stands for, and whether that is a person."""
        if source.kind is SourceKind.PRONOUN:
            if source.text in PERSONAL_PRONOUNS:
                return self.person, True
            return (self.group if source.text in GROUP_PRONOUNS else None), False
        if source.kind is SourceKind.TITLE:
            return (self.person, True) if self.person else (source.text, True)
        # The NER may miss a lone surname it found with the first name: "Cha said".
        full_name = self.full_names.get(source.text)
        if full_name is not None:
            return full_name, True
        return source.text, source.person

    def update(
        self,
        entities: Sequence[Span],
        speaker: str | None,
        is_person: bool,
        quoted: Sequence[bool],
        parsed: bool,
    ) -> None:
        if speaker is not None and is_person:
            self.person = speaker
        else:
            subject = _last_subject_person(entities, quoted, parsed)
            if subject is not None:
                self.person = self.full_names.get(subject, subject)
        # "they said" continues only a group that spoke in the unit just before;
        # further back, "they" is as likely to be anything else.
        self.group = speaker if speaker is not None and not is_person else None


def _last_subject_person(
    entities: Sequence[Span], quoted: Sequence[bool], parsed: bool
) -> str | None:
    # Who the unit is about, outside any quotation: with a parse, a named person who
    # is the subject of a clause; without one, the last named person not followed by
    # a possessive ("Putin's need" is about the need).
    found: str | None = None
    for entity in entities:
        if entity.label_ != "PERSON" or quoted[entity.start]:
            continue
        if parsed:
            if entity.root.dep_ not in SUBJECT_DEPS:
                continue
        elif entity.text.endswith(POSSESSIVE_ENDINGS) or (
            entity.end < len(entity.doc) and entity.doc[entity.end].lower_ in POSSESSIVE_ENDINGS
        ):
            continue
        found = entity_name(entity)
    return found


def _goes_on_quoting(unit: Span, previous: Span, quoted: Sequence[bool]) -> bool:
    # A quotation with no attribution of its own, right after a sentence in the same
    # paragraph (or one ending with a colon): the same speaker goes on.
    if unit[0].text not in _OPENING_QUOTES:
        return False
    doc = unit.doc
    same_line = not any(is_line_break(doc[i]) for i in range(previous.end, unit.start))
    return same_line or previous.text.rstrip().endswith(":")


def needs_context(unit: Span) -> bool:
    """Whether the unit opens (after quotation marks and a connective such as "But")
    with a pronoun or demonstrative that points back to the sentence before."""
    tokens = [token for token in unit if not (token.is_punct or token.is_space)]
    for position, token in enumerate(tokens):
        lower = token.lower_
        if lower in LEADING_CONNECTIVES:
            continue
        if lower in _PRONOUN_ONLY:
            following = tokens[position + 1] if position + 1 < len(tokens) else None
            return following is None or not (
                following.ent_type_ or following.pos_ in {"NOUN", "PROPN", "ADJ", "NUM"}
            )
        return lower in THIRD_PERSON
    return False


def clip_context(text: str, limit: int = CONTEXT_CHARS) -> str:
    """The end of ``text`` (the words nearest the unit it explains), at most about
    ``limit`` characters, cut between words."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    tail = text[len(text) - limit + 1 :]
    cut = tail.find(" ")
    if 0 <= cut < limit // 4:
        tail = tail[cut + 1 :]
    return "\u2026" + tail


def register_extensions() -> None:
    for name in (SPEAKER_EXTENSION, CONTEXT_EXTENSION):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)


def claim_speaker(span: Span) -> str | None:
    """Typed accessor: None when the component has not run on the span's doc."""
    return _optional_text(span, SPEAKER_EXTENSION)


def claim_context(span: Span) -> str | None:
    """Typed accessor: None when the component has not run on the span's doc."""
    return _optional_text(span, CONTEXT_EXTENSION)


def _optional_text(span: Span, name: str) -> str | None:
    if not Span.has_extension(name):
        return None
    value = span._.get(name)
    return None if value is None else str(value)


@Language.factory(FACTORY_NAME)
def make_attribution_marker(nlp: Language, name: str) -> AttributionMarker:
    return AttributionMarker(name)
