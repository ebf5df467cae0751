"""Does the finder put each article's main claim near the top?

news-main-claims (``../shared/eval-data/news-main-claims``, iNoBo dev split, 101 health
and science articles): recall@k is the share of articles where one of the finder's
top k claims covers at least half of the annotated main claim's word tokens
(``eval_data.covers``, as the set's SOURCE.txt defines it). Beside it, the
yardstick: the first k sentences of the text (the pipeline's sentence units).

``python -m benchmarks.main_claims`` prints the figures; ``benchmarks.claims`` adds
them to ``var/bench-claims.json``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from spacy.language import Language

from workers.nlp import find_claims
from workers.nlp.claim_scorer import SENTENCES_KEY
from workers.nlp.training.eval_data import eval_data_dir, main_claim_articles, recall_at

RECALL_AT = (5, 15)


def main_claim_figures(
    nlp: Language, articles: Sequence[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """main_claim_recall_at5/15 and the first-k-sentences yardstick beside them."""
    if articles is None:
        articles = main_claim_articles(eval_data_dir())
    texts = [text for text, _ in articles]
    main_claims = [claim for _, claim in articles]
    ranked = [
        [claim.text for claim in sorted(find_claims(nlp, text), key=lambda c: c.rank)]
        for text in texts
    ]
    firsts = [[unit.text for unit in doc.spans[SENTENCES_KEY]] for doc in nlp.pipe(texts)]
    figures: dict[str, Any] = {}
    for k in RECALL_AT:
        figures[f"main_claim_recall_at{k}"] = round(recall_at(ranked, main_claims, k), 4)
        figures[f"main_claim_first_{k}_sentences"] = round(recall_at(firsts, main_claims, k), 4)
    figures["main_claim_articles"] = len(articles)
    return figures


def main() -> int:
    from factdesk.settings import Settings
    from workers.nlp.finder import claim_pipeline

    figures = main_claim_figures(claim_pipeline(Settings().spacy_model))
    for name, value in figures.items():
        print(f"{name:<36} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
