"""The shipped claim model: the file its meta.json describes, served without torch."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workers.nlp.helpers import make_blank_pipeline
from workers.nlp import claim_scorer
from workers.nlp.classifier import MODEL_VERSION, ClaimModel, load_model, model_path, read_meta
from workers.nlp.onnx_model import MODEL_FILE, TOKENIZER_FILE, OnnxClaimModel

ROOT = Path(__file__).resolve().parents[3]
STATISTIC = "The unemployment rate has risen to 7.5 percent since 1980."
PLEASANTRY = "Thank you, good night."


@pytest.fixture(scope="module")
def shipped() -> ClaimModel:
    return load_model()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_model_version_in_the_tree() -> None:
    # The matcher's embedder (minilm-embed-*) lives beside it and is not a claim model.
    versions = sorted(p.name for p in model_path().parent.glob("claims-*") if p.is_dir())
    assert versions == [f"claims-{MODEL_VERSION}"]


def test_shipped_files_match_their_recorded_sha256() -> None:
    meta = read_meta(model_path())
    assert meta["model_file"] == MODEL_FILE
    assert sha256(model_path() / MODEL_FILE) == meta["model_sha256"]
    assert sha256(model_path() / TOKENIZER_FILE) == meta["tokenizer_sha256"]


def test_meta_records_how_the_model_was_made() -> None:
    meta = read_meta(model_path())
    assert meta["version"] == MODEL_VERSION
    assert len(meta["training_data"]["train_rows_sha256"]) == 64
    assert meta["training_data"]["split"] == "random"
    assert isinstance(meta["seed"], int)
    assert meta["base_model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert 1 <= meta["best_epoch"] <= meta["epochs"]
    for figure in ("f1", "precision", "recall", "auc"):
        assert 0.0 < meta["dev_model"][figure] <= 1.0
    assert 0.0 < meta["model_threshold"] < 1.0


def test_shipped_model_is_the_named_version_and_small(shipped: ClaimModel) -> None:
    assert shipped.path == model_path(MODEL_VERSION)
    assert shipped.version == MODEL_VERSION
    assert 0.0 < shipped.threshold < 1.0
    assert 0.0 <= shipped.weight <= 1.0
    assert 0.0 < shipped.rule_floor <= 1.0
    size = sum(file.stat().st_size for file in shipped.path.rglob("*") if file.is_file())
    assert size < 30_000_000


def test_shipped_model_prefers_figures_to_pleasantries(shipped: ClaimModel) -> None:
    doc = make_blank_pipeline()(f"{PLEASANTRY}\n{STATISTIC}")
    pleasantry, figure = shipped.probabilities(list(doc.spans[claim_scorer.SENTENCES_KEY]))
    assert figure > shipped.model_threshold > pleasantry


def test_batching_does_not_change_probabilities(shipped: ClaimModel) -> None:
    texts = [STATISTIC, PLEASANTRY, "We sent 2,500 troops.", "I love this country.", "Yes."]
    scorer: OnnxClaimModel = shipped.scorer
    one_by_one = [scorer.probabilities([text])[0] for text in texts]
    assert scorer.probabilities(texts) == one_by_one
    assert scorer.probabilities([]) == []


# Loads the shipped model and scores two sentences in a process where any import of
# torch or transformers fails: what the workers run needs neither.
_NO_TORCH = """
import importlib.abc, json, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"torch", "transformers"}:
            raise ImportError(f"{name} is not to be imported at run time")
        return None

sys.meta_path.insert(0, Refuse())
from workers.nlp.classifier import load_model
model = load_model()
probabilities = model.text_probabilities(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "transformers"})
print(json.dumps({"probabilities": probabilities, "loaded": loaded}))
"""


def test_shipped_model_loads_and_predicts_without_torch() -> None:
    command = [sys.executable, "-c", _NO_TORCH, STATISTIC, PLEASANTRY]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["loaded"] == []
    statistic, pleasantry = result["probabilities"]
    assert statistic > pleasantry
