"""Sentence units shared by the Factdesk spaCy components.

Scraped article text keeps one paragraph or page element per line, but neither the
parser nor the sentencizer treats a line break as a boundary: a section label, a
headline, a dateline and the first paragraph can come out as one "sentence". Every
component therefore works on the same units, the pipeline's sentences cut again at
hard line breaks, so that values stored on a unit by one component are found by the
next (span extension values are keyed by character offsets).
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc, Span, Token

_OPENING_QUOTES = frozenset({"“", "„", "«"})
_CLOSING_QUOTES = frozenset({"”", "»"})
_STRAIGHT_QUOTE = '"'


def is_line_break(token: Token) -> bool:
    return token.is_space and "\n" in token.text


def sentence_spans(doc: Doc) -> list[Span]:
    """The doc's sentences split at line breaks, without surrounding whitespace tokens."""
    # A doc from a pipeline without a parser, senter or sentencizer has no sentence
    # boundaries and doc.sents would raise; line breaks alone still give usable units.
    sents: Iterable[Span] = doc.sents if doc.has_annotation("SENT_START") else (doc[:],)
    units: list[Span] = []
    for sent in sents:
        start = sent.start
        for token in sent:
            if is_line_break(token):
                _append_trimmed(doc, start, token.i, units)
                start = token.i + 1
        _append_trimmed(doc, start, sent.end, units)
    return units


def _append_trimmed(doc: Doc, start: int, end: int, units: list[Span]) -> None:
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    if start < end:
        units.append(doc[start:end])


def quoted_mask(doc: Doc) -> list[bool]:
    """For each token, whether it lies inside double quotation marks.

    Quotes often span several sentences of a paragraph ("“What are they doing? It
    remains to be seen,” he said."), so the state is carried across sentences and
    reset only at line breaks, where an unbalanced quote in scraped text must not leak
    into the next paragraph. The quotation marks themselves are not inside.
    """
    mask: list[bool] = []
    inside = False
    for token in doc:
        text = token.text
        if is_line_break(token):
            inside = False
            mask.append(False)
        elif text in _OPENING_QUOTES:
            inside = True
            mask.append(False)
        elif text in _CLOSING_QUOTES:
            inside = False
            mask.append(False)
        elif text == _STRAIGHT_QUOTE:
            inside = not inside
            mask.append(False)
        else:
            mask.append(inside)
    return mask


def line_text(span: Span, doc_text: str | None = None) -> str:
    """The whole line of the doc's text that holds the span, stripped.

    Pass ``doc_text`` when calling this for many spans of one doc: Doc.text is rebuilt
    from the tokens on every access.
    """
    text = span.doc.text if doc_text is None else doc_text
    start = text.rfind("\n", 0, span.start_char) + 1
    end = text.find("\n", span.end_char)
    return text[start : end if end != -1 else len(text)].strip()


def word_count(span: Span) -> int:
    return sum(1 for token in span if not (token.is_punct or token.is_space))
