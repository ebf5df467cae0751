from __future__ import annotations

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from workers.nlp.segments import (
    MAX_JOINED_WORDS,
    claim_units,
    doc_quotes,
    frames_quote,
    is_fragment,
    line_text,
    quoted_mask,
    reported_content,
    sentence_spans,
    unit_sentences,
    word_count,
)


def test_sentences_are_cut_at_line_breaks(blank_nlp: Language) -> None:
    doc = blank_nlp.make_doc("INTERNATIONAL\nRussia sent troops. Kyiv waited.\n\n[ad_2]")
    doc = blank_nlp.get_pipe("sentencizer")(doc)

    assert [unit.text for unit in sentence_spans(doc)] == [
        "INTERNATIONAL",
        "Russia sent troops.",
        "Kyiv waited.",
        "[ad_2]",
    ]


def test_units_exclude_surrounding_whitespace() -> None:
    doc = spacy.blank("en")("  \n Russia sent troops.  \n\n  ")

    (unit,) = sentence_spans(doc)

    assert unit.text == "Russia sent troops."
    assert doc.text[unit.start_char : unit.end_char] == unit.text


def test_a_doc_without_sentence_boundaries_is_cut_at_lines_only() -> None:
    doc = spacy.blank("en")("One line. Still one.\nTwo")

    assert [unit.text for unit in sentence_spans(doc)] == ["One line. Still one.", "Two"]


def test_quotes_carry_across_sentences_but_not_lines(blank_nlp: Language) -> None:
    doc = blank_nlp("“Are they? It is,” he said.\n“Unclosed\nnext")
    inside = {token.text for token, quoted in zip(doc, quoted_mask(doc), strict=True) if quoted}

    assert inside == {"Are", "they", "?", "It", "is", ",", "Unclosed"}


def test_straight_quotes_toggle(blank_nlp: Language) -> None:
    doc = blank_nlp('He said "no more" today.')
    inside = [token.text for token, quoted in zip(doc, quoted_mask(doc), strict=True) if quoted]

    assert inside == ["no", "more"]


def test_line_text_and_word_count(blank_nlp: Language) -> None:
    doc = blank_nlp("Title\nFirst sentence here. Second one, too.\nEnd")
    second = sentence_spans(doc)[2]

    assert second.text == "Second one, too."
    assert line_text(second) == "First sentence here. Second one, too."
    assert word_count(second) == 3


@pytest.mark.parametrize(
    ("text", "units"),
    [
        # A quotation over two sentences, then its attribution: one unit.
        (
            "“What are they doing? It remains to be seen,” the secretary said.",
            ["“What are they doing? It remains to be seen,” the secretary said."],
        ),
        # A quotation that goes on after its attribution, in the same paragraph.
        (
            "“Kim may want more,” Cha said. “Both are stated goals.”",
            ["“Kim may want more,” Cha said. “Both are stated goals.”"],
        ),
        # Fragments the splitter cut off.
        (
            "Ships sailed to Vladivostok. and other ports further north.",
            ["Ships sailed to Vladivostok. and other ports further north."],
        ),
        (
            "It sold shells. , many of them defective.",
            ["It sold shells. , many of them defective."],
        ),
        # Sentences that stand alone stay apart, and nothing joins across lines.
        ("Russia sent troops. Kyiv waited.", ["Russia sent troops.", "Kyiv waited."]),
        (
            "Officials said troops left. “Kursk fell.”",
            ["Officials said troops left.", "“Kursk fell.”"],
        ),
        ("“It is over,” he said.\n“It is not.”", ["“It is over,” he said.", "“It is not.”"]),
        (
            "“Unclosed quote. Still inside\nNew line.",
            ["“Unclosed quote. Still inside", "New line."],
        ),
    ],
)
def test_claim_units_join_quotes_and_fragments(
    blank_nlp: Language, text: str, units: list[str]
) -> None:
    doc = blank_nlp(text)

    assert [unit.text for unit in claim_units(doc)] == units
    assert [unit.text for unit in doc.spans["sentences"]] == units


