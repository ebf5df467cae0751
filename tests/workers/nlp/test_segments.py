from __future__ import annotations

import spacy
from spacy.language import Language

from workers.nlp.segments import line_text, quoted_mask, sentence_spans, word_count


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
