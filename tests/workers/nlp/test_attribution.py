from __future__ import annotations

import pytest
from spacy.language import Language
from spacy.tokens import Span

from tests.workers.nlp.helpers import parsed_doc
from workers.nlp.attribution import (
    AttributionMarker,
    Source,
    SourceKind,
    claim_context,
    claim_speaker,
    clip_context,
    entity_name,
    find_source,
)
from workers.nlp.segments import quoted_mask


def speakers(blank_nlp: Language, text: str) -> list[str | None]:
    doc = blank_nlp(text)
    return [claim_speaker(unit) for unit in doc.spans["sentences"]]


def contexts(blank_nlp: Language, text: str) -> list[str | None]:
    doc = blank_nlp(text)
    return [claim_context(unit) for unit in doc.spans["sentences"]]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("American officials said Russia sent 2,500 troops.", "American officials"),
        ("Officials estimate that Russia sent 2,500 troops.", "Officials"),
        ("Russia sent 2,500 troops to the border, said Victor Cha.", "Victor Cha"),
        ("According to Reuters, Russia sent 2,500 troops.", "Reuters"),
        ("“Russia sent 2,500 troops,” Lloyd Austin told reporters.", "Lloyd Austin"),
        ("Some analysts believe the Kremlin lost 2,500 troops.", "analysts"),
        ("Russia sent 2,500 troops to Ukraine on Monday.", None),
        ("Russia continued its offensive near the border.", None),
    ],
)
def test_the_source_of_a_sentence_is_named(
    blank_nlp: Language, text: str, speaker: str | None
) -> None:
    assert speakers(blank_nlp, text) == [speaker]


def test_he_is_the_person_in_focus(blank_nlp: Language) -> None:
    text = "Lloyd Austin arrived in Italy.\nHe said Russia sent 2,500 troops."

    assert speakers(blank_nlp, text) == [None, "Lloyd Austin"]


def test_he_is_the_last_speaker_not_the_last_name_mentioned(blank_nlp: Language) -> None:
    text = (
        "According to Lloyd Austin, Putin's need for troops is growing.\n"
        "“Russia sent 2,500 troops,” he said."
    )

    assert speakers(blank_nlp, text) == ["Lloyd Austin", "Lloyd Austin"]


def test_a_bare_title_stands_for_the_person_in_focus(blank_nlp: Language) -> None:
    named = "Lloyd Austin flew to Italy.\n“Russia sent 2,500 troops,” the secretary told reporters."
    alone = "“Russia sent 2,500 troops,” the secretary told reporters."

    assert speakers(blank_nlp, named) == [None, "Lloyd Austin"]
    assert speakers(blank_nlp, alone) == ["the secretary"]


def test_a_surname_reads_as_the_full_name_seen_before(blank_nlp: Language) -> None:
    # The ruler knows "Victor Cha" but not "Cha" alone, as the NER sometimes does.
    text = "Victor Cha spoke in Seoul.\n“Russia sent 2,500 troops,” Cha said."

    assert speakers(blank_nlp, text)[-1] == "Victor Cha"


def test_a_quote_with_no_attribution_keeps_the_speaker_before(blank_nlp: Language) -> None:
    text = (
        "Victor Cha said Russia sent troops to the border. “Kursk fell on Monday.”\n"
        "“Kursk fell on Monday.”"
    )

    # Same paragraph: the same speaker goes on. A new paragraph: nobody named.
    assert speakers(blank_nlp, text) == ["Victor Cha", "Victor Cha", None]


def test_a_pronoun_opening_gets_the_sentence_before_as_context(blank_nlp: Language) -> None:
    text = (
        "[ad_1]\n"
        "It has been trying to reach the United States.\n"
        "North Korea tested a missile on Monday.\n"
        "But it has yet to conduct a test over the Pacific.\n"
        "Both are stated goals of the program.\n"
        "Both Russia and Ukraine sent troops to the border."
    )

    assert contexts(blank_nlp, text) == [
        None,  # boilerplate
        None,  # nothing before it but furniture
        None,
        "North Korea tested a missile on Monday.",
        "But it has yet to conduct a test over the Pacific.",
        None,  # "both" before a name points at the name
    ]


