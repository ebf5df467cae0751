"""Sentence units shared by the Factdesk spaCy components.

Scraped article text keeps one paragraph or page element per line, but neither the
parser nor the sentencizer treats a line break as a boundary: a section label, a
headline, a dateline and the first paragraph can come out as one "sentence". Every
component therefore works on the same units, the pipeline's sentences cut again at
hard line breaks, so that values stored on a unit by one component are found by the
next (span extension values are keyed by character offsets).

A unit is not always one sentence: a quotation that runs over several sentences is
one statement by one speaker, and a fact-checker checks it whole. ``claim_units``
joins such sentences (and fragments the sentence splitter cut off, such as "he
said.") into one unit, and stores the units in ``doc.spans["sentences"]`` so every
later component, and the trained classifier after them, sees the same list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from spacy.tokens import Doc, Span, Token

from workers.nlp.lexicon import ATTRIBUTION_VERBS, QUOTE_FRAME_VERBS, words

SENTENCES_KEY = "sentences"
CLAIMS_KEY = "claims"
_QUOTES_KEY = "factdesk.quoted"

# Joined units never grow past the scorer's default max_tokens, so joining can't turn
# checkable sentences into one the scorer drops as too long; an unclosed quote in a
# long paragraph would otherwise swallow all of it.
MAX_JOINED_WORDS = 80

# "``" (which the tokenizer splits into two "`") and "''" are how wire copy and old
# news markup write “ and ”.
_OPENING_QUOTES = frozenset({"“", "„", "«", "``", "`"})
_CLOSING_QUOTES = frozenset({"”", "»", "''"})
_STRAIGHT_QUOTE = '"'
_FRAGMENT_OPENERS = frozenset({",", ";"})


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
    return _move_opening_quotes(doc, units)


def _move_opening_quotes(doc: Doc, units: list[Span]) -> list[Span]:
    # The sentencizer ends a sentence after the punctuation that follows its full
    # stop, opening quotes included: "… border. “Kursk fell.”" splits as "… border. “"
    # and "Kursk fell.”". The quote opens the next sentence.
    for position in range(len(units) - 1):
        unit, following = units[position], units[position + 1]
        if len(unit) > 1 and unit[-1].text in _OPENING_QUOTES and unit.end == following.start:
            units[position] = doc[unit.start : unit.end - 1]
            units[position + 1] = doc[unit.end - 1 : following.end]
    return units


def _append_trimmed(doc: Doc, start: int, end: int, units: list[Span]) -> None:
    while start < end and doc[start].is_space:
        start += 1
    start = _after_labels(doc, start, end)
    while end > start and doc[end - 1].is_space:
        end -= 1
    if start < end:
        units.append(doc[start:end])


# Section and list labels that open a line in scraped pages: "Summary: 5-1A: Salina
# South diver …", "UPDATE: …". A label is one of these words, or a short code with a
# digit in it; the sentence after it is the claim.
_LABEL_WORDS = frozenset(
    {
        "summary", "update", "updated", "correction", "analysis", "background", "context",
        "breaking", "exclusive", "factbox", "timeline", "highlights", "note", "editor's",
        "editor\u2019s", "recap", "results", "result", "notes", "key",
    }
)  # fmt: skip
_MAX_LABEL_TOKENS = 4
_MIN_WORDS_AFTER_LABEL = 6


def _after_labels(doc: Doc, start: int, end: int) -> int:
    """``start`` moved past any labels ("Summary:", "5-1A:") that open the line."""
    if not _line_start(doc, start):
        return start
    while True:
        window = range(start + 1, min(end, start + _MAX_LABEL_TOKENS + 1))
        colon = next((i for i in window if doc[i].text == ":"), None)
        if colon is None:
            return start
        label = doc[start:colon]
        rest = sum(1 for token in doc[colon + 1 : end] if token.is_alpha)
        if not _is_label(label) or rest < _MIN_WORDS_AFTER_LABEL:
            return start
        start = colon + 1
        while start < end and doc[start].is_space:
            start += 1


def _is_label(label: Span) -> bool:
    if label[0].lower_ in _LABEL_WORDS:
        return True
    # A code: digits with dashes and letters, "5-1A", "Class 4A" is not one.
    return any(char.isdigit() for char in label.text) and all(
        token.text in {"-", "\u2013"} or any(char.isdigit() for char in token.text)
        for token in label
    )


def _line_start(doc: Doc, i: int) -> bool:
    return i == 0 or is_line_break(doc[i - 1]) or "\n" in doc[i - 1].whitespace_


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


def claim_units(doc: Doc) -> list[Span]:
    """The units every component scores: ``sentence_spans`` with multi-sentence
    quotations and cut-off fragments joined (see ``join_units``).

    The first component to ask stores them in ``doc.spans["sentences"]``; later ones
    read them back, so the units are computed once per doc.
    """
    if SENTENCES_KEY in doc.spans:
        return list(doc.spans[SENTENCES_KEY])
    units = join_units(sentence_spans(doc), doc_quotes(doc))
    doc.spans[SENTENCES_KEY] = units
    return units


def doc_quotes(doc: Doc) -> list[bool]:
    """``quoted_mask(doc)``, computed once per doc and kept in ``doc.user_data``:
    every component needs it."""
    cached = doc.user_data.get(_QUOTES_KEY)
    if isinstance(cached, list) and len(cached) == len(doc):
        return cached
    mask = quoted_mask(doc)
    doc.user_data[_QUOTES_KEY] = mask
    return mask


def join_units(pieces: Sequence[Span], quoted: Sequence[bool]) -> list[Span]:
    """Join each piece to the unit before it, within one line, when it cannot stand
    alone: it starts inside a quotation opened earlier ("“What are they doing? | It
    remains to be seen,” he said."), it is a fragment the splitter cut off (", many
    of them defective.", "and other territory."), or it resumes a quotation whose
    speaker the unit before named ("“…,” Cha said. | “Both are stated goals.”")."""
    units: list[Span] = []
    sizes: list[int] = []
    for piece in pieces:
        size = word_count(piece)
        if units:
            previous = units[-1]
            if (
                sizes[-1] + size <= MAX_JOINED_WORDS
                and _same_line(previous, piece)
                and _continues(previous, piece, quoted)
            ):
                units[-1] = piece.doc[previous.start : piece.end]
                sizes[-1] += size
                continue
        units.append(piece)
        sizes.append(size)
    return units


def unit_sentences(unit: Span) -> list[Span]:
    """The sentences a unit was joined from (the unit itself when it is one)."""
    doc = unit.doc
    if not doc.has_annotation("SENT_START"):
        return [unit]
    sentences: list[Span] = []
    start = unit.start
    for token in unit[1:]:
        if token.is_sent_start:
            _append_trimmed(doc, start, token.i, sentences)
            start = token.i
    _append_trimmed(doc, start, unit.end, sentences)
    return _move_opening_quotes(doc, sentences)


def _same_line(previous: Span, piece: Span) -> bool:
    doc = piece.doc
    return not any(is_line_break(doc[i]) for i in range(previous.end, piece.start))


def _continues(previous: Span, piece: Span, quoted: Sequence[bool]) -> bool:
    first = piece[0]
    if quoted[first.i] or first.text in _CLOSING_QUOTES:
        return True
    if first.text == _STRAIGHT_QUOTE and first.i > 0 and quoted[first.i - 1]:
        return True
    return is_fragment(piece) or _resumes_quote(previous, piece, quoted)


def is_fragment(span: Span) -> bool:
    """Whether a span starts the way no sentence does, so the sentence splitter must
    have cut it off the one before: with a comma or in lower case ("he said.")."""
    first = span[0].text
    return first in _FRAGMENT_OPENERS or first[:1].islower()


def _resumes_quote(previous: Span, piece: Span, quoted: Sequence[bool]) -> bool:
    # In news style a quotation that goes on in the same paragraph after its
    # attribution is the same speaker still talking.
    if piece[0].text not in _OPENING_QUOTES and piece[0].text != _STRAIGHT_QUOTE:
        return False
    if any(token.is_alpha and not quoted[token.i] for token in piece):
        return False
    return any(quoted[token.i] for token in previous) and frames_quote(previous, quoted)


def frames_quote(span: Iterable[Token], quoted: Sequence[bool]) -> bool:
    """Whether the words outside quotation marks include a verb of speech ("the
    report" is a noun when the tagger says so)."""
    return any(
        not quoted[token.i]
        and (token.lower_ in ATTRIBUTION_VERBS or token.lower_ in QUOTE_FRAME_VERBS)
        and (not token.tag_ or token.tag_.startswith("VB"))
        for token in span
    )


def reported_content(tokens: Sequence[Token], quoted: Sequence[bool]) -> list[Token]:
    """What a sentence claims: in reported speech ("“It remains to be seen,” the
    secretary told reporters in Italy.") the words quoted, since the frame around the
    quote names who spoke and where, which is not what a fact-checker would check.
    Quotes without an attribution frame are scare quotes or titles, part of the
    sentence's own claim, so then every token."""
    inside = [token for token in tokens if quoted[token.i]]
    if not inside:
        return list(tokens)
    outside = [token for token in tokens if not quoted[token.i] and token.is_alpha]
    if outside and (
        frames_quote(outside, quoted) or any(token.lower_ == "according" for token in outside)
    ):
        return inside
    return list(tokens)


_CONTENT_WORD = re.compile(r"[^\W_]+")
_STOP_WORDS = words(
    "a an the and or but of to in on at for with by from as is are was were be been has "
    "have had it its this that these those they he she we you i his her their our not "
    "no will would can could may might do does did said says than then there here after "
    "before over into about up out new"
)


def content_words(text: str) -> frozenset[str]:
    """The lower-cased words of ``text`` that say what it is about (no stop words)."""
    words = (word.lower() for word in _CONTENT_WORD.findall(text))
    return frozenset(word for word in words if word not in _STOP_WORDS and len(word) > 1)
