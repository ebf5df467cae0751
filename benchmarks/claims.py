"""`make bench-claims`: how well and how fast the claim pipeline picks check-worthy claims.

Accuracy: ClaimBuster sentences (``../shared/eval-data``), each run through the whole
pipeline the workers run (``classifier.claim_pipeline(settings.spacy_model)``) as its
own doc, as ``factdesk claims --sentences`` does; a sentence counts as a predicted
claim iff it ends up in ``doc.spans["claims"]``. Positive = CFS. Printed for the
random split's dev (where the threshold was chosen, so optimistic) and test (held out)
parts, and for the by-debate split's test part with a model trained and thresholded on
that split's own train and dev parts (``train --split by-debate``, kept under var/,
never shipped; training it needs the ``[train]`` extra: without it and without a
model already under var/, ``f1_by_debate`` is null and ``f1_by_debate_absent`` says
why) and a combiner fitted on that split's dev part as ``fit_combiner`` fits the
shipped one (written beside the model; the shipped combiner saw random-split dev
sentences from debates the by-debate test part holds). Rows whose text also sits in
the split's train part are left out.
Beside the pipeline's figures: its ROC-AUC on test (a sentence's best unit score), and
the learned model alone on whole sentences at its own dev threshold (``model_*``).

Speed: sentences per second on one core, through the whole claim pipeline and through a
bare ``spacy.load`` of the same model, both with ``nlp.pipe`` over the same sentences
after a warm-up, taking turns; the bare model again without its parser, its NER or
both (what each costs); the seed article's claims with the model loaded
(``ms_seed_article``, median); and peak resident memory, of a worker-like process
(``rss_mb``) and of this one.

Writes ``var/bench-claims.json``. A benchmark, not a test: it reports and asserts nothing.

``--feedback`` scores the finder on what fact-checkers told it instead (the
``claim_feedback`` table: "claim" for a claim a person added that the finder missed,
"not_a_claim" for a task a person dismissed), each text as one sentence through the
same path as ``factdesk claims --sentences``; positive = "claim". Run it as
``make bench-claims ARGS=--feedback``; ``--database-url`` defaults to the configured
database.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spacy
from spacy.language import Language

from benchmarks.main_claims import main_claim_figures
from factdesk.settings import Settings
from workers.nlp import build_pipeline, classifier, combiner
from workers.nlp.finder import claim_pipeline
from workers.nlp.training import fit_combiner, train

if TYPE_CHECKING:
    from factdesk.models import FeedbackLabel

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "var" / "bench-claims.json"
BATCH_SIZE = 256
SPEED_SENTENCES = 2000
WARM_UP_SENTENCES = 256
SPEED_RUNS = 5


def say(text: str = "") -> None:
    print(text, flush=True)


def pin_to_one_core() -> int | None:
    """Run on one core so that sentences/s is per core, whatever BLAS or the OS would do."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


# A worker's memory: a fresh process that loads the pipeline the workers load and finds
# the claims of the seed article, then of a text 20 times its length (chunked, see
# finder.LARGE_TEXT_CHARS). Its peak RSS, in kilobytes, is printed: VmHWM where there is
# a /proc, since Linux carries ru_maxrss over from the parent through fork and exec.
# Workers never have torch (it is in the [train] extra only); where that extra is
# installed, thinc would import it with spaCy and add some 200 MB no worker carries.
SEED_ARTICLE = ROOT / "seeds" / "000_e55cb495c0a959b5.txt"
_WORKER_PROBE = """
import resource, sys
sys.modules["torch"] = None
from pathlib import Path
from workers.context import pipeline
from workers.nlp import find_claims
nlp = pipeline(sys.argv[1])
text = Path(sys.argv[2]).read_text(encoding="utf-8")
for copies in (1, 20):
    find_claims(nlp, (text + "\\n") * copies)
status = Path("/proc/self/status")
if status.is_file():
    print(next(l.split()[1] for l in status.read_text().splitlines() if l.startswith("VmHWM:")))
else:
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(kilobytes // 1024 if sys.platform == "darwin" else kilobytes)
"""


def worker_rss_mb(model: str) -> float | None:
    """Peak memory of a worker-like process (see _WORKER_PROBE), None if it failed."""
    command = [sys.executable, "-c", _WORKER_PROBE, model, str(SEED_ARTICLE)]
    # Our own interpreter, a fixed script and our own arguments: no shell.
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        return None
    return int(done.stdout.split()[-1]) * 1024 / 1e6


