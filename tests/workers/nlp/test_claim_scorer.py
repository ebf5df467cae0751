from __future__ import annotations

from collections.abc import Callable

import pytest
from spacy.language import Language
from spacy.tokens import Doc, Span

from tests.workers.nlp.helpers import make_blank_pipeline, parsed_doc, run_with_ents
from workers.nlp.claim_scorer import (
    ATTRIBUTION,
    CAUSAL,
    COMPARISON,
    DATED_EVENT,
    DESCRIPTION,
    ENTITY_WITH_VERB,
    FILTERED_BOILERPLATE,
    FILTERED_TOO_LONG,
    FILTERED_TOO_SHORT,
    FINDING,
    NUMBER,
    WEIGHTS,
    ClaimScorer,
    claim_reasons,
    claim_score,
    is_filtered,
)

Units = Callable[[str], list[Span]]


# The scorer's own scores, reasons and claims: without the combiner, which would
# rescore them all and name the speaker in "attributed to …".
@pytest.fixture(scope="module")
def blank_nlp() -> Language:
    return make_blank_pipeline(with_combiner=False)


@pytest.fixture(scope="module")
def units_of(blank_nlp: Language) -> Units:
    def units(text: str) -> list[Span]:
        # Spans keep their doc alive, a SpanGroup does not: hold the doc while copying.
        doc = blank_nlp(text)
        return list(doc.spans["sentences"])

    return units


def only_unit(units_of: Units, text: str) -> Span:
    (unit,) = units_of(text)
    return unit


def test_reason_strings_are_the_ones_slack_shows() -> None:
    assert set(WEIGHTS) == {
        "a figure",
        "names who did what",
        "attributed",
        "a date",
        "a comparison",
        "a cause",
        "says what something is",
        "reports a finding",
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("The ministry counted 2,500 soldiers at the border crossing.", NUMBER),
        ("Turnout rose to 61 percent in the northern districts.", NUMBER),
        ("The army lost twelve tanks near the border crossing.", NUMBER),
        ("Russia sent troops to the border crossing near the river.", ENTITY_WITH_VERB),
        ("Officials said the border was closed to all traffic.", ATTRIBUTION),
        ("According to Reuters, the border was closed to all traffic.", ATTRIBUTION),
        ("The crossing near the river was closed to all traffic, said Victor Cha.", ATTRIBUTION),
        ("The border crossing near the river was closed on Monday.", DATED_EVENT),
        ("Prices rose more than expected in the capital city.", COMPARISON),
        ("It was the largest protest the capital has ever seen.", COMPARISON),
        ("For the first time the rebels entered the capital city.", COMPARISON),
        ("The bridge collapsed because the river flooded the town.", CAUSAL),
        ("The town flooded due to the heavy rain in the hills.", CAUSAL),
        ("Heavy rain in the hills led to floods in the town below.", CAUSAL),
        ("Russia remains the main trading partner of the region.", DESCRIPTION),
        ("Moscow is Seoul's largest buyer of grain and oil.", DESCRIPTION),
    ],
)
def test_each_signal_gives_its_reason(units_of: Units, text: str, reason: str) -> None:
    assert reason in claim_reasons(only_unit(units_of, text))


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # A year is a date, not a statistic.
        ("The border crossing near the river was closed last year.", NUMBER),
        # "one" is usually a pronoun.
        ("One of the mysteries is what the rebels want in return.", NUMBER),
        # Ordinals rank or enumerate, they count nothing.
        ("First, let me say that the rebels entered the capital.", NUMBER),
        ("The senator put his party second and the country third.", NUMBER),
        ("Secondly, the 3rd regiment crossed the border near Seoul.", NUMBER),
        # An entity without a verb, and a verb under a modal, do not assert anything.
        ("The long road from Moscow to the sea near Seoul.", ENTITY_WITH_VERB),
        ("Russia would have sent troops to Ukraine next year.", ENTITY_WITH_VERB),
        # A reporting verb with nobody doing the reporting.
        ("Said to be closed, the border crossing stayed quiet all week.", ATTRIBUTION),
        ("The border crossing near the river was closed to all traffic.", CAUSAL),
        # A copula with no entity, or with nothing to look up after it.
        ("The bridge is the main crossing point for the town.", DESCRIPTION),
        ("For Putin, the war in Ukraine was a way out of isolation.", DESCRIPTION),
    ],
)
def test_signals_are_not_found_where_absent(units_of: Units, text: str, absent: str) -> None:
    assert absent not in claim_reasons(only_unit(units_of, text))


