"""Scoring single sentences, for `factdesk claims --sentences` and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    score: float
    claim: bool
    reasons: tuple[str, ...]


def score_sentences(
    nlp: Language, lines: Iterable[str], *, batch_size: int = 256
) -> Iterator[ScoredSentence]:
    """Each line as its own document: its best unit's score, and whether it is a claim."""
    for doc in nlp.pipe(lines, batch_size=batch_size):
        yield _verdict(doc)


def _verdict(doc: Doc) -> ScoredSentence:
    units: list[Span] = list(doc.spans.get("sentences", []))
    claims = {(span.start, span.end) for span in doc.spans.get("claims", [])}
    if not units:
        return ScoredSentence(doc.text, 0.0, claim=False, reasons=())
    best = max(units, key=lambda span: float(span._.claim_score))
    return ScoredSentence(
        text=doc.text,
        score=round(float(best._.claim_score), 4),
        claim=bool(claims),
        reasons=tuple(best._.claim_reasons),
    )
