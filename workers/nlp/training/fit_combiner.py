"""`python -m workers.nlp.training.fit_combiner`: fit the combiner and the ranking.

Writes ``workers/nlp/combiner.json`` (see ``combiner.py`` and ``ranking.py``):

1. Every ClaimBuster ``dev`` sentence (the random split, without the texts also in
   ``train``; ``test`` is never read) goes through the pipeline the workers run, the
   shipped classifier included, each sentence its own doc. Its unit's rule signals,
   length and the classifier's probability (``span._.claim_probability``, whatever
   model the classifier component serves) are the features; CFS is the label.
2. Two L2-regularised logistic regressions are fitted on them: with the model's
   probability, and without it (for pipelines that have no classifier). Each one's
   threshold is the one with the best F1 over 5-fold out-of-fold probabilities on dev,
   so that the threshold is not chosen on the same fit it thresholds.
3. The article-level ranking (the lede's place, the headline's words) is fitted on
   news-main-claims ``dev``: a grid over the position weight and decay, keeping the
   best recall@5 of the annotated main claim, then recall@15, then the smaller
   weight. The headline weight is set, not fitted: that set has no headlines.

Re-run it after the classifier changes; it is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy

from factdesk.settings import Settings
from workers.nlp import boilerplate, claim_scorer, combiner, finder, ranking
from workers.nlp.segments import content_words

ROOT = Path(__file__).resolve().parents[3]
L2 = 1.0
FOLDS = 5
TITLE_WEIGHT = 1.5  # set, not fitted: news-main-claims has no headlines
# At most two: the headline-and-lede pair; then the most check-worthy of the rest, so a
# story's figures are not pushed out of its top five by its first paragraphs.
LEAD_CLAIMS = (1.0, 2.0)
LATER_POSITION_WEIGHTS = (0.0, 1.0, 2.0, 4.0)
CLAIM_WEIGHTS = (0.25, 0.5, 1.0)
POSITION_WEIGHTS = tuple(float(step) for step in range(0, 11, 2))
POSITION_DECAYS = (1.0, 2.0, 3.0, 5.0)
FINDING_WEIGHTS = tuple(step / 2 for step in range(0, 9))
RECALL_AT = (5, 15)
_TOKEN = re.compile(r"\w+")


def eval_data_dir() -> Path:
    """``../shared/eval-data`` seen from the main checkout or from a worktree under it,
    or $FACTDESK_EVAL_DATA."""
    configured = os.environ.get("FACTDESK_EVAL_DATA")
    candidates = [Path(configured)] if configured else []
    candidates += [parent / "shared" / "eval-data" for parent in ROOT.parents]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("no eval-data: set FACTDESK_EVAL_DATA to ../shared/eval-data")


# -- ClaimBuster dev ---------------------------------------------------------------------


def claimbuster_dev(data: Path) -> list[tuple[str, int]]:
    """(text, 1 if CFS) of the random split's dev rows that are not also in train."""
    path = data / "splits" / "claimbuster_splits.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (record["Text"], int(record["label_cfs"]))
            for record in csv.DictReader(handle)
            if record["split_random"] == "dev" and record["random_text_seen_in_train"] != "1"
        ]


def sentence_features(nlp: Any, texts: Sequence[str]) -> list[dict[str, float]]:
    """Per text, the features of its longest scored unit (empty when it has none)."""
    rows: list[dict[str, float]] = []
    for doc in nlp.pipe(texts, batch_size=256):
        units = [
            u for u in doc.spans[claim_scorer.SENTENCES_KEY] if not claim_scorer.is_filtered(u)
        ]
        if not units:
            rows.append({})
            continue
        unit = max(units, key=len)
        features = combiner.unit_features(unit)
        probability = combiner.model_probability(unit)
        if probability is not None:
            features[combiner.MODEL_LOGIT] = combiner.logit(probability)
        rows.append(features)
    return rows


def fit_logistic(x: numpy.ndarray, y: numpy.ndarray, l2: float = L2) -> numpy.ndarray:
    """Weights (bias last) of an L2-penalised logistic regression, by Newton's method;
    the bias is not penalised."""
    design = numpy.hstack([x, numpy.ones((len(x), 1))])
    weights = numpy.zeros(design.shape[1])
    penalty = numpy.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + numpy.exp(-(design @ weights)))
        gradient = design.T @ (p - y) + penalty * weights
        hessian = (design * (p * (1 - p))[:, None]).T @ design + numpy.diag(penalty + 1e-9)
        step = numpy.linalg.solve(hessian, gradient)
        weights -= step
        if numpy.abs(step).max() < 1e-8:
            break
    return weights


def predict(x: numpy.ndarray, weights: numpy.ndarray) -> numpy.ndarray:
    result: numpy.ndarray = 1.0 / (1.0 + numpy.exp(-(x @ weights[:-1] + weights[-1])))
    return result


