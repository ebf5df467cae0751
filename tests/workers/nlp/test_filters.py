from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.language import Language
from spacy.tokens import Doc, Span

from tests.workers.nlp.helpers import make_blank_pipeline, parsed_doc
from workers.nlp.claim_scorer import ClaimScorer, claim_reasons, claim_score, is_filtered
from workers.nlp.filters import (
    HEDGED,
    KINDS,
    NON_ANSWER,
    OPINION,
    PREDICTION,
    QUESTION,
    ClaimFilters,
    judge_unit,
    signal_kind,
)
from workers.nlp.segments import quoted_mask

Units = Callable[[str], list[Span]]
Row = tuple[str, str, str, int, str, str]


@pytest.fixture(scope="module")
def rules_units_of() -> Units:
    """Units scored by the rules and marked by the filters, without the combiner."""
    nlp = make_blank_pipeline(with_combiner=False)

    def units(text: str) -> list[Span]:
        doc = nlp(text)  # held while the spans are copied (see conftest.units_of)
        return list(doc.spans["sentences"])

    return units


def only_unit(units_of: Units, text: str) -> Span:
    (unit,) = units_of(text)
    return unit


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Did Russia send 2,500 troops to Ukraine on Monday?", QUESTION),
        ("“Did Russia send 2,500 troops to Ukraine on Monday?”", QUESTION),
        ("“Did Russia send 2,500 troops?” he asked reporters in Italy.", QUESTION),
        ("I think Russia sent 2,500 troops to Ukraine on Monday.", "opinion: 'think'"),
        (
            "According to Austin, the need for 2,500 troops sounds like a sign of desperation.",
            "opinion: 'sounds'",
        ),
        (
            "“I wouldn\u2019t say they ran out of 2,500 troops,” the Ukrainian leader said.",
            "opinion: 'say'",
        ),
        ("Russia will send 2,500 troops to Ukraine on Monday.", "prediction: 'will'"),
        (
            "Russia is expected to send 2,500 troops to Ukraine on Monday.",
            "prediction: 'expected'",
        ),
        (
            "Some analysts believe the Kremlin will send 30,000 troops next year.",
            "prediction: 'will'",
        ),
        ("Russia may send 2,500 troops to Ukraine on Monday.", "hedged: 'may'"),
        ("Its plan, experts say, may be to send 2,500 troops to Ukraine.", "hedged: 'may'"),
        ("Russia possibly sent 2,500 troops to Ukraine on Monday.", "hedged: 'possibly'"),
        (
            "It remains to be seen whether Russia sent 2,500 troops.",
            "hedged: 'remains to be seen'",
        ),
    ],
)
def test_what_is_not_a_plain_statement_is_marked_never_vetoed(
    rules_units_of: Units, text: str, reason: str
) -> None:
    unit = only_unit(rules_units_of, text)

    # The mark is a reason an editor reads, with the word that makes it one; the
    # figure's weight stays in the score and the unit stays a candidate.
    assert claim_reasons(unit)[-1] == reason
    assert claim_reasons(unit)[0] == "a figure"
    assert claim_score(unit) > 0.0
    assert not is_filtered(unit)
    assert signal_kind(reason) in KINDS


@pytest.mark.parametrize(
    "text",
    [
        "American officials said they estimate 2,500 North Korean troops have been dispatched.",
        # The source's own announced plan: that it said so, that day, is on record.
        "Seoul said on Tuesday it would consider providing weapons to Ukraine.",
        # One checkable clause is enough.
        "Russia sent 2,500 troops on Monday, and analysts say more may follow.",
        "Russia counted 2,500 soldiers at the border in May 2024.",
        # Past inability is a fact.
        "Russia could not produce records for 2,500 of the soldiers on Monday.",
        "Russia said on Monday it will send 2,500 more troops to the border.",
    ],
)
def test_checkable_statements_stay_claims(units_of: Units, text: str) -> None:
    unit = only_unit(units_of, text)

    assert not is_filtered(unit)
    assert unit in list(unit.doc.spans["claims"])


def test_a_quote_over_several_sentences_is_marked_only_if_all_of_it_is(units_of: Units) -> None:
    hedged = only_unit(
        units_of,
        "“What exactly are they doing? It remains to be seen,” the secretary told "
        "reporters at a military base in Italy after a trip to Ukraine.",
    )
    mixed = only_unit(
        units_of,
        "“Russia sent 2,500 troops to the border on Monday. More may follow,” said Victor Cha.",
    )

    assert claim_reasons(hedged)[-2:] == [QUESTION, "hedged: 'remains to be seen'"]
    assert not any(signal_kind(reason) for reason in claim_reasons(mixed))
    assert claim_score(mixed) > 0.5