def test_joining_stops_at_the_size_cap(blank_nlp: Language) -> None:
    sentence = " ".join(["word"] * 30) + "."
    doc = blank_nlp(f"“{sentence} {sentence} {sentence}”")

    assert [word_count(unit) for unit in claim_units(doc)] == [60, 30]
    assert MAX_JOINED_WORDS == 80


def test_unit_sentences_are_the_pieces_of_a_joined_unit(blank_nlp: Language) -> None:
    doc = blank_nlp("“Kim may want more,” Cha said. “Both are stated goals.”")

    (unit,) = claim_units(doc)

    assert [piece.text for piece in unit_sentences(unit)] == [
        "“Kim may want more,” Cha said.",
        "“Both are stated goals.”",
    ]


def test_fragments_start_in_lower_case_or_with_a_comma(blank_nlp: Language) -> None:
    doc = blank_nlp.make_doc("he said , many of them Russia sent")

    assert is_fragment(doc[0:2])
    assert is_fragment(doc[2:6])
    assert not is_fragment(doc[6:8])


def test_an_opening_quote_left_at_a_sentence_end_opens_the_next(blank_nlp: Language) -> None:
    doc = blank_nlp("Officials said troops left. “Kursk fell.”")

    assert [unit.text for unit in sentence_spans(doc)] == [
        "Officials said troops left.",
        "“Kursk fell.”",
    ]


def test_quotes_are_computed_once_per_doc(blank_nlp: Language) -> None:
    doc = blank_nlp("He said “no more” today.")

    first = doc_quotes(doc)

    assert doc_quotes(doc) is first
    assert first == quoted_mask(doc)


def test_a_noun_that_looks_like_a_verb_of_speech_frames_no_quote(blank_nlp: Language) -> None:
    tagged = Doc(
        blank_nlp.vocab,
        words=["The", "report", "called", "it", "\u201c", "serious", "\u201d", "."],
        tags=["DT", "NN", "VBD", "PRP", "``", "JJ", "''", "."],
    )
    quoted = quoted_mask(tagged)

    assert not frames_quote(tagged, quoted)
    assert len(reported_content(list(tagged), quoted)) == len(tagged)


def test_wire_quotes_keep_a_quotation_whole_and_end_it(blank_nlp: Language) -> None:
    doc = blank_nlp(
        "``Russia sent 2,500 troops. They crossed the border on Monday,'' said Victor Cha. "
        "The Kremlin denied it on Tuesday."
    )

    assert [unit.text for unit in claim_units(doc)] == [
        "``Russia sent 2,500 troops. They crossed the border on Monday,'' said Victor Cha.",
        "The Kremlin denied it on Tuesday.",
    ]


def test_two_sentences_are_never_joined_across_a_closing_quote(blank_nlp: Language) -> None:
    for closing in ("''", "\u201d"):
        opening = "``" if closing == "''" else "\u201c"
        doc = blank_nlp(
            f"Victor Cha said Russia {opening}sent 2,500 troops.{closing} "
            "The Kremlin denied it on Tuesday in Moscow."
        )

        assert len(claim_units(doc)) == 2, closing


@pytest.mark.parametrize(
    "line",
    [
        "Summary: 5-1A: Salina South diver Keetan Munsell won the state title with 409 points.",
        "UPDATE: Salina South diver Keetan Munsell won the state title with 409 points.",
    ],
)
def test_list_and_section_labels_are_not_part_of_the_claim(blank_nlp: Language, line: str) -> None:
    (unit,) = claim_units(blank_nlp(line))

    assert unit.text == "Salina South diver Keetan Munsell won the state title with 409 points."


def test_a_speaker_before_a_colon_is_no_label(blank_nlp: Language) -> None:
    line = "Victor Cha: Russia sent 2,500 troops to Ukraine on Monday night."
    (unit,) = claim_units(blank_nlp(line))

    assert unit.text == line
