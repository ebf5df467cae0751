"""Fixtures for the claim-finder unit tests (blank pipelines, see helpers.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.language import Language
from spacy.tokens import Span

from tests.workers.nlp.helpers import make_blank_pipeline


@pytest.fixture(scope="session")
def blank_nlp() -> Language:
    return make_blank_pipeline()


@pytest.fixture(scope="session")
def units_of(blank_nlp: Language) -> Callable[[str], list[Span]]:
    """Every sentence unit of a text, as scored by the blank pipeline."""

    def units(text: str) -> list[Span]:
        # Spans keep their doc alive, a SpanGroup does not: hold the doc while copying.
        doc = blank_nlp(text)
        return list(doc.spans["sentences"])

    return units
