"""Claim finding for one article text: pipeline set-up, ranking and de-duplication."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from workers.nlp import (
    attributes,
    attribution,
    boilerplate,
    centrality,
    claim_scorer,
    combiner,
    filters,
    line_breaks,
    ranking,
)
from workers.nlp.segments import content_words, word_count

# Runs before everything else, so the parser sees one line as one sentence at least.
FIRST_COMPONENT = line_breaks.FACTORY_NAME
# In pipeline order, after the NER. The trained classifier, when the pipeline has one,
# goes before the combiner, which reads its probability (see claim_pipeline); without
# it the combiner uses the coefficients fitted on the rules alone.
COMPONENTS = (
    boilerplate.FACTORY_NAME,
    claim_scorer.FACTORY_NAME,
    filters.FACTORY_NAME,
    attribution.FACTORY_NAME,
    combiner.FACTORY_NAME,
)

# The rules read surface forms, tags, the parse and entities. The lemmatizer is dead
# weight and the senter (off by default in the English models) duplicates the parser,
# so neither is even loaded; anything else a model brings is switched off. The
# attribute ruler is swapped for a faster one that sets only what the rules read
# (see attributes.py).
_NEEDED_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "ner")
_EXCLUDED_PIPES = ("lemmatizer", "senter")

# Above this a text is cut at paragraph breaks and streamed through nlp.pipe, a chunk
# at a time: the tok2vec layers' memory grows with the tokens of a batch (a 79,000-char
# doc took the worker from 200 MB to 450 MB, past its 400 MB budget), one doc that size
# is slow to parse, and past nlp.max_length spaCy refuses it outright. News articles
# mostly stay under it, whole; a quote or speaker is rarely carried across the cut,
# which falls between paragraphs.
LARGE_TEXT_CHARS = 20_000
_CHUNK_CHARS = 10_000
_CHUNKS_PER_BATCH = 1

# Near-duplicates: token Jaccard >= 4/5, kept as a fraction so the test is exact.
_JACCARD_NUMERATOR, _JACCARD_DENOMINATOR = 4, 5
_WORDS = re.compile(r"\w+")
_MIN_TITLE_WORDS = 3


@dataclass(frozen=True)
class FoundClaim:
    text: str
    start_char: int
    end_char: int
    score: float
    reasons: tuple[str, ...]
    rank: int  # 1 = most check-worthy, over every claim of the text
    speaker: str | None = None  # who the claim is attributed to, when it is
    context: str | None = None  # the sentence before, when the claim needs it


def build_pipeline(model: str | Language) -> Language:
    """Load a spaCy model by name (or take a ready Language) and add the Factdesk
    components: the line-break splitter first, the rest after its NER, or last when
    it has none."""
    if isinstance(model, str):
        nlp = spacy.load(model, exclude=list(_EXCLUDED_PIPES))
        for name in [name for name in nlp.pipe_names if name not in _NEEDED_PIPES]:
            nlp.disable_pipe(name)
        attributes.replace_attribute_ruler(nlp)
    else:
        nlp = model
    if FIRST_COMPONENT not in nlp.pipe_names:
        nlp.add_pipe(FIRST_COMPONENT, first=True)
    anchor = "ner" if "ner" in nlp.pipe_names else None
    for name in COMPONENTS:
        if name in nlp.pipe_names:
            anchor = name
            continue
        if anchor is None:
            nlp.add_pipe(name)
        else:
            nlp.add_pipe(name, after=anchor)
        anchor = name
    return nlp


def claim_pipeline(model: str) -> Language:
    """What the workers, ``factdesk claims`` and the benchmarks run: the rules, the
    shipped classifier, and the combiner last, reading the classifier's probability;
    the ranking's sentence embedder is loaded with them."""
    from workers.nlp.classifier import claim_pipeline as with_classifier  # imports this module

    nlp = combiner_last(with_classifier(model))
    if combiner.load_weights().ranking.get(ranking.CENTRALITY_WEIGHT):
        centrality.load()
    return nlp


def combiner_last(nlp: Language) -> Language:
    """Move the combiner behind anything added after it (a classifier added "last")."""
    if nlp.pipe_names[-1:] != [combiner.FACTORY_NAME]:
        if combiner.FACTORY_NAME in nlp.pipe_names:
            nlp.remove_pipe(combiner.FACTORY_NAME)
        nlp.add_pipe(combiner.FACTORY_NAME, last=True)
    return nlp