def predicted_claims(nlp: Language, texts: Sequence[str]) -> list[bool]:
    return [len(doc.spans["claims"]) > 0 for doc in nlp.pipe(texts, batch_size=BATCH_SIZE)]


def score(nlp: Language, rows: Sequence[train.Row]) -> train.Scores:
    return train.prf(predicted_claims(nlp, [row.text for row in rows]), [row.label for row in rows])


def sentences_per_second(pipelines: Sequence[Language], texts: Sequence[str]) -> list[float]:
    """For each pipeline, the best of a few timed passes after a warm-up. The passes
    take turns, pipeline after pipeline, so that a busy spell on the machine slows one
    pass of each rather than every pass of one, and the best passes measure the
    pipelines, not the machine's other tenants."""
    for nlp in pipelines:
        for _ in nlp.pipe(texts[:WARM_UP_SENTENCES], batch_size=BATCH_SIZE):
            pass
    best = [float("inf")] * len(pipelines)
    for _ in range(SPEED_RUNS):
        for i, nlp in enumerate(pipelines):
            started = time.perf_counter()
            for _ in nlp.pipe(texts, batch_size=BATCH_SIZE):
                pass
            best[i] = min(best[i], time.perf_counter() - started)
    return [len(texts) / seconds for seconds in best]


def train_labels(rows: Sequence[train.Row]) -> list[int]:
    return [row.label for row in rows]


def line(name: str, scores: train.Scores, rows: int) -> str:
    return (
        f"  {name:<28} P {scores.precision:.3f}  R {scores.recall:.3f}  F1 {scores.f1:.3f}"
        f"   ({rows} sentences, {scores.positives} CFS, {scores.predicted} predicted)"
    )


def by_debate_model(path: Path, data: Path, retrain: bool) -> tuple[Path | None, str | None]:
    """(the by-debate model, None), training it first when needed, or (None, why not)."""
    if retrain or not (path / "meta.json").is_file():
        if importlib.util.find_spec("torch") is None:
            return None, (
                f"no by-debate model at {path.relative_to(ROOT)} and torch is not installed: "
                "training it needs the [train] extra (make train-claims installs it)"
            )
        say(f"training the by-debate model into {path.relative_to(ROOT)} (not shipped) ...")
        # A child process, so its training docs do not count in this process's peak RSS.
        command = [sys.executable, "-m", "workers.nlp.training.train", "--split", "by-debate"]
        command += ["--data", str(data), "--output", str(path)]
        # Our own interpreter and module with paths from our own arguments: no shell.
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:  # noqa: S603
            return None, "training the by-debate model failed (see the output above)"
    return path, None


def serve(nlp: Language, model: Path | None = None, weights: Path | None = None) -> None:
    """Swap in this classifier and this combiner (None: the shipped ones), in the order
    the workers run them: the classifier, then the combiner last, reading its
    probability."""
    nlp.remove_pipe(classifier.FACTORY_NAME)
    nlp.remove_pipe(combiner.FACTORY_NAME)
    classifier.add_classifier(nlp, model_path=None if model is None else str(model))
    config = {"weights_path": None if weights is None else str(weights)}
    nlp.add_pipe(combiner.FACTORY_NAME, last=True, config=config)


def by_debate_figures(nlp: Language, path: Path, data: Path, limit: int | None) -> dict[str, Any]:
    """The by-debate model's figures on the by-debate split's test part, through ``nlp``
    with that model and a combiner fitted, as fit_combiner fits the shipped one, on the
    by-debate dev part: the shipped combiner was fitted on the random split's dev,
    whose debates the by-debate test part holds. ``nlp`` serves the shipped ones again
    afterwards."""
    debate_rows = train.load_rows(data, "by-debate")
    debate_dev = train.scoring_rows(debate_rows, "dev")[:limit]
    debate_test = train.scoring_rows(debate_rows, "test")[:limit]
    debate_model = classifier.load_model(path)
    serve(nlp, path)
    with_model, rules_only = fit_combiner.fit_claim_weights(
        nlp, [row.text for row in debate_dev], train_labels(debate_dev)
    )
    weights = path / "combiner.json"
    fitted = {
        "note": "fitted by make bench-claims on the by-debate dev part, for the by-debate check",
        "with_model": with_model.coefficients,
        "rules_only": rules_only.coefficients,
        "dev": {"with_model": with_model.figures, "rules_only": rules_only.figures},
    }
    weights.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
    serve(nlp, path, weights)
    dev_scores = score(nlp, debate_dev)
    test_scores = score(nlp, debate_test)
    auc = train.roc_auc(
        sentence_scores(nlp, [row.text for row in debate_test]), train_labels(debate_test)
    )
    learned = model_figures(debate_model, debate_test, "test_by_debate")
    serve(nlp)
    say(
        f"  by-debate model {path.relative_to(ROOT)} (trained on by-debate train, "
        f"model threshold {debate_model.model_threshold:g} chosen on by-debate dev; not "
        f"shipped), combiner fitted on by-debate dev: threshold "
        f"{with_model.coefficients['threshold']:g}, out-of-fold dev F1 "
        f"{with_model.figures['f1_dev_out_of_fold']:.3f}"
    )
    say(line("by-debate split, dev (tuned)", dev_scores, len(debate_dev)))
    say(line("by-debate split, test", test_scores, len(debate_test)))
    say(f"  pipeline ROC-AUC on by-debate test (a sentence's best unit score): {auc:.3f}")
    say(model_line("by-debate test, model alone", learned, "test_by_debate"))
    return {
        "f1_by_debate": round(test_scores.f1, 4),
        **learned,
        "f1_dev_by_debate": round(dev_scores.f1, 4),
        "f1_test_by_debate": round(test_scores.f1, 4),
        "precision_test_by_debate": round(test_scores.precision, 4),
        "recall_test_by_debate": round(test_scores.recall, 4),
        "auc_test_by_debate": round(auc, 4),
        "test_by_debate": asdict(test_scores),
        "by_debate_model": str(path.relative_to(ROOT)),
        "by_debate_combiner": fitted,
    }


