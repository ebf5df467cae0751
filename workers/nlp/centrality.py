"""How central each sentence is to what its article is about.

A news story states its main claim early and then keeps coming back to it, so the
sentence closest in meaning to the article's opening is a good candidate for its
main claim, even when a patient's story or a statistic comes first. Each of the first
``SCORED_SENTENCES`` sentences is embedded with the matcher's sentence embedder
(``workers.nlp.embedder``, loaded once per process) and compared, by cosine, with the
centroid of the first ``CENTROID_SENTENCES``; so are the last ``CLOSING_SENTENCES``,
where science news often states its conclusion again. The cosines are standardised
within the article (z-scores), since how alike the sentences of one article are varies
a lot between articles. Only the opening and the close are embedded: that is where
main claims sit, and it keeps an article's cost to a few dozen milliseconds. The
sentences in between get the lowest score of those embedded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy

from workers.nlp.embedder import Vectors, embedder

SCORED_SENTENCES = 15
CENTROID_SENTENCES = 10
CLOSING_SENTENCES = 5
_FLAT = 1e-6
Embed = Callable[[Sequence[str]], Vectors]


def load() -> None:
    """Load the embedder now (with the rest of the pipeline), not on the first article."""
    embedder()


def default_embed(texts: Sequence[str]) -> Vectors:
    """The process's one sentence embedder (a sentence a call, see embedder.py); the
    matcher reuses what it computes here for the claims among these sentences."""
    return embedder().embed(texts)


def centrality(texts: Sequence[str], embed: Embed | None = None) -> list[float]:
    """Per sentence of an article, in order, its standardised closeness to the centroid
    of the article's opening (see the module's docstring); all zeros for fewer than
    two sentences."""
    if len(texts) < 2:
        return [0.0] * len(texts)
    opening = range(min(SCORED_SENTENCES, len(texts)))
    closing = range(max(SCORED_SENTENCES, len(texts) - CLOSING_SENTENCES), len(texts))
    scored = [*opening, *closing]
    vectors = (embed or default_embed)([texts[index] for index in scored])
    centroid = vectors[: min(CENTROID_SENTENCES, len(opening))].mean(axis=0)
    centroid /= max(float(numpy.linalg.norm(centroid)), _FLAT)
    cosines = vectors @ centroid
    scores = (cosines - cosines.mean()) / (float(cosines.std()) + _FLAT)
    result = [float(scores.min())] * len(texts)
    for index, score in zip(scored, scores, strict=True):
        result[index] = float(score)
    return result