def test_units_the_scorer_dropped_are_left_alone(units_of: Units) -> None:
    unit = only_unit(units_of, "What now?")

    assert claim_reasons(unit) == ["filtered: too short"]


def test_filters_keep_the_signals_found(units_of: Units) -> None:
    unit = only_unit(units_of, "Russia will send 2,500 troops to Ukraine on Monday.")

    assert claim_reasons(unit) == ["a figure", "a date", "prediction: 'will'"]


# With a parse (built by hand here), the filters judge the clause heads.


def judged(blank_nlp: Language, rows: list[Row]) -> list[str]:
    doc = parsed_doc(blank_nlp, rows)
    return judge_unit(doc[:], quoted_mask(doc), parsed=True)


SEOUL_PLAN: list[Row] = [
    ("Seoul", "NNP", "PROPN", 1, "nsubj", "B-GPE"),
    ("said", "VBD", "VERB", 1, "ROOT", "O"),
    ("on", "IN", "ADP", 1, "prep", "O"),
    ("Tuesday", "NNP", "PROPN", 2, "pobj", "B-DATE"),
    ("it", "PRP", "PRON", 6, "nsubj", "O"),
    ("would", "MD", "AUX", 6, "aux", "O"),
    ("consider", "VB", "VERB", 1, "ccomp", "O"),
    ("providing", "VBG", "VERB", 6, "xcomp", "O"),
    ("weapons", "NNS", "NOUN", 7, "dobj", "O"),
    (".", ".", "PUNCT", 1, "punct", "O"),
]


