"""Article-level ranking: what the article is about first, then the most check-worthy.

The combiner scores each sentence alone, as a debate sentence would be scored. An
article also says what it is about: its lede (news style puts the main claim in the
first sentence or two), its headline, and the sentence that reports what a study or
a source found. So the ranking has two stages:

1. Main claim. Each sentence gets a main-claim log-odds, a sum fitted on
   news-main-claims ``dev`` by ``python -m workers.nlp.training.fit_ranking`` (a
   conditional logit: which sentence of the article is its main claim):
   ``claim_weight * logit(combiner score)`` (how check-worthy it is alone),
   ``position_weight * exp(-index / decay)`` (its place, index counting the
   sentences of the article, not its boilerplate, from 0), ``finding_weight`` when it
   reports a finding ("researchers found that …", "Austin confirmed that …"),
   ``centrality_weight * centrality`` (how close in meaning it is to the article's
   opening, see centrality.py), ``length_weight * log(1 + words)`` (a main claim
   states a whole finding: a short sentence, a dateline or a "Study: <title>" line
   rarely is one) and ``title_weight * overlap`` (the share of the
   headline's content words it has; set, not fitted, since that set has no
   headlines). The best ``lead_claims`` of them go first, and are posted whatever
   their score alone: they are what the article asserts.
2. The rest, by the combiner's log-odds plus ``later_position_weight *
   exp(-index / decay)`` (a smaller nod to the place, chosen on the same set),
   earlier first on ties; posted when that reaches the combiner's threshold. Past the
   main claims the order is how check-worthy a sentence is, so that a story's figures
   are not pushed out of its top five by its opening.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workers.nlp.combiner import logit
from workers.nlp.segments import content_words

CLAIM_WEIGHT = "claim_weight"
FINDING_WEIGHT = "finding_weight"
POSITION_WEIGHT = "position_weight"
POSITION_DECAY = "position_decay"
TITLE_WEIGHT = "title_weight"
CENTRALITY_WEIGHT = "centrality_weight"
LENGTH_WEIGHT = "length_weight"
LEAD_CLAIMS = "lead_claims"
LATER_POSITION_WEIGHT = "later_position_weight"

# Shown to the editor on the sentences ranked first as what the article asserts.
MAIN_CLAIM = "the article's main claim"
ECHOES_HEADLINE = "echoes the headline"
_ECHO_OVERLAP = 0.5


@dataclass(frozen=True)
class Sentence:
    """What the ranking knows of one sentence of the article."""

    claim_score: float  # the combiner's
    threshold: float  # the combiner's, for this sentence's coefficients
    index: int  # among the article's sentences, boilerplate left out
    overlap: float = 0.0  # with the headline, see title_overlap
    finding: bool = False
    centrality: float = 0.0  # see centrality.py
    words: int = 0  # its words, punctuation left out


@dataclass(frozen=True)
class Placed:
    position: int  # in the input sequence
    main_claim: bool
    echoes_headline: bool


def title_overlap(sentence: str, title_words: frozenset[str]) -> float:
    """The share of the headline's content words that the sentence has."""
    if not title_words:
        return 0.0
    return len(content_words(sentence) & title_words) / len(title_words)


def main_claim_logit(sentence: Sentence, weights: Mapping[str, float]) -> float:
    """How likely the sentence states what the article is about (stage 1)."""
    decay = weights.get(POSITION_DECAY, 1.0)
    place = weights.get(POSITION_WEIGHT, 0.0) * math.exp(-sentence.index / decay)
    found = weights.get(FINDING_WEIGHT, 0.0) if sentence.finding else 0.0
    headline = weights.get(TITLE_WEIGHT, 0.0) * sentence.overlap
    central = weights.get(CENTRALITY_WEIGHT, 0.0) * sentence.centrality
    length = weights.get(LENGTH_WEIGHT, 0.0) * math.log1p(sentence.words)
    claim = weights.get(CLAIM_WEIGHT, 1.0) * logit(sentence.claim_score)
    return claim + place + found + headline + central + length


def later_logit(sentence: Sentence, weights: Mapping[str, float]) -> float:
    """How the sentences after the main claims are ordered (stage 2): the combiner's
    log-odds, with a smaller nod to the sentence's place."""
    decay = weights.get(POSITION_DECAY, 1.0)
    place = weights.get(LATER_POSITION_WEIGHT, 0.0) * math.exp(-sentence.index / decay)
    return logit(sentence.claim_score) + place


def rank(sentences: Sequence[Sentence], weights: Mapping[str, float]) -> list[Placed]:
    """The sentences to post, best first (see the module's docstring)."""
    lead_count = int(weights.get(LEAD_CLAIMS, 0))
    by_main = sorted(
        range(len(sentences)),
        key=lambda i: (-main_claim_logit(sentences[i], weights), sentences[i].index),
    )
    leads = by_main[:lead_count]
    later = {i: later_logit(sentences[i], weights) for i in range(len(sentences))}
    rest = sorted(
        (
            i
            for i in range(len(sentences))
            if i not in leads and later[i] >= logit(sentences[i].threshold)
        ),
        key=lambda i: (-later[i], sentences[i].index),
    )
    title_weight = weights.get(TITLE_WEIGHT, 0.0)
    return [
        Placed(
            position=i,
            main_claim=i in leads,
            echoes_headline=title_weight > 0 and sentences[i].overlap >= _ECHO_OVERLAP,
        )
        for i in [*leads, *rest]
    ]