def test_context_is_clipped_between_words_keeping_the_end() -> None:
    long = " ".join(f"word{i}" for i in range(80))

    clipped = clip_context(long)

    assert clipped.startswith("\u2026word")
    assert len(clipped) <= 200
    assert long.endswith(clipped[1:])
    assert clip_context("Short one.") == "Short one."
    assert clip_context("Line one\n  line two") == "Line one line two"


def test_extensions_default_to_none(blank_nlp: Language) -> None:
    AttributionMarker()
    span: Span = blank_nlp.make_doc("Russia sent troops.")[:]

    assert (claim_speaker(span), claim_context(span)) == (None, None)


# With a parse (built by hand here).


def source_of(
    blank_nlp: Language, rows: list[tuple[str, str, str, int, str, str]]
) -> Source | None:
    doc = parsed_doc(blank_nlp, rows)
    return find_source(doc[:], quoted_mask(doc), parsed=True)


def test_parsed_the_highest_verb_of_speech_names_the_source(blank_nlp: Language) -> None:
    source = source_of(
        blank_nlp,
        [
            ("American", "JJ", "ADJ", 1, "amod", "B-NORP"),
            ("officials", "NNS", "NOUN", 2, "nsubj", "O"),
            ("said", "VBD", "VERB", 2, "ROOT", "O"),
            ("they", "PRP", "PRON", 4, "nsubj", "O"),
            ("estimate", "VBP", "VERB", 2, "ccomp", "O"),
            ("troops", "NNS", "NOUN", 6, "nsubj", "O"),
            ("left", "VBD", "VERB", 4, "ccomp", "O"),
            (".", ".", "PUNCT", 2, "punct", "O"),
        ],
    )

    assert source == Source("American officials", SourceKind.GROUP, person=False)


def test_parsed_speaker_of_sought_to_portray_is_the_subject_above(blank_nlp: Language) -> None:
    portray = source_of(
        blank_nlp,
        [
            ("President", "NNP", "PROPN", 2, "compound", "O"),
            ("Volodymyr", "NNP", "PROPN", 2, "compound", "B-PERSON"),
            ("Zelensky", "NNP", "PROPN", 3, "nsubj", "I-PERSON"),
            ("sought", "VBD", "VERB", 3, "ROOT", "O"),
            ("to", "TO", "PART", 5, "aux", "O"),
            ("portray", "VB", "VERB", 3, "xcomp", "O"),
            ("it", "PRP", "PRON", 5, "dobj", "O"),
            ("as", "IN", "ADP", 5, "prep", "O"),
            ("panic", "NN", "NOUN", 7, "pobj", "O"),
            (".", ".", "PUNCT", 3, "punct", "O"),
        ],
    )
    leverage = source_of(
        blank_nlp,
        [
            ("He", "PRP", "PRON", 1, "nsubj", "O"),
            ("used", "VBD", "VERB", 1, "ROOT", "O"),
            ("leverage", "NN", "NOUN", 1, "dobj", "O"),
            ("to", "TO", "PART", 4, "aux", "O"),
            ("insist", "VB", "VERB", 1, "xcomp", "O"),
            ("on", "IN", "ADP", 4, "prep", "O"),
            ("calm", "NN", "NOUN", 5, "pobj", "O"),
            (".", ".", "PUNCT", 1, "punct", "O"),
        ],
    )

    assert portray == Source("Volodymyr Zelensky", SourceKind.NAME, person=True)
    assert leverage is None


