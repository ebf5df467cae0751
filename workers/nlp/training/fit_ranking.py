"""`python -m workers.nlp.training.fit_ranking`: fit the article-level ranking.

Fitted on news-main-claims ``dev`` (101 health and science articles, each with its
annotated main claim; the test split is held out and not here), and written into the
``ranking`` part of ``workers/nlp/combiner.json`` (see ``ranking.py``):

1. Every article goes through the pipeline the workers run; each of its scored units
   gets the combiner's log-odds (with the shipped coefficients), its place, whether it
   reports a finding, its centrality (``centrality.py``) and its length in words.
2. The main-claim weights are a conditional logit over the units of each article (a
   softmax whose target is the units covering the annotated main claim), L2-penalised,
   by Newton's method: few features, one smooth fit, no grid to overfit.
3. How many lead claims, and the nod to place after them, come from a small grid:
   the best recall@5, then recall@15, then mean reciprocal rank.

The headline weight is set, not fitted: that set has no headlines. Each fifth of the
articles is also scored with everything refitted on the other four (``*_5fold``), so
the in-sample figure can be read against what generalises. Deterministic; re-run it
after the classifier or the combiner changes (``fit_combiner`` runs it).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy

from factdesk.settings import Settings
from workers.nlp import boilerplate, centrality, claim_scorer, combiner, finder, ranking
from workers.nlp.segments import content_words, word_count
from workers.nlp.training.eval_data import (
    covers,
    eval_data_dir,
    main_claim_articles,
    recall_at,
)

FOLDS = 5
L2 = 1.0
TITLE_WEIGHT = 1.5  # set, not fitted: news-main-claims has no headlines
POSITION_DECAY = 3.0
# At most three: the headline-and-lede pair and the finding; then the most check-worthy
# of the rest, so a story's figures are not pushed out of its top five by its opening.
LEAD_CLAIMS = (1.0, 2.0, 3.0)
LATER_POSITION_WEIGHTS = (0.0, 1.0, 2.0, 4.0)
# The conditional logit's features, in ranking.main_claim_logit's terms.
MAIN_WEIGHTS = (
    ranking.CLAIM_WEIGHT,
    ranking.POSITION_WEIGHT,
    ranking.FINDING_WEIGHT,
    ranking.CENTRALITY_WEIGHT,
    ranking.LENGTH_WEIGHT,
)
_NEWTON_STEPS = 100
_MAX_STEP = 1.0


@dataclass(frozen=True)
class ArticleUnit:
    text: str
    features: dict[str, float]
    overlap: float
    finding: bool
    centrality: float
    words: int = 0


def article_units(nlp: Any, texts: Sequence[str]) -> list[list[ArticleUnit]]:
    """Per article, its scored units in order, as find_claims ranks them."""
    result: list[list[ArticleUnit]] = []
    for doc in nlp.pipe(texts, batch_size=4):
        headline = content_words(boilerplate.doc_headline(doc) or "")
        kept = [u for u in doc.spans[claim_scorer.SENTENCES_KEY] if not claim_scorer.is_filtered(u)]
        central = centrality.centrality([unit.text for unit in kept])
        units = []
        for unit, closeness in zip(kept, central, strict=True):
            features = combiner.unit_features(unit)
            probability = combiner.model_probability(unit)
            if probability is not None:
                features[combiner.MODEL_LOGIT] = combiner.logit(probability)
            units.append(
                ArticleUnit(
                    unit.text,
                    features,
                    ranking.title_overlap(unit.text, headline),
                    finding=features[claim_scorer.FINDING] > 0,
                    centrality=closeness,
                    words=word_count(unit),
                )
            )
        result.append(units)
    return result


class RankingData:
    """The articles' units flattened into arrays, so that each grid point costs a few
    vector operations rather than a pass over every unit in Python."""

    def __init__(
        self,
        articles: Sequence[Sequence[ArticleUnit]],
        main_claims: Sequence[str],
        coefficients: combiner.Coefficients,
    ) -> None:
        units = [(a, i, u) for a, article in enumerate(articles) for i, u in enumerate(article)]
        self.articles = len(articles)
        self.article = numpy.array([a for a, _, _ in units], dtype=int)
        self.index = numpy.array([i for _, i, _ in units], dtype=float)
        self.claim_logit = numpy.array(
            [
                combiner.logit(round(coefficients.probability(u.features), combiner.SCORE_DIGITS))
                for _, _, u in units
            ]
        )
        self.finding = numpy.array([u.finding for _, _, u in units], dtype=float)
        self.centrality = numpy.array([u.centrality for _, _, u in units])
        self.log_words: numpy.ndarray = numpy.log1p(
            numpy.array([u.words for _, _, u in units], dtype=float)
        )
        self.overlap = numpy.array([u.overlap for _, _, u in units])
        self.covers = numpy.array([covers(u.text, main_claims[a]) for a, _, u in units])
        self.threshold_logit = combiner.logit(coefficients.threshold)

    def main_features(self) -> numpy.ndarray:
        """One column per MAIN_WEIGHTS entry, as ranking.main_claim_logit weighs them."""
        place = numpy.exp(-self.index / POSITION_DECAY)
        return numpy.stack(
            [self.claim_logit, place, self.finding, self.centrality, self.log_words], axis=1
        )

    def main_logit(self, weights: dict[str, float]) -> numpy.ndarray:
        decay = weights.get(ranking.POSITION_DECAY, 1.0)
        return (
            weights.get(ranking.CLAIM_WEIGHT, 1.0) * self.claim_logit
            + weights.get(ranking.POSITION_WEIGHT, 0.0) * numpy.exp(-self.index / decay)
            + weights.get(ranking.FINDING_WEIGHT, 0.0) * self.finding
            + weights.get(ranking.CENTRALITY_WEIGHT, 0.0) * self.centrality
            + weights.get(ranking.LENGTH_WEIGHT, 0.0) * self.log_words
            + weights.get(ranking.TITLE_WEIGHT, 0.0) * self.overlap
        )

    def ranks(self, weights: dict[str, float]) -> numpy.ndarray:
        """Per article, the rank of its best-placed unit covering the main claim (0 if
        none is posted), as ranking.rank orders them."""
        main = self.main_logit(weights)
        leads = int(weights.get(ranking.LEAD_CLAIMS, 0))
        decay = weights.get(ranking.POSITION_DECAY, 1.0)
        place = numpy.exp(-self.index / decay)
        later = self.claim_logit + weights.get(ranking.LATER_POSITION_WEIGHT, 0.0) * place
        rank = numpy.zeros(len(main), dtype=int)
        first = self._within_article(numpy.lexsort((self.index, -main, self.article)))
        is_lead = (first > 0) & (first <= leads)
        rank[is_lead] = first[is_lead]
        lead_counts = numpy.bincount(self.article[is_lead], minlength=self.articles)
        rest = ~is_lead & (later >= self.threshold_logit)
        order = numpy.lexsort((self.index, -later, self.article))
        second = self._within_article(order[rest[order]])
        rank[rest] = lead_counts[self.article[rest]] + second[rest]
        best = numpy.zeros(self.articles, dtype=int)
        hits = self.covers & (rank > 0)
        for article, place in zip(self.article[hits], rank[hits], strict=True):
            if best[article] == 0 or place < best[article]:
                best[article] = place
        return best

    def _within_article(self, order: numpy.ndarray) -> numpy.ndarray:
        """For units listed in ``order`` (grouped by article), their 1-based place
        within their article; 0 for units not listed."""
        place = numpy.zeros(len(self.article), dtype=int)
        articles = self.article[order]
        starts = numpy.searchsorted(articles, numpy.arange(self.articles))
        place[order] = numpy.arange(len(order)) - starts[articles] + 1
        return place


def fit_main_weights(data: RankingData, articles: numpy.ndarray) -> dict[str, float]:
    """The conditional logit's weights over the given articles (see the docstring)."""
    x = data.main_features()
    groups = [
        numpy.flatnonzero(data.article == a)
        for a in articles
        if data.covers[data.article == a].any()
    ]
    weights = numpy.zeros(x.shape[1])
    for _ in range(_NEWTON_STEPS):
        gradient = L2 * weights
        hessian = L2 * numpy.eye(len(weights))
        for rows in groups:
            scores = x[rows] @ weights
            p = numpy.exp(scores - scores.max())
            p /= p.sum()
            target = data.covers[rows] / data.covers[rows].sum()
            mean = p @ x[rows]
            gradient += x[rows].T @ (p - target)
            hessian += (x[rows] * p[:, None]).T @ x[rows] - numpy.outer(mean, mean)
        step = numpy.linalg.solve(hessian, gradient)
        # Damped: a full Newton step overshoots on the first iterations.
        step /= max(1.0, float(numpy.abs(step).max()) / _MAX_STEP)
        weights -= step
        if numpy.abs(step).max() < 1e-7:
            break
    fitted = {name: round(float(w), 4) for name, w in zip(MAIN_WEIGHTS, weights, strict=True)}
    return {**fitted, ranking.POSITION_DECAY: POSITION_DECAY, ranking.TITLE_WEIGHT: TITLE_WEIGHT}


