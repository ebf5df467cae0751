"""The ranking's fit on made-up articles: its vectorised ranks are ranking.rank's, and
the conditional logit learns what marks the main claim."""

from __future__ import annotations

import random

import numpy

from workers.nlp import combiner, ranking
from workers.nlp.training.fit_ranking import ArticleUnit, RankingData, fit_main_weights

COEFFICIENTS = combiner.Coefficients(bias=-1.0, weights={"a figure": 3.0}, threshold=0.4)
WEIGHTS = {
    ranking.CLAIM_WEIGHT: 0.3,
    ranking.POSITION_WEIGHT: 2.0,
    ranking.POSITION_DECAY: 3.0,
    ranking.FINDING_WEIGHT: 1.0,
    ranking.CENTRALITY_WEIGHT: 0.8,
    ranking.LENGTH_WEIGHT: 0.5,
    ranking.TITLE_WEIGHT: 1.5,
    ranking.LEAD_CLAIMS: 2.0,
    ranking.LATER_POSITION_WEIGHT: 1.0,
}


def made_up_articles(seed: int) -> tuple[list[list[ArticleUnit]], list[str]]:
    """Articles whose main claim is the one sentence that names it, "claim<article>"."""
    chance = random.Random(seed)
    articles, main_claims = [], []
    for article in range(30):
        size = chance.randint(3, 12)
        main = chance.randrange(size)
        units = [
            ArticleUnit(
                text=f"claim{article}" if index == main else f"filler{index}",
                features={"a figure": float(chance.random() < 0.5)},
                overlap=chance.choice((0.0, 0.5)),
                finding=chance.random() < 0.3,
                centrality=chance.gauss(1.0 if index == main else 0.0, 1.0),
                words=chance.randint(5, 40),
            )
            for index in range(size)
        ]
        articles.append(units)
        main_claims.append(f"claim{article}")
    return articles, main_claims


def test_the_fits_ranks_are_those_the_finder_gives() -> None:
    articles, main_claims = made_up_articles(seed=7)
    data = RankingData(articles, main_claims, COEFFICIENTS)

    fitted = data.ranks(WEIGHTS)

    for article, units in enumerate(articles):
        sentences = [
            ranking.Sentence(
                claim_score=round(COEFFICIENTS.probability(unit.features), combiner.SCORE_DIGITS),
                threshold=COEFFICIENTS.threshold,
                index=index,
                overlap=unit.overlap,
                finding=unit.finding,
                centrality=unit.centrality,
                words=unit.words,
            )
            for index, unit in enumerate(units)
        ]
        order = [placed.position for placed in ranking.rank(sentences, WEIGHTS)]
        main = next(i for i, unit in enumerate(units) if unit.text.startswith("claim"))
        expected = order.index(main) + 1 if main in order else 0
        assert fitted[article] == expected


def test_the_conditional_logit_weighs_what_marks_the_main_claim() -> None:
    articles, main_claims = made_up_articles(seed=11)
    data = RankingData(articles, main_claims, COEFFICIENTS)

    weights = fit_main_weights(data, numpy.arange(len(articles)))

    assert weights[ranking.CENTRALITY_WEIGHT] > 0.5
    assert abs(weights[ranking.FINDING_WEIGHT]) < weights[ranking.CENTRALITY_WEIGHT]