def test_parsed_announced_plan_is_kept_but_a_forecast_is_not(blank_nlp: Language) -> None:
    someone_else = [
        ("Seoul", "NNP", "PROPN", 1, "nsubj", "B-GPE"),
        ("said", "VBD", "VERB", 1, "ROOT", "O"),
        ("Russia", "NNP", "PROPN", 4, "nsubj", "B-GPE"),
        ("would", "MD", "AUX", 4, "aux", "O"),
        ("send", "VB", "VERB", 1, "ccomp", "O"),
        ("troops", "NNS", "NOUN", 4, "dobj", "O"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]
    belief = [
        ("Analysts", "NNS", "NOUN", 1, "nsubj", "O"),
        ("believe", "VBP", "VERB", 1, "ROOT", "O"),
        ("the", "DT", "DET", 3, "det", "O"),
        ("Kremlin", "NNP", "PROPN", 5, "nsubj", "B-ORG"),
        ("would", "MD", "AUX", 5, "aux", "O"),
        ("struggle", "VB", "VERB", 1, "ccomp", "O"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]

    assert judged(blank_nlp, SEOUL_PLAN) == []
    will = [
        ("will" if word == "would" else word, tag, pos, head, dep, ent)
        for word, tag, pos, head, dep, ent in SEOUL_PLAN
    ]
    assert judged(blank_nlp, will) == []
    assert judged(blank_nlp, someone_else) == [PREDICTION]
    assert judged(blank_nlp, belief) == [PREDICTION]


def test_parsed_could_of_past_inability_is_not_a_hedge(blank_nlp: Language) -> None:
    negated = [
        ("The", "DT", "DET", 1, "det", "O"),
        ("county", "NN", "NOUN", 4, "nsubj", "O"),
        ("could", "MD", "AUX", 4, "aux", "O"),
        ("not", "RB", "PART", 4, "neg", "O"),
        ("produce", "VB", "VERB", 4, "ROOT", "O"),
        ("records", "NNS", "NOUN", 4, "dobj", "O"),
        (".", ".", "PUNCT", 4, "punct", "O"),
    ]
    possible = [
        ("Russia", "NNP", "PROPN", 2, "nsubj", "B-GPE"),
        ("could", "MD", "AUX", 2, "aux", "O"),
        ("reward", "VB", "VERB", 2, "ROOT", "O"),
        ("Pyongyang", "NNP", "PROPN", 2, "dobj", "B-GPE"),
        (".", ".", "PUNCT", 2, "punct", "O"),
    ]

    assert judged(blank_nlp, negated) == []
    assert judged(blank_nlp, possible) == [HEDGED]


def test_parsed_reported_estimate_is_judged_on_what_is_reported(blank_nlp: Language) -> None:
    estimate = [
        ("Officials", "NNS", "NOUN", 1, "nsubj", "O"),
        ("estimate", "VBP", "VERB", 1, "ROOT", "O"),
        ("2,500", "CD", "NUM", 3, "nummod", "B-CARDINAL"),
        ("troops", "NNS", "NOUN", 6, "nsubjpass", "O"),
        ("have", "VBP", "AUX", 6, "aux", "O"),
        ("been", "VBN", "AUX", 6, "auxpass", "O"),
        ("dispatched", "VBN", "VERB", 1, "ccomp", "O"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]
    hedged_source = [
        ("Kim", "NNP", "PROPN", 2, "nsubj", "B-PERSON"),
        ("may", "MD", "AUX", 2, "aux", "O"),
        ("believe", "VB", "VERB", 2, "ROOT", "O"),
        ("Putin", "NNP", "PROPN", 4, "nsubj", "B-PERSON"),
        ("pays", "VBZ", "VERB", 2, "ccomp", "O"),
        (".", ".", "PUNCT", 2, "punct", "O"),
    ]

    assert judged(blank_nlp, estimate) == []
    assert judged(blank_nlp, hedged_source) == [HEDGED]


def test_parsed_hedges_in_side_clauses_do_not_count(blank_nlp: Language) -> None:
    relative = [
        ("Russia", "NNP", "PROPN", 1, "nsubj", "B-GPE"),
        ("sent", "VBD", "VERB", 1, "ROOT", "O"),
        ("troops", "NNS", "NOUN", 1, "dobj", "O"),
        ("that", "WDT", "PRON", 5, "nsubj", "O"),
        ("could", "MD", "AUX", 5, "aux", "O"),
        ("reach", "VB", "VERB", 2, "relcl", "O"),
        ("Kursk", "NNP", "PROPN", 5, "dobj", "B-GPE"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]
    coordinated = [
        ("Russia", "NNP", "PROPN", 1, "nsubj", "B-GPE"),
        ("sent", "VBD", "VERB", 1, "ROOT", "O"),
        ("troops", "NNS", "NOUN", 1, "dobj", "O"),
        (",", ",", "PUNCT", 1, "punct", "O"),
        ("and", "CC", "CCONJ", 1, "cc", "O"),
        ("more", "JJR", "ADJ", 7, "nsubj", "O"),
        ("may", "MD", "AUX", 7, "aux", "O"),
        ("follow", "VB", "VERB", 1, "conj", "O"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]
    all_hedged = [
        ("Russia", "NNP", "PROPN", 2, "nsubj", "B-GPE"),
        ("will", "MD", "AUX", 2, "aux", "O"),
        ("send", "VB", "VERB", 2, "ROOT", "O"),
        ("troops", "NNS", "NOUN", 2, "dobj", "O"),
        ("and", "CC", "CCONJ", 2, "cc", "O"),
        ("Kim", "NNP", "PROPN", 7, "nsubj", "B-PERSON"),
        ("will", "MD", "AUX", 7, "aux", "O"),
        ("pay", "VB", "VERB", 2, "conj", "O"),
        (".", ".", "PUNCT", 2, "punct", "O"),
    ]

    assert judged(blank_nlp, relative) == []
    assert judged(blank_nlp, coordinated) == []
    assert judged(blank_nlp, all_hedged) == [PREDICTION]


def test_parsed_value_judgements_are_opinions_unless_anchored(blank_nlp: Language) -> None:
    escalation = [
        ("Austin", "NNP", "PROPN", 1, "nsubj", "B-PERSON"),
        ("called", "VBD", "VERB", 1, "ROOT", "O"),
        ("it", "PRP", "PRON", 1, "dobj", "O"),
        ("a", "DT", "DET", 6, "det", "O"),
        ("very", "RB", "ADV", 5, "advmod", "O"),
        ("serious", "JJ", "ADJ", 6, "amod", "O"),
        ("escalation", "NN", "NOUN", 1, "oprd", "O"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]
    supplier = [
        ("China", "NNP", "PROPN", 1, "nsubj", "B-GPE"),
        ("remains", "VBZ", "VERB", 1, "ROOT", "O"),
        ("Pyongyang", "NNP", "PROPN", 5, "poss", "B-GPE"),
        ("\u2019s", "POS", "PART", 2, "case", "O"),
        ("true", "JJ", "ADJ", 5, "amod", "O"),
        ("supplier", "NN", "NOUN", 1, "attr", "O"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]
    impression = [
        ("The", "DT", "DET", 1, "det", "O"),
        ("need", "NN", "NOUN", 2, "nsubj", "O"),
        ("sounds", "VBZ", "VERB", 2, "ROOT", "O"),
        ("like", "IN", "ADP", 2, "prep", "O"),
        ("panic", "NN", "NOUN", 3, "pobj", "O"),
        (".", ".", "PUNCT", 2, "punct", "O"),
    ]
    conditional = [
        ("We", "PRP", "PRON", 1, "nsubj", "O"),
        ("are", "VBP", "AUX", 1, "ROOT", "O"),
        ("in", "IN", "ADP", 1, "prep", "O"),
        ("a", "DT", "DET", 4, "det", "O"),
        ("new", "JJ", "ADJ", 4, "amod", "O"),
        ("era", "NN", "NOUN", 2, "pobj", "O"),
        ("if", "IN", "SCONJ", 9, "mark", "O"),
        ("soldiers", "NNS", "NOUN", 9, "nsubj", "O"),
        ("are", "VBP", "AUX", 9, "aux", "O"),
        ("dying", "VBG", "VERB", 1, "advcl", "O"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]

    assert judged(blank_nlp, escalation) == [OPINION]
    assert judged(blank_nlp, supplier) == []
    assert judged(blank_nlp, impression) == [OPINION]
    assert judged(blank_nlp, conditional) == [HEDGED]


def test_component_marks_but_keeps_units_of_a_parsed_doc(blank_nlp: Language) -> None:
    doc: Doc = parsed_doc(
        blank_nlp,
        [
            ("Putin", "NNP", "PROPN", 2, "nsubj", "B-PERSON"),
            ("will", "MD", "AUX", 2, "aux", "O"),
            ("send", "VB", "VERB", 2, "ROOT", "O"),
            ("2,500", "CD", "NUM", 4, "nummod", "B-CARDINAL"),
            ("troops", "NNS", "NOUN", 2, "dobj", "O"),
            ("on", "IN", "ADP", 2, "prep", "O"),
            ("Monday", "NNP", "PROPN", 5, "pobj", "B-DATE"),
            (".", ".", "PUNCT", 2, "punct", "O"),
        ],
    )
    ClaimScorer()(doc)
    assert len(doc.spans["claims"]) == 1

    ClaimFilters()(doc)

    (unit,) = doc.spans["sentences"]
    assert list(doc.spans["claims"]) == [unit]
    assert claim_score(unit) == 0.6
    assert claim_reasons(unit) == ["a figure", "a date", "prediction: 'will'"]


def test_parsed_non_answers_are_not_claims(blank_nlp: Language) -> None:
    no_details = [
        ("He", "PRP", "PRON", 3, "nsubj", "O"),
        ("did", "VBD", "AUX", 3, "aux", "O"),
        ("not", "RB", "PART", 3, "neg", "O"),
        ("give", "VB", "VERB", 3, "ROOT", "O"),
        ("details", "NNS", "NOUN", 3, "dobj", "O"),
        ("on", "IN", "ADP", 4, "prep", "O"),
        ("the", "DT", "DET", 7, "det", "O"),
        ("troops", "NNS", "NOUN", 5, "pobj", "O"),
        (".", ".", "PUNCT", 3, "punct", "O"),
    ]
    no_estimate = [
        ("They", "PRP", "PRON", 1, "nsubj", "O"),
        ("made", "VBD", "VERB", 1, "ROOT", "O"),
        ("no", "DT", "DET", 3, "det", "O"),
        ("estimate", "NN", "NOUN", 1, "dobj", "O"),
        (",", ",", "PUNCT", 1, "punct", "O"),
        # The parser's mistake on the seed article: a later clause hung off "made".
        ("recruits", "NNS", "NOUN", 6, "nsubj", "O"),
        ("fought", "VBD", "VERB", 1, "conj", "O"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]
    declined = [
        ("The", "DT", "DET", 1, "det", "O"),
        ("Kremlin", "NNP", "PROPN", 2, "nsubj", "B-ORG"),
        ("declined", "VBD", "VERB", 2, "ROOT", "O"),
        ("to", "TO", "PART", 4, "aux", "O"),
        ("comment", "VB", "VERB", 2, "xcomp", "O"),
        (".", ".", "PUNCT", 2, "punct", "O"),
    ]
    no_evidence = [
        ("He", "PRP", "PRON", 2, "nsubj", "O"),
        ("had", "VBD", "AUX", 2, "aux", "O"),
        ("seen", "VBN", "VERB", 2, "ROOT", "O"),
        ("no", "DT", "DET", 4, "det", "O"),
        ("evidence", "NN", "NOUN", 2, "dobj", "O"),
        (".", ".", "PUNCT", 2, "punct", "O"),
    ]
    details_given = [
        ("Russia", "NNP", "PROPN", 1, "nsubj", "B-GPE"),
        ("gave", "VBD", "VERB", 1, "ROOT", "O"),
        ("details", "NNS", "NOUN", 1, "dobj", "O"),
        (".", ".", "PUNCT", 1, "punct", "O"),
    ]
    with_a_figure = [(w, t, p, h, d, e) for w, t, p, h, d, e in no_estimate]
    with_a_figure[5] = ("2,500", "CD", "NUM", 6, "nsubj", "B-CARDINAL")

    for rows in (no_details, no_estimate, declined):
        assert judged(blank_nlp, rows) == [NON_ANSWER]
    for rows in (no_evidence, details_given, with_a_figure):
        assert judged(blank_nlp, rows) == []