def find_claims(
    nlp: Language, text: str, *, max_claims: int | None = None, title: str | None = None
) -> list[FoundClaim]:
    """The check-worthy sentences of ``text``, in document order.

    The sentences that state what the article is about come first, chosen by their
    place, whether they report a finding, how close they are in meaning to the
    article's opening (centrality.py), how much of the headline (``title``, else a
    headline line the boilerplate marker found at the top of the text) they repeat,
    and the combiner's score; then the rest of the claims by the combiner's score,
    earlier first on ties (see ranking.py). Near-duplicates (equal once normalised, or
    sharing >= 80% of their words) are reported once, at their first occurrence.
    ``max_claims`` keeps the best that many; None keeps them all, so a caller can show
    the top few and offer the rest, whose ranks go on from there.
    """
    if max_claims is not None and max_claims < 0:
        raise ValueError(f"max_claims must be >= 0, got {max_claims}")
    missing = [name for name in COMPONENTS if name not in nlp.pipe_names]
    if missing:
        raise ValueError(f"pipeline lacks {', '.join(missing)}: build it with build_pipeline()")
    if max_claims == 0 or not text.strip():
        return []

    pipe = nlp.get_pipe(combiner.FACTORY_NAME)
    weights = pipe.weights if isinstance(pipe, combiner.ClaimCombiner) else combiner.load_weights()
    sentences: list[ranking.Sentence] = []
    spans: list[tuple[int, Span]] = []
    texts: list[str] = []
    # A title of a word or two ("[ad_1]", the first line of a plain-text page) names
    # nothing; the headline line found at the top of the text does better.
    title_words = content_words(title or "")
    headline_words = title_words if len(title_words) >= _MIN_TITLE_WORDS else None
    for offset, doc in _parsed(nlp, text):
        if headline_words is None:
            headline_words = content_words(boilerplate.doc_headline(doc) or "")
        for span in doc.spans[claim_scorer.SENTENCES_KEY]:
            if claim_scorer.is_filtered(span):
                continue
            coefficients = (
                weights.rules_only
                if combiner.model_probability(span) is None
                else weights.with_model
            )
            sentences.append(
                ranking.Sentence(
                    claim_score=claim_scorer.claim_score(span),
                    threshold=coefficients.threshold,
                    index=len(sentences),
                    overlap=ranking.title_overlap(span.text, headline_words),
                    finding=claim_scorer.FINDING in claim_scorer.claim_reasons(span),
                    words=word_count(span),
                )
            )
            spans.append((offset, span))
            texts.append(span.text)
    if weights.ranking.get(ranking.CENTRALITY_WEIGHT):
        sentences = [
            dataclasses.replace(sentence, centrality=closeness)
            for sentence, closeness in zip(sentences, centrality.centrality(texts), strict=True)
        ]

    candidates: list[_Candidate] = []
    for order, placed in enumerate(ranking.rank(sentences, weights.ranking)):
        offset, span = spans[placed.position]
        start, end = offset + span.start_char, offset + span.end_char
        candidates.append(
            _Candidate(
                text=text[start:end],
                start_char=start,
                end_char=end,
                score=claim_scorer.claim_score(span),
                reasons=tuple(_article_reasons(span, placed)),
                order=order,
                speaker=attribution.claim_speaker(span),
                context=attribution.claim_context(span),
            )
        )

    unique = _drop_near_duplicates(candidates)
    best = sorted(unique, key=lambda c: c.order)[:max_claims]
    return sorted(
        (
            FoundClaim(
                c.text, c.start_char, c.end_char, c.score, c.reasons, rank, c.speaker, c.context
            )
            for rank, c in enumerate(best, start=1)
        ),
        key=lambda claim: claim.start_char,
    )


def _article_reasons(span: Span, placed: ranking.Placed) -> list[str]:
    reasons = claim_scorer.claim_reasons(span)
    if placed.echoes_headline:
        reasons.insert(0, ranking.ECHOES_HEADLINE)
    if placed.main_claim:
        reasons.insert(0, ranking.MAIN_CLAIM)
    return reasons


@dataclass(frozen=True)
class _Candidate:
    text: str
    start_char: int
    end_char: int
    score: float
    reasons: tuple[str, ...]
    order: int  # in the ranking, before near-duplicates go
    speaker: str | None = None
    context: str | None = None


def _parsed(nlp: Language, text: str) -> Iterator[tuple[int, Doc]]:
    limit = min(LARGE_TEXT_CHARS, nlp.max_length)
    if len(text) <= limit:
        yield 0, nlp(text)
        return
    size = min(_CHUNK_CHARS, limit)
    for doc, offset in nlp.pipe(_chunks(text, size), as_tuples=True, batch_size=_CHUNKS_PER_BATCH):
        yield offset, doc


def _chunks(text: str, size: int) -> Iterator[tuple[str, int]]:
    """Consecutive slices of ``text`` of at most ``size`` chars, each with its offset,
    cut after a line break when there is one (paragraphs stay whole), else after a
    sentence end, else between words."""
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            for separator in ("\n", ". ", " "):
                cut = text.rfind(separator, start, end)
                if cut > start:
                    end = cut + len(separator)
                    break
        yield text[start:end], start
        start = end


def _drop_near_duplicates(candidates: list[_Candidate]) -> list[_Candidate]:
    ordered = sorted(candidates, key=lambda c: c.start_char)
    word_lists = [_WORDS.findall(c.text.lower()) for c in ordered]
    word_sets = [frozenset(words) for words in word_lists]
    # Prefix filtering keeps this near-linear on huge texts: with the words of every
    # set sorted rarest first, two sets at Jaccard >= 4/5 must share a word among
    # the first few of each, so a candidate is compared only with the kept claims
    # that share one, not with all of them.
    frequency = Counter(word for words in word_sets for word in words)
    index: defaultdict[str, list[int]] = defaultdict(list)
    seen_exact: set[str] = set()
    kept: list[_Candidate] = []
    kept_sets: list[frozenset[str]] = []
    for candidate, words, word_set in zip(ordered, word_lists, word_sets, strict=True):
        normalised = " ".join(words)
        if normalised in seen_exact:
            continue
        prefix = sorted(word_set, key=lambda word: (frequency[word], word))
        prefix = prefix[: _prefix_length(len(word_set))]
        rivals = {position for word in prefix for position in index[word]}
        if any(_near_duplicate(word_set, kept_sets[position]) for position in rivals):
            continue
        seen_exact.add(normalised)
        for word in prefix:
            index[word].append(len(kept))
        kept.append(candidate)
        kept_sets.append(word_set)
    return kept


def _prefix_length(size: int) -> int:
    # size - ceil(size * 4/5) + 1, in integers.
    return size - -(-size * _JACCARD_NUMERATOR // _JACCARD_DENOMINATOR) + 1


def _near_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    shared = len(a & b)
    return shared * _JACCARD_DENOMINATOR >= _JACCARD_NUMERATOR * (len(a) + len(b) - shared)