def load_feedback(database_url: str) -> list[tuple[str, FeedbackLabel]]:
    """(text, label) of every feedback row, oldest first."""
    from sqlalchemy import select

    from factdesk.db import session_scope
    from factdesk.models import ClaimFeedback

    with session_scope(database_url) as session:
        rows = session.execute(
            select(ClaimFeedback.text, ClaimFeedback.label).order_by(ClaimFeedback.id)
        ).all()
    return [(text, label) for text, label in rows]


def one_line(text: str) -> str:
    # `factdesk claims --sentences` reads one sentence per line: a text a person typed
    # over several lines is still one sentence.
    return " ".join(text.split())


def feedback_scores(
    nlp: Language, feedback: Sequence[tuple[str, FeedbackLabel]]
) -> tuple[train.Scores, int]:
    """P/R/F1 on the feedback (positive = "claim"), and how many texts the finder
    gets right."""
    from factdesk.models import FeedbackLabel
    from workers.nlp.sentences import score_sentences

    predicted = [
        scored.claim for scored in score_sentences(nlp, [one_line(text) for text, _ in feedback])
    ]
    gold = [int(label == FeedbackLabel.CLAIM) for _, label in feedback]
    right = sum(1 for guess, label in zip(predicted, gold, strict=True) if guess == bool(label))
    return train.prf(predicted, gold), right


def feedback_main(database_url: str, model: str) -> int:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    try:
        feedback = load_feedback(database_url)
    except SQLAlchemyError as error:
        where = make_url(database_url).render_as_string(hide_password=True)
        say(f"can't read claim_feedback from {where}: {str(error).splitlines()[0]}")
        say("(run `factdesk migrate` to create the table)")
        return 2
    if not feedback:
        say("no fact-checker feedback yet: the claim_feedback table is empty; nothing to score")
        return 0
    from workers.context import pipeline

    scores, right = feedback_scores(pipeline(model), feedback)
    say(f"Fact-checkers' feedback, {len(feedback)} sentences, positive = claim ({model}):")
    say(
        f"  P {scores.precision:.3f}  R {scores.recall:.3f}  F1 {scores.f1:.3f}"
        f"   ({scores.positives} claims people added, "
        f"{len(feedback) - scores.positives} tasks people dismissed)"
    )
    say(
        f"  finder: {scores.predicted} predicted claims, {scores.true_positives} of them right; "
        f"{right} of {len(feedback)} sentences judged as people did"
    )
    return 0


# -- the learned model's own figures, the seed article, spaCy's components -------------


def sentence_scores(nlp: Language, texts: Sequence[str]) -> list[float]:
    """Each text's score as the finder ranks it: its best unit's claim score (0 when
    every unit is filtered), for the pipeline's ROC-AUC."""
    return [
        max((float(span._.claim_score) for span in doc.spans["sentences"]), default=0.0)
        for doc in nlp.pipe(texts, batch_size=BATCH_SIZE)
    ]


