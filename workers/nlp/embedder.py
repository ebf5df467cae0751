"""Sentence embeddings for the claim matcher: all-MiniLM-L6-v2, int8 ONNX, no torch.

The model directory (``models/minilm-embed-<version>/``, made by ``make train-matcher``:
all-MiniLM-L6-v2 fine-tuned on the CheckThat! train pairs) holds the quantised graph,
the tokenizer and a meta.json with each file's sha256; a file that does not match its
digest is refused at load, so a worker never ranks with a model nobody measured. One
``Embedder`` per process (``embedder()``): loading takes about a second, a sentence then
15 to 20 ms of one core on the AVX2 processors we measure on.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy
import numpy.typing as npt
import onnxruntime
from tokenizers import Tokenizer

MODEL_VERSION = "1.1.0"
MODELS_DIR = Path(__file__).resolve().parent / "models"
DIMENSIONS = 384
# Claims are sentences; 128 word pieces hold any of them, and attention costs grow with
# the square of the length, so a pasted paragraph is cut rather than slowing the worker.
MAX_TOKENS = 128
BATCH_SIZE = 32

Vectors = npt.NDArray[numpy.float32]


def model_path(version: str = MODEL_VERSION) -> Path:
    return MODELS_DIR / f"minilm-embed-{version}"


class ModelIntegrityError(RuntimeError):
    """A model file is missing or is not the one its meta.json names."""


class Embedder:
    """Turns texts into unit-length 384-dimensional vectors (cosine = dot product)."""

    def __init__(self, path: Path | None = None, *, threads: int = 1) -> None:
        path = path or model_path()
        meta = json.loads((path / "meta.json").read_text())
        for name, expected in meta["sha256"].items():
            file = path / name
            if not file.is_file() or _sha256(file) != expected:
                raise ModelIntegrityError(f"{file} is missing or does not match meta.json")
        self.version: str = meta["version"]
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        # Workers share their cores with the rest of the pipeline: one thread each.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(path / "model.int8.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str], *, batch_size: int = BATCH_SIZE) -> Vectors:
        """One normalised vector per text, in order, ``batch_size`` texts a call."""
        if not texts:
            return numpy.zeros((0, DIMENSIONS), dtype=numpy.float32)
        # Similar lengths batched together waste less padding.
        order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
        result = numpy.empty((len(texts), DIMENSIONS), dtype=numpy.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            result[chunk] = self._embed_batch([texts[index] for index in chunk])
        return result

    def _embed_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        ids = numpy.array([encoding.ids for encoding in encodings], dtype=numpy.int64)
        mask = numpy.array([encoding.attention_mask for encoding in encodings], dtype=numpy.int64)
        (states,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": numpy.zeros_like(ids)},
        )
        weights = mask[:, :, None].astype(numpy.float32)
        pooled = (states * weights).sum(axis=1) / numpy.maximum(weights.sum(axis=1), 1e-9)
        norms = numpy.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / numpy.maximum(norms, 1e-12)).astype(numpy.float32)
        return unit


@functools.cache
def embedder() -> Embedder:
    """The process's one embedder, loaded on first use."""
    return Embedder()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
