"""Blank pipelines for the claim-finder unit tests: a tokenizer, a sentencizer and an
entity ruler standing in for the statistical NER, so the tests run in milliseconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from workers.nlp import build_pipeline
from workers.nlp.combiner import FACTORY_NAME as COMBINER


def _phrases(label: str, *names: str) -> list[dict[str, Any]]:
    return [{"label": label, "pattern": name} for name in names]


ENTITY_PATTERNS: list[dict[str, Any]] = [
    *_phrases("GPE", "Russia", "Ukraine", "North Korea", "South Korea", "Italy", "Moscow", "Seoul"),
    *_phrases("NORP", "North Korean", "American", "Russian"),
    *_phrases("PERSON", "Lloyd Austin", "Austin", "Victor Cha", "Putin", "Kim"),
    *_phrases("ORG", "Kremlin", "Reuters", "Pentagon"),
    {
        "label": "DATE",
        "pattern": [{"LOWER": {"IN": ["monday", "tuesday", "wednesday", "yesterday"]}}],
    },
    {"label": "DATE", "pattern": [{"LOWER": "last"}, {"LOWER": {"IN": ["year", "week"]}}]},
    {"label": "ORDINAL", "pattern": [{"LOWER": "first"}]},
    {"label": "PERCENT", "pattern": [{"LIKE_NUM": True}, {"LOWER": "percent"}]},
]


# The combiner's weights in tests: fixed, so that refitting combiner.json moves no test.
FIXED_WEIGHTS = Path(__file__).with_name("fixed_combiner.json")


def make_blank_pipeline(
    *,
    with_combiner: bool = True,
    weights: Path | None = FIXED_WEIGHTS,
    scorer_config: dict[str, object] | None = None,
) -> Language:
    """The blank pipeline with every Factdesk component; without the combiner, the
    rules' own scores, reasons and claims are what the doc ends up with. ``weights``
    None gives the combiner the shipped combiner.json."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(ENTITY_PATTERNS)  # type: ignore[attr-defined]
    build_pipeline(nlp)
    if scorer_config:
        nlp.replace_pipe("factdesk_claim_scorer", "factdesk_claim_scorer", config=scorer_config)
    if not with_combiner:
        nlp.remove_pipe(COMBINER)
    elif weights is not None:
        nlp.replace_pipe(COMBINER, COMBINER, config={"weights_path": str(weights)})
    return nlp


def run_with_ents(nlp: Language, text: str, ents: list[tuple[str, str]]) -> Doc:
    """Run the pipeline on ``text`` with the entities set by hand (substring, label)
    instead of by the ruler."""
    doc = nlp.make_doc(text)
    spans = []
    for substring, label in ents:
        start = text.index(substring)
        span = doc.char_span(start, start + len(substring), label=label)
        assert span is not None, substring
        spans.append(span)
    doc.ents = spans
    for name, component in nlp.pipeline:
        if name != "entity_ruler":
            doc = component(doc)
    return doc


def parsed_doc(nlp: Language, rows: list[tuple[str, str, str, int, str, str]]) -> Doc:
    """A doc with a hand-made tagging, parse and NER: (word, tag, pos, head, dep, IOB
    entity) per token. One sentence; the Factdesk components can run on it as if a
    tagger, parser and NER had."""
    words, tags, pos, heads, deps, ents = (list(column) for column in zip(*rows, strict=True))
    return Doc(nlp.vocab, words=words, tags=tags, pos=pos, heads=heads, deps=deps, ents=ents)