def model_figures(
    model: classifier.ClaimModel, rows: Sequence[train.Row], prefix: str
) -> dict[str, float]:
    """The model alone on whole sentences, at its own dev threshold: P/R/F1 and AUC."""
    probabilities = model.text_probabilities([row.text for row in rows])
    gold = [row.label for row in rows]
    scores = train.prf([p >= model.model_threshold for p in probabilities], gold)
    return {
        f"model_f1_{prefix}": round(scores.f1, 4),
        f"model_precision_{prefix}": round(scores.precision, 4),
        f"model_recall_{prefix}": round(scores.recall, 4),
        f"model_auc_{prefix}": round(train.roc_auc(probabilities, gold), 4),
    }


def model_line(name: str, figures: dict[str, float], prefix: str) -> str:
    return (
        f"  {name:<28} P {figures[f'model_precision_{prefix}']:.3f}  "
        f"R {figures[f'model_recall_{prefix}']:.3f}  F1 {figures[f'model_f1_{prefix}']:.3f}  "
        f"AUC {figures[f'model_auc_{prefix}']:.3f}"
    )


SEED_RUNS = 7


def seed_article_ms(nlp: Language) -> tuple[float, float]:
    """Median milliseconds to find the seed article's claims, model loaded and warm:
    (wall clock, this process's CPU time). On a shared core the wall clock counts the
    other tenants' turns too; the CPU time is what the finder itself spends."""
    from workers.nlp import find_claims

    text = SEED_ARTICLE.read_text(encoding="utf-8")
    find_claims(nlp, text)
    wall, cpu = [], []
    for _ in range(SEED_RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        find_claims(nlp, text)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return sorted(wall)[len(wall) // 2], sorted(cpu)[len(cpu) // 2]


def spacy_component_speeds(model: str, texts: Sequence[str]) -> dict[str, float]:
    """Sentences/s of the bare spaCy model with its parser, its NER or both left out:
    what each costs, for deciding whether the finder should keep it."""
    variants: dict[str, list[str]] = {
        "all_components": [],
        "without_parser": ["parser"],
        "without_ner": ["ner"],
        "without_parser_and_ner": ["parser", "ner"],
    }
    pipelines = [spacy.load(model, exclude=excluded) for excluded in variants.values()]
    speeds = sentences_per_second(pipelines, texts)
    return {
        f"sentences_per_s_bare_{name}": round(speed, 1)
        for name, speed in zip(variants, speeds, strict=True)
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=train.DEFAULT_DATA)
    parser.add_argument("--limit", type=int, help="score at most N sentences per split part")
    parser.add_argument("--speed-sentences", type=int, default=SPEED_SENTENCES)
    parser.add_argument("--no-by-debate", action="store_true", help="skip the by-debate check")
    parser.add_argument("--retrain-by-debate", action="store_true")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--feedback", action="store_true", help="score on the claim_feedback table instead"
    )
    parser.add_argument("--database-url", help="with --feedback (default: the configured one)")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.feedback:
        return feedback_main(
            args.database_url or settings.resolved_database_url, settings.spacy_model
        )
    if args.database_url:
        parser.error("--database-url goes with --feedback")
    if not args.data.is_file():
        parser.error(f"no labelled data at {args.data} (it lives in ../shared/eval-data)")

    core = pin_to_one_core()
    rows = train.load_rows(args.data, "random")
    dev = train.scoring_rows(rows, "dev")[: args.limit]
    test = train.scoring_rows(rows, "test")[: args.limit]
    model = classifier.load_model()
    # What the workers run (workers.context.pipeline), built afresh: the by-debate check
    # below swaps its classifier.
    nlp = claim_pipeline(settings.spacy_model)
    say(f"claim pipeline: {' > '.join(nlp.pipe_names)}")
    say(
        f"classifier: {model.path.relative_to(ROOT)} (version {model.version}), "
        f"score = {model.weight:g} x probability + {1 - model.weight:g} x rule score, "
        f"claim iff score >= {model.threshold:g} or rule score >= {model.rule_floor:g}"
    )

    say("\nClaimBuster, positive = CFS, each sentence its own doc:")
    dev_scores = score(nlp, dev)
    say(line("random split, dev (tuned)", dev_scores, len(dev)))
    test_scores = score(nlp, test)
    say(line("random split, test", test_scores, len(test)))
    auc_test = train.roc_auc(sentence_scores(nlp, [row.text for row in test]), train_labels(test))
    say(f"  pipeline ROC-AUC on test (a sentence's best unit score): {auc_test:.3f}")
    say(f"model alone on whole sentences, threshold {model.model_threshold:g} (chosen on dev):")
    learned = {**model_figures(model, dev, "dev"), **model_figures(model, test, "test")}
    say(model_line("random split, dev (tuned)", learned, "dev"))
    say(model_line("random split, test", learned, "test"))

    # f1_by_debate is always in the JSON: a figure, or None with the reason beside it.
    by_debate: dict[str, Any] = {"f1_by_debate": None, "f1_by_debate_absent": "--no-by-debate"}
    if not args.no_by_debate:
        path, absent = by_debate_model(
            train.BY_DEBATE_DIR / f"claims-by-debate-{classifier.MODEL_VERSION}",
            args.data,
            args.retrain_by_debate,
        )
        by_debate["f1_by_debate_absent"] = absent
        if absent is not None:
            say(f"\nby-debate figures skipped: {absent}")
        if path is not None:
            by_debate = by_debate_figures(nlp, path, args.data, args.limit)

    main_claims = main_claim_figures(nlp)
    say("\nnews-main-claims dev, the annotated main claim among the finder's top k:")
    for k in (5, 15):
        say(
            f"  recall@{k} {main_claims[f'main_claim_recall_at{k}']:.3f}"
            f"   (first {k} sentences: {main_claims[f'main_claim_first_{k}_sentences']:.3f})"
        )

    texts = [row.text for row in train.scoring_rows(rows, "dev") + train.scoring_rows(rows, "test")]
    texts = texts[: args.speed_sentences]
    say(f"\nSpeed on core {core}, {len(texts)} sentences, nlp.pipe(batch_size={BATCH_SIZE}):")
    rules_nlp = build_pipeline(settings.spacy_model)
    bare = spacy.load(settings.spacy_model)
    full_speed, rules_speed, bare_speed = sentences_per_second([nlp, rules_nlp, bare], texts)
    ratio = bare_speed / full_speed
    say(f"  whole claim pipeline   {full_speed:8.1f} sentences/s")
    say(f"  without the classifier {rules_speed:8.1f} sentences/s")
    bare_pipes = ", ".join(bare.pipe_names)
    say(f"  bare {settings.spacy_model} {bare_speed:8.1f} sentences/s ({bare_pipes})")
    say(f"  time ratio, whole pipeline / bare: {ratio:.2f}x")
    trimmed = spacy_component_speeds(settings.spacy_model, texts)
    for name, speed in trimmed.items():
        say(f"  {name.removeprefix('sentences_per_s_'):<30} {speed:8.1f} sentences/s")
    seed_ms, seed_cpu_ms = seed_article_ms(nlp)
    seed_load = os.getloadavg()[0]
    say(
        f"  seed article ({SEED_ARTICLE.name}), model loaded: {seed_ms:.0f} ms (median; "
        f"{seed_cpu_ms:.0f} ms of CPU time; load average {seed_load:.2f})"
    )
    rss = peak_rss_mb()
    worker_rss = worker_rss_mb(settings.spacy_model)
    say(f"\npeak RSS {rss:.0f} MB in this process (three pipelines and two classifiers loaded)")
    if worker_rss is not None:
        say(
            f"peak RSS {worker_rss:.0f} MB in a worker-like process (the workers' pipeline, "
            "the seed article and a text 20 times its length)"
        )

    result: dict[str, Any] = {
        "f1_dev": round(dev_scores.f1, 4),
        "f1_test": round(test_scores.f1, 4),
        "precision_test": round(test_scores.precision, 4),
        "recall_test": round(test_scores.recall, 4),
        "auc_test": round(auc_test, 4),
        **learned,
        "sentences_per_s": round(full_speed, 1),
        "ratio_vs_bare": round(ratio, 3),
        "ms_seed_article": round(seed_ms, 1),
        "ms_seed_article_cpu": round(seed_cpu_ms, 1),
        "load_average_at_seed_article": round(seed_load, 2),
        **trimmed,
        # The worker's figure when the probe ran, this process's otherwise.
        "rss_mb": round(worker_rss if worker_rss is not None else rss, 1),
        "rss_mb_bench_process": round(rss, 1),
        **by_debate,
        **main_claims,
        "precision_dev": round(dev_scores.precision, 4),
        "recall_dev": round(dev_scores.recall, 4),
        "dev": asdict(dev_scores),
        "test": asdict(test_scores),
        "sentences_per_s_without_classifier": round(rules_speed, 1),
        "sentences_per_s_bare": round(bare_speed, 1),
        "speed_sentences": len(texts),
        "limit": args.limit,
        "model_version": model.version,
        "threshold": model.threshold,
        "weight": model.weight,
        "rule_floor": model.rule_floor,
        "pipeline": nlp.pipe_names,
        "machine": {"python": platform.python_version(), "core": core, "cpus": os.cpu_count()},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