def best_threshold(probabilities: Sequence[float], labels: Sequence[int]) -> tuple[float, float]:
    """(threshold, F1) with the best F1, thresholds on a 0.01 grid."""
    best = (0.5, -1.0)
    for step in range(5, 96):
        threshold = step / 100
        f1 = prf([p >= threshold for p in probabilities], labels)[2]
        if f1 > best[1]:
            best = (threshold, f1)
    return best


def prf(predicted: Sequence[bool], labels: Sequence[int]) -> tuple[float, float, float]:
    hits = sum(1 for guess, label in zip(predicted, labels, strict=True) if guess and label)
    n_predicted, positives = sum(predicted), sum(labels)
    precision = hits / n_predicted if n_predicted else 0.0
    recall = hits / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def out_of_fold(x: numpy.ndarray, y: numpy.ndarray) -> numpy.ndarray:
    """Each row's probability from a fit on the other folds (fixed, interleaved folds)."""
    result = numpy.zeros(len(y))
    folds = numpy.arange(len(y)) % FOLDS
    for fold in range(FOLDS):
        held = folds == fold
        result[held] = predict(x[held], fit_logistic(x[~held], y[~held]))
    return result


@dataclass(frozen=True)
class Fitted:
    coefficients: dict[str, Any]
    figures: dict[str, float]


def fit_one(
    rows: Sequence[dict[str, float]], labels: Sequence[int], names: Sequence[str]
) -> Fitted:
    x = numpy.array([[row.get(name, 0.0) for name in names] for row in rows])
    y = numpy.array(labels, dtype=float)
    weights = fit_logistic(x, y)
    threshold, cv_f1 = best_threshold(out_of_fold(x, y).tolist(), labels)
    precision, recall, f1 = prf((predict(x, weights) >= threshold).tolist(), labels)
    return Fitted(
        coefficients={
            "bias": round(float(weights[-1]), 4),
            "threshold": threshold,
            "weights": {
                name: round(float(w), 4) for name, w in zip(names, weights[:-1], strict=True)
            },
        },
        figures={
            "f1_dev_out_of_fold": round(cv_f1, 4),
            "f1_dev": round(f1, 4),
            "precision_dev": round(precision, 4),
            "recall_dev": round(recall, 4),
        },
    )


# -- news-main-claims dev ----------------------------------------------------------------


def main_claim_articles(data: Path) -> list[tuple[str, str]]:
    """(text, main claim) of the news-main-claims dev articles."""
    path = data / "news-main-claims" / "inobo_dev.jsonl"
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [(str(row["text"]), str(row["main_claim"])) for row in rows]


def covers(candidate: str, main_claim: str) -> bool:
    """Whether ``candidate`` has at least half of the main claim's word tokens (lower-cased
    \\w+ tokens as a multiset), as news-main-claims' SOURCE.txt defines recall@k."""
    wanted = Counter(_TOKEN.findall(main_claim.lower()))
    if not wanted:
        return False
    shared = wanted & Counter(_TOKEN.findall(candidate.lower()))
    return 2 * sum(shared.values()) >= sum(wanted.values())


def recall_at(ranked_lists: Iterable[Sequence[str]], main_claims: Sequence[str], k: int) -> float:
    hits = [
        any(covers(text, claim) for text in ranked[:k])
        for ranked, claim in zip(ranked_lists, main_claims, strict=True)
    ]
    return sum(hits) / len(hits) if hits else 0.0


@dataclass(frozen=True)
class ArticleUnit:
    text: str
    features: dict[str, float]
    overlap: float
    finding: bool


def article_units(nlp: Any, texts: Sequence[str]) -> list[list[ArticleUnit]]:
    """Per article, its scored units in order, as find_claims ranks them."""
    result: list[list[ArticleUnit]] = []
    for doc in nlp.pipe(texts, batch_size=4):
        headline = content_words(boilerplate.doc_headline(doc) or "")
        units = []
        for unit in doc.spans[claim_scorer.SENTENCES_KEY]:
            if claim_scorer.is_filtered(unit):
                continue
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
                )
            )
        result.append(units)
    return result


