"""The claim bench's figures of the learned model alone (ClaimBuster is not needed)."""

from __future__ import annotations

from benchmarks import claims
from workers.nlp.classifier import load_model
from workers.nlp.training import train


def row(sentence_id: str, text: str, label: int) -> train.Row:
    return train.Row(sentence_id, text, label, "test", seen_in_train=False)


def test_model_figures_score_the_model_alone_at_its_dev_threshold() -> None:
    rows = [
        row("1", "Unemployment rose to 8 percent in the last four years.", 1),
        row("2", "We have cut the federal deficit by 300 billion dollars since 1992.", 1),
        row("3", "Thank you, good night.", 0),
        row("4", "I want to thank everyone who came out tonight.", 0),
    ]
    figures = claims.model_figures(load_model(), rows, "test")
    assert set(figures) == {"model_f1_test", "model_precision_test", "model_recall_test"} | {
        "model_auc_test"
    }
    assert figures["model_auc_test"] == 1.0
    assert figures["model_f1_test"] == 1.0