def rank_figures(ranks: numpy.ndarray) -> tuple[float, float, float]:
    """(recall@5, recall@15, mean reciprocal rank) from RankingData.ranks' ranks."""
    found = ranks > 0
    reciprocal = numpy.where(found, 1.0 / numpy.maximum(ranks, 1), 0.0)
    return (
        float(numpy.mean(found & (ranks <= 5))),
        float(numpy.mean(found & (ranks <= 15))),
        float(numpy.mean(reciprocal)),
    )


def best_ranking(data: RankingData, articles: numpy.ndarray) -> dict[str, float]:
    """The main-claim weights fitted on ``articles``, then the grid point with the best
    recall@5, recall@15 and mean reciprocal rank over them."""
    main = fit_main_weights(data, articles)
    best: tuple[tuple[float, float, float], dict[str, float]] | None = None
    for leads in LEAD_CLAIMS:
        for later_position in LATER_POSITION_WEIGHTS:
            weights = {
                **main,
                ranking.LEAD_CLAIMS: leads,
                ranking.LATER_POSITION_WEIGHT: later_position,
            }
            key = rank_figures(data.ranks(weights)[articles])
            if best is None or key > best[0]:
                best = (key, weights)
    assert best is not None
    return best[1]


def fit_ranking(
    articles: Sequence[Sequence[ArticleUnit]],
    main_claims: Sequence[str],
    coefficients: combiner.Coefficients,
) -> tuple[dict[str, float], dict[str, float]]:
    """(the ranking weights, their figures on news-main-claims dev)."""
    data = RankingData(articles, main_claims, coefficients)
    everything = numpy.arange(len(articles))
    weights = best_ranking(data, everything)
    at5, at15, mrr = rank_figures(data.ranks(weights))
    held_out = numpy.zeros(len(articles), dtype=int)
    folds = everything % FOLDS
    for fold in range(FOLDS):
        fold_weights = best_ranking(data, everything[folds != fold])
        held_out[folds == fold] = data.ranks(fold_weights)[folds == fold]
    cv5, cv15, _ = rank_figures(held_out)
    plain5, plain15, _ = rank_figures(data.ranks({ranking.LEAD_CLAIMS: 0.0}))
    firsts = [[unit.text for unit in units] for units in articles]
    figures = {
        "main_claim_recall_at5_dev": round(at5, 4),
        "main_claim_recall_at15_dev": round(at15, 4),
        "main_claim_mrr_dev": round(mrr, 4),
        "main_claim_recall_at5_5fold": round(cv5, 4),
        "main_claim_recall_at15_5fold": round(cv15, 4),
        "main_claim_recall_at5_without_ranking": round(plain5, 4),
        "main_claim_recall_at15_without_ranking": round(plain15, 4),
        "first_5_sentences_recall": round(recall_at(firsts, main_claims, 5), 4),
        "first_15_sentences_recall": round(recall_at(firsts, main_claims, 15), 4),
    }
    return weights, figures


