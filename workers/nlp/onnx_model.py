"""The claim model at run time: an int8 ONNX encoder and its `tokenizers` tokenizer.

No torch and no transformers here: onnxruntime runs the graph that
``workers.nlp.training.finetune`` exported, and the tokenizer is the base model's
``tokenizer.json`` saved with the truncation length it was trained with. Texts are
tokenised in one call, then run one at a time by default: the int8 graph quantises
its activations with one scale per call (dynamic quantisation), so a sentence batched
with others, or padded to their length, would get a slightly different probability
from one run alone, and the same sentence could be a claim in one article and not in
another. Run alone, it has no padding to compute either, which costs about what
batching saves.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy
import onnxruntime
from tokenizers import Tokenizer

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
INPUTS = ("input_ids", "attention_mask")
OUTPUT = "probability"
DEFAULT_BATCH_SIZE = 1


class OnnxClaimModel:
    """P(check-worthy factual claim) for texts, from a model directory."""

    def __init__(self, directory: Path, *, threads: int = 1) -> None:
        options = onnxruntime.SessionOptions()
        # A worker runs one task per process: more threads would fight the other
        # workers for the cores rather than finish this one sooner.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        self.tokenizer.no_padding()

    def probabilities(
        self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> list[float]:
        """One probability per text, in order."""
        if not texts:
            return []
        # A text repeated in an article (a pull quote, a lede restated) is run once.
        distinct = list(dict.fromkeys(texts))
        encoded = [encoding.ids for encoding in self.tokenizer.encode_batch(distinct)]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        found: dict[str, float] = {}
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(encoded[i]) for i in chunk)
            ids = numpy.zeros((len(chunk), width), dtype=numpy.int64)
            mask = numpy.zeros((len(chunk), width), dtype=numpy.int64)
            for row, i in enumerate(chunk):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1
            (output,) = self.session.run([OUTPUT], {INPUTS[0]: ids, INPUTS[1]: mask})
            for i, value in zip(chunk, numpy.asarray(output).reshape(-1).tolist(), strict=True):
                found[distinct[i]] = float(value)
        return [found[text] for text in texts]