def test_entities_set_by_hand_are_used(blank_nlp: Language) -> None:
    text = "Lloyd Austin confirmed on Wednesday that Pyongyang sent troops to Russia."
    doc = run_with_ents(
        blank_nlp,
        text,
        [("Lloyd Austin", "PERSON"), ("Wednesday", "DATE"), ("Pyongyang", "GPE")],
    )

    (unit,) = doc.spans["claims"]
    assert claim_reasons(unit) == [ENTITY_WITH_VERB, ATTRIBUTION, DATED_EVENT, FINDING]
    assert claim_score(unit) == 0.7
    assert unit._.claim_score == 0.7


def test_score_is_the_capped_sum_of_the_weights(units_of: Units) -> None:
    unit = only_unit(
        units_of,
        "American officials said on Monday that Russia sent more than 2,500 troops "
        "because the front collapsed.",
    )

    assert claim_reasons(unit) == [
        NUMBER,
        ENTITY_WITH_VERB,
        ATTRIBUTION,
        DATED_EVENT,
        COMPARISON,
        CAUSAL,
    ]
    assert claim_score(unit) == 1.0


def test_claims_are_the_units_at_or_above_threshold(blank_nlp: Language) -> None:
    doc = blank_nlp(
        "Russia sent 2,500 troops to Ukraine on Monday.\n"
        "Officials said the border was closed to all traffic.\n"
        "According to Reuters, the border was closed to all traffic."
    )

    scores = [claim_score(unit) for unit in doc.spans["sentences"]]
    assert scores == [0.9, 0.2, 0.5]
    assert [unit.text for unit in doc.spans["claims"]] == [
        "Russia sent 2,500 troops to Ukraine on Monday.",
        "According to Reuters, the border was closed to all traffic.",
    ]


def test_threshold_is_configurable() -> None:
    strict = make_blank_pipeline(with_combiner=False, scorer_config={"threshold": 0.95})

    doc = strict("Russia sent 2,500 troops to Ukraine on Monday.")

    assert claim_score(doc.spans["sentences"][0]) == 0.9
    assert list(doc.spans["claims"]) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Russia sent troops.", FILTERED_TOO_SHORT),
        ("Published on Monday, October 23, 2024 at 11:00 pm", FILTERED_BOILERPLATE),
        ("Read more: Russia sent 2,500 troops to Ukraine on Monday", FILTERED_BOILERPLATE),
    ],
)
def test_filters_zero_the_score_and_say_why(units_of: Units, text: str, reason: str) -> None:
    unit = only_unit(units_of, text)

    assert claim_score(unit) == 0.0
    assert claim_reasons(unit)[-1] == reason
    assert is_filtered(unit)
    assert unit not in list(unit.doc.spans["claims"])


@pytest.mark.parametrize("text", ["A jury found them guilty.", "Your premiums are going up."])
def test_a_four_word_sentence_is_judged_not_vetoed(units_of: Units, text: str) -> None:
    assert not is_filtered(only_unit(units_of, text))


@pytest.mark.parametrize("text", ["The inspectors who left", "What the study found"])
def test_a_short_line_without_a_final_stop_is_a_heading(units_of: Units, text: str) -> None:
    unit = only_unit(units_of, text)

    assert claim_reasons(unit)[-1] == FILTERED_TOO_SHORT


def test_the_scorer_alone_leaves_questions_to_the_filters(blank_nlp: Language) -> None:
    doc = blank_nlp.make_doc("Did Russia send 2,500 troops to Ukraine on Monday?")
    doc = blank_nlp.get_pipe("sentencizer")(doc)
    doc = blank_nlp.get_pipe("entity_ruler")(doc)

    ClaimScorer()(doc)

    assert [unit.text for unit in doc.spans["claims"]] == [doc.text]


def test_too_long_sentences_are_filtered() -> None:
    nlp = make_blank_pipeline(scorer_config={"max_tokens": 10})
    doc = nlp("Russia sent 2,500 troops to Ukraine on Monday and 300 more tanks on Tuesday.")

    unit = doc.spans["sentences"][0]
    assert claim_score(unit) == 0.0
    assert claim_reasons(unit)[-1] == FILTERED_TOO_LONG