def fit_on_news(nlp: Any, data: Path, weights: combiner.CombinerWeights) -> dict[str, Any]:
    """The ranking fitted on news-main-claims dev with the given combiner, and its
    figures: ``{"ranking": ..., "figures": ...}``."""
    articles = main_claim_articles(data)
    units = article_units(nlp, [text for text, _ in articles])
    has_model = any(combiner.MODEL_LOGIT in unit.features for article in units for unit in article)
    fitted, figures = fit_ranking(
        units,
        [claim for _, claim in articles],
        weights.with_model if has_model else weights.rules_only,
    )
    print(f"news-main-claims dev ({len(articles)} articles): {fitted} {figures}", flush=True)
    return {"ranking": fitted, "figures": figures}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="../shared/eval-data")
    parser.add_argument("--model", default=Settings.model_fields["spacy_model"].default)
    parser.add_argument("--weights", type=Path, default=combiner.WEIGHTS_PATH)
    args = parser.parse_args(argv)
    raw = json.loads(args.weights.read_text(encoding="utf-8"))
    nlp = finder.claim_pipeline(args.model)
    result = fit_on_news(nlp, args.data or eval_data_dir(), combiner.parse_weights(raw))
    raw["ranking"] = result["ranking"]
    raw["fitted_on"]["ranking"] = "news-main-claims/inobo_dev.jsonl"
    raw["dev"]["news_main_claims"] = result["figures"]
    args.weights.write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.weights}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
