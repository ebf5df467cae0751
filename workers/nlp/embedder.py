"""Sentence embeddings for the claim matcher: all-MiniLM-L6-v2, int8 ONNX, no torch.

The model directory (``models/minilm-embed-<version>/``, made by ``make train-matcher``:
all-MiniLM-L6-v2 fine-tuned on the CheckThat! train pairs) holds the quantised graph,
the tokenizer and a meta.json with each file's sha256; a file that does not match its
digest is refused at load, so a worker never ranks with a model nobody measured. One
``Embedder`` per process (``embedder()``): loading takes about a second, a sentence of
27 word pieces then about 4 ms of one core (7 Dec 2026, AMD EPYC, shared machine).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy
import numpy.typing as npt
import onnxruntime
from tokenizers import Tokenizer

MODEL_VERSION = "1.2.0"
MODELS_DIR = Path(__file__).resolve().parent / "models"
DIMENSIONS = 384
# Claims are sentences; 128 word pieces hold any of them, and attention costs grow with
# the square of the length, so a pasted paragraph is cut rather than slowing the worker.
MAX_TOKENS = 128
# One text per onnxruntime call. The int8 graph quantises its activations with one scale
# per tensor, so a text batched with others got a vector that depended on its neighbours
# (cosines moved by up to 0.013, MAP@5 on a split by up to 0.007): alone, a text always
# gets the same vector, as a claim and as an archive row, and there is no padding. It
# costs about a third more CPU than batches of similar length when loading an archive.
# The article's sentences the claim finder embedded for its centrality are the claims the
# matcher embeds next, in the same task: recent vectors are kept, by text, so the same
# sentence is never embedded twice in an article. An article has a few dozen.
CACHED_TEXTS = 512

Vectors = npt.NDArray[numpy.float32]


def model_path(version: str = MODEL_VERSION) -> Path:
    return MODELS_DIR / f"minilm-embed-{version}"


def model_name(version: str = MODEL_VERSION) -> str:
    """What the archive records beside each vector: vectors of two models never mix."""
    return model_path(version).name


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
        self.name = model_name(self.version)
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()
        self._cache: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        options = onnxruntime.SessionOptions()
        # Workers share their cores with the rest of the pipeline: one thread each.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(path / "model.int8.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One normalised vector per text, in order."""
        result = numpy.empty((len(texts), DIMENSIONS), dtype=numpy.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for index, text in enumerate(texts):
                cached = self._cache.get(text)
                if cached is None:
                    missing.setdefault(text, []).append(index)
                else:
                    self._cache.move_to_end(text)
                    result[index] = cached
        if not missing:
            return result
        fresh = list(missing)
        vectors = self._embed_uncached(fresh)
        with self._lock:
            for text, vector in zip(fresh, vectors, strict=True):
                result[missing[text]] = vector
                self._cache[text] = vector.copy()
            while len(self._cache) > CACHED_TEXTS:
                self._cache.popitem(last=False)
        return result

    def forget(self) -> None:
        """Drop the kept vectors (benchmarks timing a cold article)."""
        with self._lock:
            self._cache.clear()

    def _embed_uncached(self, texts: list[str]) -> Vectors:
        result = numpy.empty((len(texts), DIMENSIONS), dtype=numpy.float32)
        for index, encoding in enumerate(self._tokenizer.encode_batch(texts)):
            result[index] = self._embed_one(encoding.ids)
        return result

    def _embed_one(self, pieces: list[int]) -> Vectors:
        ids = numpy.array([pieces], dtype=numpy.int64)
        mask = numpy.ones_like(ids)
        (states,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": numpy.zeros_like(ids)},
        )
        pooled = states[0].mean(axis=0)
        unit: Vectors = (pooled / max(float(numpy.linalg.norm(pooled)), 1e-12)).astype(
            numpy.float32
        )
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