def test_opinion_quotes_do_not_pass(blank_nlp: Language) -> None:
    doc = blank_nlp(
        "“What exactly are they doing? It remains to be seen,” the secretary told "
        "reporters at a military base in Italy after a trip to Ukraine."
    )

    assert list(doc.spans["claims"]) == []
    # One unit for the whole quotation; the frame around it (who spoke, where) is
    # not what would be checked. The filters mark it; nothing zeroes it.
    (unit,) = doc.spans["sentences"]
    assert claim_reasons(unit) == [ATTRIBUTION, "a question", "hedged: 'remains to be seen'"]
    assert claim_score(unit) == 0.2


def test_a_quote_framed_by_a_quote_only_verb_is_attributed(units_of: Units) -> None:
    quote = only_unit(units_of, "“Russia sent 2,500 troops to the border,” he continued, smiling.")
    prose = only_unit(units_of, "Russia continued its offensive near the border crossing.")

    assert ATTRIBUTION in claim_reasons(quote)
    assert ATTRIBUTION not in claim_reasons(prose)


def test_a_quoted_claim_is_scored_on_what_was_said(blank_nlp: Language) -> None:
    doc = blank_nlp("“Russia has sent 2,500 troops,” the secretary told reporters.")

    (claim,) = doc.spans["claims"]
    assert claim_reasons(claim) == [NUMBER, ENTITY_WITH_VERB, ATTRIBUTION]


def test_scare_quotes_keep_the_whole_sentence(blank_nlp: Language) -> None:
    doc = blank_nlp("Russia called it a “special operation” and sent 2,500 troops to the front.")

    (claim,) = doc.spans["claims"]
    assert NUMBER in claim_reasons(claim)


def test_every_unit_is_kept_for_debugging(blank_nlp: Language) -> None:
    doc = blank_nlp("[ad_1]\nWhat now?\nRussia sent 2,500 troops to Ukraine on Monday.")

    assert [unit.text for unit in doc.spans["sentences"]] == [
        "[ad_1]",
        "What now?",
        "Russia sent 2,500 troops to Ukraine on Monday.",
    ]


@pytest.mark.parametrize(
    "config",
    [
        {"threshold": 1.5},
        {"threshold": -0.1},
        {"min_tokens": 0},
        {"min_tokens": 9, "max_tokens": 8},
    ],
)
def test_bad_config_is_refused(config: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"threshold|min_tokens"):
        make_blank_pipeline(scorer_config=config)


# With a tagger and parser (built by hand here), the rules use tags and the parse.


def scored_reasons(doc: Doc) -> list[str]:
    ClaimScorer()(doc)
    return claim_reasons(doc.spans["sentences"][0])


def test_parsed_finite_verb_under_a_modal_is_not_factual(blank_nlp: Language) -> None:
    hedged = parsed_doc(
        blank_nlp,
        [
            ("Kim", "NNP", "PROPN", 2, "nsubj", "B-PERSON"),
            ("may", "MD", "AUX", 2, "aux", "O"),
            ("believe", "VB", "VERB", 2, "ROOT", "O"),
            ("Putin", "NNP", "PROPN", 4, "nsubj", "B-PERSON"),
            ("wants", "VBZ", "VERB", 2, "ccomp", "O"),
            ("troops", "NNS", "NOUN", 4, "dobj", "O"),
            (".", ".", "PUNCT", 2, "punct", "O"),
        ],
    )
    plain = parsed_doc(
        blank_nlp,
        [
            ("Kim", "NNP", "PROPN", 1, "nsubj", "B-PERSON"),
            ("believes", "VBZ", "VERB", 1, "ROOT", "O"),
            ("Putin", "NNP", "PROPN", 3, "nsubj", "B-PERSON"),
            ("wants", "VBZ", "VERB", 1, "ccomp", "O"),
            ("troops", "NNS", "NOUN", 3, "dobj", "O"),
            (".", ".", "PUNCT", 1, "punct", "O"),
        ],
    )

    assert ENTITY_WITH_VERB not in scored_reasons(hedged)
    assert ENTITY_WITH_VERB in scored_reasons(plain)


