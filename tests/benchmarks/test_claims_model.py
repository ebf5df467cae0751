"""The claim bench's figures of the learned model alone (ClaimBuster is not needed)."""

from __future__ import annotations

from benchmarks import claims
from tests.workers.nlp.helpers import FIXED_WEIGHTS, make_blank_pipeline
from workers.nlp import classifier, combiner
from workers.nlp.claim_scorer import claim_score
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


def test_serve_runs_the_swapped_classifier_before_the_swapped_combiner() -> None:
    # The by-debate check swaps both; a classifier added after the combiner would
    # overwrite the combiner's scores and claims with its own mixed score.
    nlp = make_blank_pipeline(weights=None)
    classifier.add_classifier(nlp)

    claims.serve(nlp, weights=FIXED_WEIGHTS)

    assert nlp.pipe_names[-2:] == [classifier.FACTORY_NAME, combiner.FACTORY_NAME]
    pipe = nlp.get_pipe(combiner.FACTORY_NAME)
    assert isinstance(pipe, combiner.ClaimCombiner)
    assert pipe.weights == combiner.load_weights(FIXED_WEIGHTS)
    doc = nlp("Unemployment rose to 8 percent in the last four years.")
    (unit,) = list(doc.spans["sentences"])
    assert combiner.model_probability(unit) is not None
    expected, _ = combiner.combined_probability(unit, pipe.weights)
    assert claim_score(unit) == round(expected, combiner.SCORE_DIGITS)

    claims.serve(nlp)

    assert nlp.pipe_names[-2:] == [classifier.FACTORY_NAME, combiner.FACTORY_NAME]
    pipe = nlp.get_pipe(combiner.FACTORY_NAME)
    assert isinstance(pipe, combiner.ClaimCombiner)
    assert pipe.weights == combiner.load_weights()
