from __future__ import annotations

import spacy

from workers.nlp.line_breaks import LineBreakSplitter


def test_every_line_starts_a_sentence() -> None:
    nlp = spacy.blank("en")
    doc = nlp.make_doc("USA: troops are in Russia\nOfficials said 2,500 left\n\n  Published today")

    LineBreakSplitter()(doc)

    starts = [token.text for token in doc if token.is_sent_start]
    assert starts == ["USA", "Officials", "Published"]


def test_a_parsed_doc_is_left_as_it_is() -> None:
    nlp = spacy.blank("en")
    doc = spacy.tokens.Doc(
        nlp.vocab, words=["A", "\n", "B"], heads=[0, 0, 2], deps=["ROOT", "dep", "ROOT"]
    )

    assert LineBreakSplitter()(doc) is doc
    assert [token.is_sent_start for token in doc] == [True, False, True]