def test_parsed_attribution_needs_a_verb_with_a_subject(blank_nlp: Language) -> None:
    noun = parsed_doc(
        blank_nlp,
        [
            ("They", "PRP", "PRON", 1, "nsubj", "O"),
            ("made", "VBD", "VERB", 1, "ROOT", "O"),
            ("no", "DT", "DET", 3, "det", "O"),
            ("estimate", "NN", "NOUN", 1, "dobj", "O"),
            (".", ".", "PUNCT", 1, "punct", "O"),
        ],
    )
    adjective = parsed_doc(
        blank_nlp,
        [
            ("Both", "DT", "PRON", 1, "nsubj", "O"),
            ("are", "VBP", "AUX", 1, "ROOT", "O"),
            ("stated", "VBN", "VERB", 3, "amod", "O"),
            ("goals", "NNS", "NOUN", 1, "attr", "O"),
            (".", ".", "PUNCT", 1, "punct", "O"),
        ],
    )
    verb = parsed_doc(
        blank_nlp,
        [
            ("Officials", "NNS", "NOUN", 1, "nsubj", "O"),
            ("estimate", "VBP", "VERB", 1, "ROOT", "O"),
            ("losses", "NNS", "NOUN", 1, "dobj", "O"),
            (".", ".", "PUNCT", 1, "punct", "O"),
        ],
    )

    assert ATTRIBUTION not in scored_reasons(noun)
    assert ATTRIBUTION not in scored_reasons(adjective)
    assert ATTRIBUTION in scored_reasons(verb)


def test_comparatives_come_from_tags_when_tagged(blank_nlp: Language) -> None:
    doc = parsed_doc(
        blank_nlp,
        [
            ("Prices", "NNS", "NOUN", 1, "nsubj", "O"),
            ("rose", "VBD", "VERB", 1, "ROOT", "O"),
            ("faster", "RBR", "ADV", 1, "advmod", "O"),
            (".", ".", "PUNCT", 1, "punct", "O"),
        ],
    )

    assert COMPARISON in scored_reasons(doc)


def test_parsed_description_needs_an_entity_and_a_noun_to_look_up(blank_nlp: Language) -> None:
    china = parsed_doc(
        blank_nlp,
        [
            ("China", "NNP", "PROPN", 1, "nsubj", "B-GPE"),
            ("remains", "VBZ", "VERB", 1, "ROOT", "O"),
            ("Pyongyang", "NNP", "PROPN", 6, "poss", "B-GPE"),
            ("\u2019s", "POS", "PART", 2, "case", "O"),
            ("critical", "JJ", "ADJ", 6, "amod", "O"),
            ("oil", "NN", "NOUN", 6, "compound", "O"),
            ("supplier", "NN", "NOUN", 1, "attr", "O"),
            (".", ".", "PUNCT", 1, "punct", "O"),
        ],
    )
    pronoun = parsed_doc(
        blank_nlp,
        [
            ("It", "PRP", "PRON", 1, "nsubj", "O"),
            ("remains", "VBZ", "VERB", 1, "ROOT", "O"),
            ("Pyongyang", "NNP", "PROPN", 4, "poss", "B-GPE"),
            ("\u2019s", "POS", "PART", 2, "case", "O"),
            ("supplier", "NN", "NOUN", 1, "attr", "O"),
            (".", ".", "PUNCT", 1, "punct", "O"),
        ],
    )
    abstract = parsed_doc(
        blank_nlp,
        [
            ("The", "DT", "DET", 1, "det", "O"),
            ("war", "NN", "NOUN", 2, "nsubj", "O"),
            ("was", "VBD", "AUX", 2, "ROOT", "O"),
            ("a", "DT", "DET", 4, "det", "O"),
            ("way", "NN", "NOUN", 2, "attr", "O"),
            ("out", "RB", "ADV", 4, "advmod", "O"),
            ("for", "IN", "ADP", 4, "prep", "O"),
            ("Kim", "NNP", "PROPN", 6, "pobj", "B-PERSON"),
            (".", ".", "PUNCT", 2, "punct", "O"),
        ],
    )

    assert DESCRIPTION in scored_reasons(china)
    assert ENTITY_WITH_VERB in scored_reasons(china)
    assert DESCRIPTION not in scored_reasons(pronoun)
    assert DESCRIPTION not in scored_reasons(abstract)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Researchers found that the drug cut deaths among older patients.", True),
        ("The study shows that the drug cut deaths among older patients.", True),
        ("Lloyd Austin confirmed that Pyongyang sent troops to the front.", True),
        ("The nurse found her keys under the desk near the door.", False),
        ("Prices rose sharply across the region during the winter.", False),
    ],
)
def test_a_finding_needs_a_study_a_source_or_a_name_as_its_subject(
    units_of: Units, text: str, found: bool
) -> None:
    assert (FINDING in claim_reasons(only_unit(units_of, text))) is found
