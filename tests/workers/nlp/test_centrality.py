"""Centrality with a stand-in embedder: closeness to the opening's centroid,
standardised within the article; only the opening and the close are embedded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy
import pytest

from workers.nlp import centrality
from workers.nlp.embedder import Vectors

TOPIC = numpy.array([1.0, 0.0, 0.0], dtype=numpy.float32)
ASIDE = numpy.array([0.0, 1.0, 0.0], dtype=numpy.float32)


class CountingEmbedder:
    """Sentences that mention "drug" point one way, the rest another."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts: Sequence[str]) -> Vectors:
        self.seen.extend(texts)
        return numpy.stack([TOPIC if "drug" in text else ASIDE for text in texts])


def test_the_sentences_on_the_articles_topic_score_highest() -> None:
    texts = ["It rained all week.", "The drug cut deaths.", "The drug was cheap.", "A drug trial."]

    scores = centrality.centrality(texts, CountingEmbedder())

    assert scores[0] < min(scores[1:])
    assert scores[1] == pytest.approx(scores[2])
    assert sum(scores) == pytest.approx(0.0, abs=1e-4)


@pytest.mark.parametrize("texts", [[], ["Only one sentence."]])
def test_too_short_an_article_scores_zero(texts: list[str]) -> None:
    assert centrality.centrality(texts, CountingEmbedder()) == [0.0] * len(texts)


def test_only_the_opening_and_the_close_are_embedded() -> None:
    texts = [f"The drug, sentence {index}." for index in range(40)]
    texts[20] = "An aside in the middle."
    embed = CountingEmbedder()

    scores = centrality.centrality(texts, embed)

    opening, closing = centrality.SCORED_SENTENCES, centrality.CLOSING_SENTENCES
    assert embed.seen == texts[:opening] + texts[-closing:]
    assert len(scores) == len(texts)
    assert scores[20] == min(scores)