def ranking_grid() -> list[dict[str, float]]:
    grid = []
    for leads in LEAD_CLAIMS:
        for claim_weight in CLAIM_WEIGHTS:
            for position_weight in POSITION_WEIGHTS:
                for decay in POSITION_DECAYS if position_weight else (1.0,):
                    for finding_weight in FINDING_WEIGHTS:
                        for later in LATER_POSITION_WEIGHTS:
                            grid.append(
                                {
                                    ranking.LATER_POSITION_WEIGHT: later,
                                    ranking.LEAD_CLAIMS: leads,
                                    ranking.CLAIM_WEIGHT: claim_weight,
                                    ranking.POSITION_WEIGHT: position_weight,
                                    ranking.POSITION_DECAY: decay,
                                    ranking.FINDING_WEIGHT: finding_weight,
                                    ranking.TITLE_WEIGHT: TITLE_WEIGHT,
                                }
                            )
    return grid


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
        self.overlap = numpy.array([u.overlap for _, _, u in units])
        self.covers = numpy.array([covers(u.text, main_claims[a]) for a, _, u in units])
        self.threshold_logit = combiner.logit(coefficients.threshold)

    def ranks(self, weights: dict[str, float]) -> numpy.ndarray:
        """Per article, the rank of its best-placed unit covering the main claim (0 if
        none is posted), as ranking.rank orders them."""
        decay = weights.get(ranking.POSITION_DECAY, 1.0)
        main = (
            weights.get(ranking.CLAIM_WEIGHT, 1.0) * self.claim_logit
            + weights.get(ranking.POSITION_WEIGHT, 0.0) * numpy.exp(-self.index / decay)
            + weights.get(ranking.FINDING_WEIGHT, 0.0) * self.finding
            + weights.get(ranking.TITLE_WEIGHT, 0.0) * self.overlap
        )
        leads = int(weights.get(ranking.LEAD_CLAIMS, 0))
        later = self.claim_logit + weights.get(ranking.LATER_POSITION_WEIGHT, 0.0) * numpy.exp(
            -self.index / decay
        )
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


def rank_figures(ranks: numpy.ndarray) -> tuple[float, float, float]:
    """(recall@5, recall@15, mean reciprocal rank) from ranks_of's ranks."""
    found = ranks > 0
    reciprocal = numpy.where(found, 1.0 / numpy.maximum(ranks, 1), 0.0)
    return (
        float(numpy.mean(found & (ranks <= 5))),
        float(numpy.mean(found & (ranks <= 15))),
        float(numpy.mean(reciprocal)),
    )


def best_ranking(data: RankingData, subset: numpy.ndarray | None = None) -> dict[str, float]:
    """The grid point with the best recall@5, then recall@15, then mean reciprocal
    rank, over the articles in ``subset`` (all by default)."""
    best: tuple[tuple[float, float, float], dict[str, float]] | None = None
    for weights in ranking_grid():
        ranks = data.ranks(weights)
        key = rank_figures(ranks if subset is None else ranks[subset])
        if best is None or key > best[0]:
            best = (key, weights)
    assert best is not None
    return best[1]


def fit_ranking(
    articles: Sequence[Sequence[ArticleUnit]],
    main_claims: Sequence[str],
    coefficients: combiner.Coefficients,
) -> tuple[dict[str, float], dict[str, float]]:
    data = RankingData(articles, main_claims, coefficients)
    weights = best_ranking(data)
    at5, at15, mrr = rank_figures(data.ranks(weights))
    # How much of that is fitting to these 101 articles: each fifth scored with the
    # weights chosen on the other four.
    held_out = numpy.zeros(len(articles), dtype=int)
    folds = numpy.arange(len(articles)) % FOLDS
    for fold in range(FOLDS):
        fold_weights = best_ranking(data, folds != fold)
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="../shared/eval-data")
    parser.add_argument("--model", default=Settings.model_fields["spacy_model"].default)
    parser.add_argument("--output", type=Path, default=combiner.WEIGHTS_PATH)
    args = parser.parse_args(argv)
    data = args.data or eval_data_dir()
    nlp = finder.claim_pipeline(args.model)
    print(f"pipeline: {' > '.join(nlp.pipe_names)}", flush=True)

    dev = claimbuster_dev(data)
    texts, labels = [text for text, _ in dev], [label for _, label in dev]
    rows = sentence_features(nlp, texts)
    with_model = fit_one(rows, labels, combiner.MODEL_FEATURES)
    rules_only = fit_one(rows, labels, combiner.FEATURES)
    for name, fitted in (("with the model", with_model), ("rules only", rules_only)):
        print(f"ClaimBuster dev ({len(dev)} sentences), {name}: {fitted.figures}", flush=True)

    articles = main_claim_articles(data)
    units = article_units(nlp, [text for text, _ in articles])
    coefficients = combiner.parse_weights(
        {"with_model": with_model.coefficients, "rules_only": rules_only.coefficients}
    )
    has_model = any(combiner.MODEL_LOGIT in unit.features for article in units for unit in article)
    weights, figures = fit_ranking(
        units,
        [claim for _, claim in articles],
        coefficients.with_model if has_model else coefficients.rules_only,
    )
    print(f"news-main-claims dev ({len(articles)} articles): {weights} {figures}", flush=True)

    result = {
        "note": "fitted by python -m workers.nlp.training.fit_combiner; see combiner.py",
        "fitted_on": {
            "claimbuster": "splits/claimbuster_splits.csv, split_random == dev, not seen in train",
            "ranking": "news-main-claims/inobo_dev.jsonl",
            "pipeline": nlp.pipe_names,
            "l2": L2,
        },
        "with_model": with_model.coefficients,
        "rules_only": rules_only.coefficients,
        "ranking": weights,
        "dev": {
            "with_model": with_model.figures,
            "rules_only": rules_only.figures,
            "news_main_claims": figures,
        },
    }
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0 if all(math.isfinite(v) for v in with_model.coefficients["weights"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
