"""`make train-matcher`: fine-tune the claim matcher's embedder on the CheckThat! pairs.

all-MiniLM-L6-v2 is fine-tuned as a bi-encoder on the train pairs of CheckThat! 2022 2A
(tweet -> Snopes claim) and 2021 2B (debate sentence -> PolitiFact claim), read from
``../shared/eval-data/claim-matching`` (see its SOURCE.txt). The loss is the multiple
negatives ranking loss: in a batch of (claim, its fact-check, a near miss) rows, each
claim must pick its own fact-check among every fact-check and near miss of the batch.
The near miss is a fact-check the database's full-text search ranks high for the claim
but that is not its match (the very candidates the matcher later re-ranks). Batches hold
pairs of one dataset, so the other negatives are as hard as the data allows.

Only train pairs train; the epoch is chosen on the dev pairs (2A dev, 2B dev), by the
mean MAP@5 of the production fusion over the full-text candidates. 2A Dev-Test is never
read. The result is exported as ``workers/nlp/models/minilm-embed-<MODEL_VERSION>/`` (int8
ONNX, per channel, by ``export_embedder``) with meta.json naming the seed, the data's
hash and the dev figures. Needs the ``[train]`` extra; the shipped recipe by default:

    nice -n 19 python -m workers.nlp.training.train_matcher [--epochs 2] [--threads 2] [--out DIR]
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import pickle
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy
import torch
from tokenizers import Tokenizer
from transformers import AutoModel

from workers.nlp.embedder import MAX_TOKENS, model_path
from workers.nlp.training.finetune import minilm_l6, padded, seed_everything
from workers.nlp.training.matching_data import (
    Dataset,
    Log,
    data_sha256,
    load_data,
    map5,
)

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "eval-data" / "claim-matching"


@dataclass(frozen=True)
class Recipe:
    """Every knob of a run: with the data and the seed, it fixes the model."""

    seed: int = 20261207
    # Two since minilm-embed-1.2.0: with the row budget of 4,000 it beat one on both dev splits.
    epochs: int = 2
    batch_size: int = 32
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    # Cosines times 20 before the softmax (sentence-transformers' default for this loss).
    scale: float = 20.0
    # The near miss is drawn from this many of the full-text search's best non-matches.
    near_miss_depth: int = 10
    # Word pieces per text while training (serving keeps MAX_TOKENS): a claim's gist is
    # in its first 64, and a step costs in proportion to the padded length.
    train_tokens: int = 64
    # Two, as minilm-embed-1.2.0 was trained, so `make train-matcher` follows the shipped
    # recipe. On a machine others share, two OpenMP threads spin waiting for each other
    # (see finetune.Recipe): pass --threads 1 there.
    threads: int = 2
    # float32: bfloat16 autocast on a processor without bf16 instructions (this AVX2 EPYC)
    # is emulated, ten times slower per step (measured 28 s against 2.7 s for 32 claims).
    bfloat16: bool = False
    # Fusion weight used to choose the epoch (the shipped one is refitted on dev after).
    lexical_weight: float = 0.45
    # The epoch is chosen on each dev query's best full-text candidates only: a fifth of
    # the embedding work of the 50 the matcher re-ranks, and the same ordering of epochs.
    eval_candidates: int = 20


class Encoder(torch.nn.Module):
    """The transformer and mean pooling over the attention mask, L2-normalised."""

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.bert = AutoModel.from_pretrained(
            str(directory), attn_implementation="eager", add_pooling_layer=False
        )

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        states = self.bert(
            input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)
        ).last_hidden_state
        weights = mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled.float(), dim=-1)


def embed(encoder: Encoder, tokenizer: Tokenizer, texts: Sequence[str]) -> numpy.ndarray[Any, Any]:
    encoder.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    result = numpy.zeros((len(texts), 384), dtype=numpy.float32)
    with torch.inference_mode():
        for start in range(0, len(order), 128):
            chunk = order[start : start + 128]
            ids, mask = padded([e.ids for e in tokenizer.encode_batch([texts[i] for i in chunk])])
            result[chunk] = encoder(ids, mask).numpy()
    return result


def evaluate(
    encoder: Encoder, tokenizer: Tokenizer, dataset: Dataset, split: str, recipe: Recipe
) -> float:
    """MAP@5 of cosine + weight x relative lexical score over the full-text candidates."""
    part = dataset.splits[split]
    depth, weight = recipe.eval_candidates, recipe.lexical_weight
    shortlist = {qid: found[:depth] for qid, found in part.candidates.items()}
    needed = sorted({v for found in shortlist.values() for v, _ in found})
    embedded = embed(encoder, tokenizer, [dataset.texts[v] for v in needed])
    vectors = dict(zip(needed, embedded, strict=True))
    qids = list(part.queries)
    query_vectors = embed(encoder, tokenizer, [part.queries[q] for q in qids])
    runs = {}
    for qid, vector in zip(qids, query_vectors, strict=True):
        found = shortlist[qid]
        if not found:
            continue
        best = max(score for _, score in found) or 1.0
        scored = [(float(vectors[v] @ vector) + weight * score / best, v) for v, score in found]
        runs[qid] = [v for _, v in sorted(scored, key=lambda pair: -pair[0])]
    return map5(runs, part.qrels)


def training_rows(
    dataset: Dataset, recipe: Recipe, rng: random.Random
) -> list[tuple[str, str, str]]:
    """(query, fact-check, near miss) per train pair; near misses drawn afresh each epoch."""
    part = dataset.splits["train"]
    rows = []
    for qid in sorted(part.queries):
        gold = part.qrels[qid]
        misses = [v for v, _ in part.candidates[qid] if v not in gold][: recipe.near_miss_depth]
        for vclaim in sorted(gold):
            miss = rng.choice(misses) if misses else rng.choice(list(dataset.texts))
            rows.append((qid, vclaim, miss))
    return rows


def fine_tune(
    datasets: Sequence[Dataset],
    recipe: Recipe,
    *,
    checkpoint: Path | None = None,
    log: Log = print,
) -> tuple[Encoder, Tokenizer, dict[str, Any]]:
    """Train, choosing the epoch by dev MAP@5; with ``checkpoint``, the best epoch so far
    is saved there after each epoch."""
    seed_everything(recipe.seed, recipe.threads)
    base = minilm_l6()
    tokenizer = Tokenizer.from_file(str(base.directory / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    encoder = Encoder(base.directory)
    rng = random.Random(recipe.seed)
    pairs = sum(
        sum(len(d.splits["train"].qrels[q]) for q in d.splits["train"].queries) for d in datasets
    )
    steps_per_epoch = sum(
        math.ceil(
            sum(len(d.splits["train"].qrels[q]) for q in d.splits["train"].queries)
            / recipe.batch_size
        )
        for d in datasets
    )
    total = steps_per_epoch * recipe.epochs
    warmup = max(1, int(total * recipe.warmup_fraction))
    decay = [p for n, p in encoder.named_parameters() if p.ndim >= 2 and "LayerNorm" not in n]
    rest = [p for n, p in encoder.named_parameters() if p.ndim < 2 or "LayerNorm" in n]
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": recipe.weight_decay},
            {"params": rest, "weight_decay": 0.0},
        ],
        lr=recipe.learning_rate,
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))),
    )

    def dev_scores() -> dict[str, float]:
        return {d.name: round(evaluate(encoder, tokenizer, d, "dev", recipe), 4) for d in datasets}

    history: list[dict[str, Any]] = []
    log(f"  {pairs} train pairs, {steps_per_epoch} steps an epoch")
    best: tuple[float, int, dict[str, torch.Tensor]] | None = None
    for epoch in range(1, recipe.epochs + 1):
        started = time.perf_counter()
        batches = []
        for dataset in datasets:
            rows = training_rows(dataset, recipe, rng)
            rng.shuffle(rows)
            batches += [
                (dataset, rows[i : i + recipe.batch_size])
                for i in range(0, len(rows), recipe.batch_size)
            ]
        rng.shuffle(batches)
        encoder.train()
        total_loss = 0.0
        for step, (dataset, batch) in enumerate(batches, start=1):
            loss = _batch_loss(encoder, tokenizer, dataset, batch, recipe)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(encoder.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total_loss += float(loss.detach())
            if step % 10 == 0:
                elapsed = time.perf_counter() - started
                log(f"    epoch {epoch} step {step}/{len(batches)} {elapsed:.0f}s")
        scores = dev_scores()
        record: dict[str, Any] = {
            "epoch": epoch,
            "loss": round(total_loss / len(batches), 4),
            "train_seconds": round(time.perf_counter() - started, 1),
            "dev_map5": scores,
        }
        history.append(record)
        log(f"  {record}")
        score = statistics_mean(scores)
        if best is None or score > best[0]:
            best = (score, epoch, copy.deepcopy(encoder.state_dict()))
        if checkpoint is not None:
            torch.save({"state": best[2], "best_epoch": best[1], "history": history}, checkpoint)
    assert best is not None
    encoder.load_state_dict(best[2])
    encoder.eval()
    return encoder, tokenizer, {"best_epoch": best[1], "history": history}


def statistics_mean(scores: dict[str, float]) -> float:
    return sum(scores.values()) / len(scores)


def _batch_loss(
    encoder: Encoder,
    tokenizer: Tokenizer,
    dataset: Dataset,
    batch: Sequence[tuple[str, str, str]],
    recipe: Recipe,
) -> torch.Tensor:
    part = dataset.splits["train"]
    queries = [part.queries[qid] for qid, _, _ in batch]
    # Fact-checks: each row's match, then each row's near miss.
    vclaims = [v for _, v, _ in batch] + [m for _, _, m in batch]
    facts = [dataset.texts[v] for v in vclaims]
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=recipe.bfloat16):
        # Claims and fact-checks padded apart: each group only to its own longest text.
        query_vectors, fact_vectors = (
            encoder(
                *padded([_cut(e.ids, recipe.train_tokens) for e in tokenizer.encode_batch(group)])
            )
            for group in (queries, facts)
        )
    logits = recipe.scale * query_vectors @ fact_vectors.T
    # A fact-check that is also a true match of the row (a query with two matches, or a
    # near miss that is another row's match and this one's too) is no negative.
    wrong = torch.zeros_like(logits, dtype=torch.bool)
    for row, (qid, own, _) in enumerate(batch):
        gold = part.qrels[qid]
        for column, vclaim in enumerate(vclaims):
            wrong[row, column] = vclaim in gold and vclaim != own
    logits = logits.masked_fill(wrong, -1e4)
    target = torch.tensor([vclaims.index(own) for _, own, _ in batch])
    return torch.nn.functional.cross_entropy(logits, target)


def _cut(ids: list[int], length: int) -> list[int]:
    """At most `length` word pieces, still ending with the [SEP] the model expects."""
    return ids if len(ids) <= length else [*ids[: length - 1], ids[-1]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=model_path())
    parser.add_argument("--epochs", type=int, default=Recipe.epochs)
    parser.add_argument("--learning-rate", type=float, default=Recipe.learning_rate)
    parser.add_argument("--batch-size", type=int, default=Recipe.batch_size)
    parser.add_argument("--threads", type=int, default=Recipe.threads)
    parser.add_argument("--seed", type=int, default=Recipe.seed)
    parser.add_argument(
        "--checkpoint", type=Path, help="save the best epoch's torch weights here as it goes"
    )
    parser.add_argument(
        "--candidates",
        type=Path,
        help="keep the loaded pairs and full-text candidates in this file, and reuse it",
    )
    parser.add_argument(
        "--export-only", action="store_true", help="export the --checkpoint, do not train"
    )
    args = parser.parse_args()
    if args.export_only and not (args.checkpoint and args.checkpoint.is_file()):
        parser.error("--export-only needs the --checkpoint an earlier run saved")
    recipe = Recipe(
        seed=args.seed,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        batch_size=args.batch_size,
        threads=args.threads,
    )
    if args.candidates and args.candidates.is_file():
        datasets = pickle.loads(args.candidates.read_bytes())  # noqa: S301 (our own file)
    else:
        datasets = load_data(args.data)
        if args.candidates:
            args.candidates.write_bytes(pickle.dumps(datasets))
    if args.export_only:
        # The best epoch an earlier (perhaps interrupted) run saved with --checkpoint.
        seed_everything(recipe.seed, recipe.threads)
        saved = torch.load(args.checkpoint, weights_only=True)
        encoder = Encoder(minilm_l6().directory)
        encoder.load_state_dict(saved["state"])
        run = {"best_epoch": saved["best_epoch"], "history": saved["history"]}
    else:
        encoder, _, run = fine_tune(datasets, recipe, checkpoint=args.checkpoint)
    from workers.nlp.training import export_embedder

    with tempfile.TemporaryDirectory() as scratch:
        encoder.bert.save_pretrained(scratch)
        meta = export_embedder.export(
            args.out,
            weights_dir=Path(scratch),
            extra={
                "fine_tuned": {
                    "on": "CheckThat! 2022 2A train + 2021 2B train pairs "
                    "(../shared/eval-data/claim-matching)",
                    "loss": "multiple negatives ranking, one full-text near miss per pair",
                    "recipe": asdict(recipe),
                    "data_sha256": data_sha256(datasets),
                    "torch": torch.__version__,
                }
                | run,
                "name": "all-MiniLM-L6-v2 fine-tuned for claim matching, int8",
            },
        )
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
