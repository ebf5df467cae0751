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
3. The article-level ranking is then fitted on news-main-claims ``dev`` with these
   coefficients (``fit_ranking``).

Re-run it after the classifier changes; it is deterministic.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy

from factdesk.settings import Settings
from workers.nlp import claim_scorer, combiner, finder
from workers.nlp.training import fit_ranking
from workers.nlp.training.eval_data import claimbuster_dev, eval_data_dir

L2 = 1.0
FOLDS = 5


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


def fit_claim_weights(
    nlp: Any, texts: Sequence[str], labels: Sequence[int]
) -> tuple[Fitted, Fitted]:
    """The combiner's two regressions, with the model's probability and on the rules
    alone, fitted on these labelled sentences through ``nlp``."""
    rows = sentence_features(nlp, texts)
    return fit_one(rows, labels, combiner.MODEL_FEATURES), fit_one(rows, labels, combiner.FEATURES)


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
    with_model, rules_only = fit_claim_weights(
        nlp, [text for text, _ in dev], [label for _, label in dev]
    )
    for name, fitted in (("with the model", with_model), ("rules only", rules_only)):
        print(f"ClaimBuster dev ({len(dev)} sentences), {name}: {fitted.figures}", flush=True)

    coefficients = combiner.parse_weights(
        {"with_model": with_model.coefficients, "rules_only": rules_only.coefficients}
    )
    news = fit_ranking.fit_on_news(nlp, data, coefficients)

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
        "ranking": news["ranking"],
        "dev": {
            "with_model": with_model.figures,
            "rules_only": rules_only.figures,
            "news_main_claims": news["figures"],
        },
    }
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0 if all(math.isfinite(v) for v in with_model.coefficients["weights"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