def test_parsed_definite_title_and_named_group(blank_nlp: Language) -> None:
    title = source_of(
        blank_nlp,
        [
            ("the", "DT", "DET", 2, "det", "O"),
            ("Ukrainian", "JJ", "ADJ", 2, "amod", "B-NORP"),
            ("leader", "NN", "NOUN", 3, "nsubj", "O"),
            ("said", "VBD", "VERB", 3, "ROOT", "O"),
            ("so", "RB", "ADV", 3, "advmod", "O"),
            (".", ".", "PUNCT", 3, "punct", "O"),
        ],
    )
    named = source_of(
        blank_nlp,
        [
            ("the", "DT", "DET", 1, "det", "O"),
            ("Kremlin", "NNP", "PROPN", 2, "nsubj", "B-ORG"),
            ("denied", "VBD", "VERB", 2, "ROOT", "O"),
            ("it", "PRP", "PRON", 2, "dobj", "O"),
            (".", ".", "PUNCT", 2, "punct", "O"),
        ],
    )

    assert title == Source("the Ukrainian leader", SourceKind.TITLE, person=True)
    assert named == Source("Kremlin", SourceKind.NAME, person=False)


def test_parsed_was_quoted_as_saying_names_the_speaker(blank_nlp: Language) -> None:
    source = source_of(
        blank_nlp,
        [
            ("The", "DT", "DET", 2, "det", "O"),
            ("defense", "NN", "NOUN", 2, "compound", "O"),
            ("minister", "NN", "NOUN", 4, "nsubjpass", "O"),
            ("was", "VBD", "AUX", 4, "auxpass", "O"),
            ("quoted", "VBN", "VERB", 4, "ROOT", "O"),
            ("as", "IN", "ADP", 4, "prep", "O"),
            ("saying", "VBG", "VERB", 5, "pcomp", "O"),
            ("so", "RB", "ADV", 6, "advmod", "O"),
            (".", ".", "PUNCT", 4, "punct", "O"),
        ],
    )

    assert source == Source("the defense minister", SourceKind.TITLE, person=True)


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A sports verb is no verb of speech: nobody said anything.
        ("Victor Cha added a goal as the Kremlin side beat Seoul on Monday.", None),
        ("Victor Cha added 2,500 seats to the stadium near Moscow.", None),
        # "added" framing a quote, or reporting a clause, still names a speaker.
        ("“Russia sent 2,500 troops,” Victor Cha added.", "Victor Cha"),
    ],
)
def test_only_speech_names_a_speaker(blank_nlp: Language, text: str, speaker: str | None) -> None:
    assert speakers(blank_nlp, text) == [speaker]


def test_a_verb_of_speech_with_a_plain_object_is_not_attribution(blank_nlp: Language) -> None:
    doc = blank_nlp("Victor Cha added a goal as the Kremlin side beat Seoul.")
    (unit,) = list(doc.spans["sentences"])
    assert not any(reason.startswith("attributed") for reason in unit._.claim_reasons)


RELATIVE_CLAUSE: list[tuple[str, str, str, int, str, str]] = [
    ("The", "DT", "DET", 1, "det", "O"),
    ("mayor", "NN", "NOUN", 9, "nsubj", "O"),
    (",", ",", "PUNCT", 1, "punct", "O"),
    ("who", "WP", "PRON", 4, "nsubj", "O"),
    ("said", "VBD", "VERB", 1, "relcl", "O"),
    ("the", "DT", "DET", 6, "det", "O"),
    ("bridge", "NN", "NOUN", 7, "nsubj", "O"),
    ("cost", "VBD", "VERB", 4, "ccomp", "O"),
    ("millions", "NNS", "NOUN", 7, "dobj", "O"),
    ("left", "VBD", "VERB", 9, "ROOT", "O"),
    (".", ".", "PUNCT", 9, "punct", "O"),
]


def test_a_relative_pronoun_is_never_the_speaker(blank_nlp: Language) -> None:
    doc = parsed_doc(blank_nlp, RELATIVE_CLAUSE)

    source = find_source(doc[:], quoted_mask(doc), parsed=True)

    assert source is not None
    assert source.text == "the mayor"


def test_a_verb_the_ner_swept_into_a_name_is_left_out(blank_nlp: Language) -> None:
    doc = parsed_doc(
        blank_nlp,
        [
            ("Dempsey", "NNP", "PROPN", 0, "ROOT", "B-PERSON"),
            ("rang", "NNP", "PROPN", 2, "compound", "B-PERSON"),
            ("Taylor", "NNP", "PROPN", 0, "conj", "I-PERSON"),
        ],
    )

    assert entity_name(doc.ents[1]) == "Taylor"
