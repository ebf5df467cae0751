from __future__ import annotations

import dataclasses
import json
import random
import tempfile
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from tests.workers.nlp.helpers import FIXED_WEIGHTS, make_blank_pipeline
from workers.nlp import COMPONENTS, FoundClaim, build_pipeline, find_claims
from workers.nlp.finder import (
    FIRST_COMPONENT,
    LARGE_TEXT_CHARS,
    _Candidate,
    _chunks,
    _drop_near_duplicates,
)
from workers.nlp.ranking import ECHOES_HEADLINE, MAIN_CLAIM

CLAIM_A = "Russia sent 2,500 troops to Ukraine on Monday."
CLAIM_B = "According to Reuters, the border was closed to all traffic."
CLAIM_C = "American officials said on Tuesday that Russia sent more than 12,000 troops."


def assert_offsets_exact(text: str, claims: list[FoundClaim]) -> None:
    for claim in claims:
        assert text[claim.start_char : claim.end_char] == claim.text
        assert claim.text == claim.text.strip()


def test_components_are_added_in_order_and_once() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")

    assert build_pipeline(nlp) is nlp
    build_pipeline(nlp)

    assert nlp.pipe_names == [FIRST_COMPONENT, "sentencizer", *COMPONENTS]
    assert COMPONENTS == (
        "factdesk_boilerplate",
        "factdesk_claim_scorer",
        "factdesk_claim_filters",
        "factdesk_attribution",
        "factdesk_claim_combiner",
    )


def test_components_go_right_after_ner() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    nlp.add_pipe("sentencizer")

    build_pipeline(nlp)

    assert nlp.pipe_names == [FIRST_COMPONENT, "ner", *COMPONENTS, "sentencizer"]


def test_a_component_added_after_them_is_left_last(blank_nlp: Language) -> None:
    # The trained classifier goes last; rebuilding must not put anything after it.
    nlp = make_blank_pipeline()
    nlp.add_pipe("sentencizer", name="stand_in_classifier")

    build_pipeline(nlp)

    assert nlp.pipe_names[-1] == "stand_in_classifier"


def test_a_pipeline_without_the_components_is_refused() -> None:
    with pytest.raises(ValueError, match="build_pipeline"):
        find_claims(spacy.blank("en"), CLAIM_A)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \n"])
def test_empty_text_gives_no_claims(blank_nlp: Language, text: str) -> None:
    assert find_claims(blank_nlp, text) == []


def test_offsets_index_into_the_text(blank_nlp: Language) -> None:
    text = f"  [ad_1]\n\n  {CLAIM_A}  Short one.\n\t{CLAIM_B}\n{CLAIM_C}   \n"

    claims = find_claims(blank_nlp, text)

    assert [claim.text for claim in claims] == [CLAIM_A, CLAIM_B, CLAIM_C]
    assert_offsets_exact(text, claims)


def test_claims_carry_score_reasons_and_rank(blank_nlp: Language) -> None:
    (claim,) = find_claims(blank_nlp, CLAIM_A)

    assert claim == FoundClaim(
        text=CLAIM_A,
        start_char=0,
        end_char=len(CLAIM_A),
        score=0.982,  # sigmoid(10 x (0.9 - 0.5)), with the tests' fixed weights
        reasons=("a figure", "names who did what", "a date"),
        rank=1,
    )
    assert (claim.speaker, claim.context) == (None, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim.rank = 2  # type: ignore[misc]


def test_exact_duplicates_are_reported_once_at_the_first_occurrence(blank_nlp: Language) -> None:
    text = f"{CLAIM_B}\n{CLAIM_A}\n{CLAIM_A.upper()}\n{CLAIM_A}"

    claims = find_claims(blank_nlp, text)

    assert [claim.text for claim in claims] == [CLAIM_B, CLAIM_A]
    assert claims[1].start_char == len(CLAIM_B) + 1


def test_a_headline_that_repeats_the_lede_is_no_claim(blank_nlp: Language) -> None:
    headline = "Russia sent troops to Ukraine, officials say"
    text = f"{headline}\n{CLAIM_A}\n{CLAIM_B}"

    claims = find_claims(blank_nlp, text)

    assert [claim.text for claim in claims] == [CLAIM_A, CLAIM_B]


def test_near_duplicates_are_merged_but_different_claims_are_not(blank_nlp: Language) -> None:
    near = "Russia sent 2,500 troops to Ukraine on Monday, officials said."
    different = "Russia sent 4,000 tanks to Ukraine on Monday."
    text = f"{CLAIM_A}\n{near}\n{different}"

    claims = find_claims(blank_nlp, text)

    assert [claim.text for claim in claims] == [CLAIM_A, different]


def test_cap_keeps_the_best_in_document_order_with_ranks(blank_nlp: Language) -> None:
    weaker = "According to Reuters, the border was closed to all traffic."  # 0.5
    best = "American officials said on Tuesday that Russia sent more than 12,000 troops."
    middle = "Russia sent 2,500 troops to Ukraine on Monday."  # 0.9
    tie = "Russia sent 4,000 tanks to Ukraine on Wednesday."  # 0.9, later than middle
    text = "\n".join([weaker, tie, best, middle])

    top_two = find_claims(blank_nlp, text, max_claims=2)
    top_three = find_claims(blank_nlp, text, max_claims=3)

    assert [(claim.text, claim.rank) for claim in top_two] == [(tie, 2), (best, 1)]
    assert [(claim.text, claim.rank) for claim in top_three] == [
        (tie, 2),
        (best, 1),
        (middle, 3),
    ]
    assert find_claims(blank_nlp, text, max_claims=0) == []


def test_no_cap_returns_every_claim_ranked(blank_nlp: Language) -> None:
    lines = [f"Russia sent {1000 + i} troops to camp{i} in Ukraine on Monday." for i in range(20)]
    lines[7] = "American officials said on Tuesday that Russia sent more than 12,000 troops."
    text = "\n".join(lines)

    every = find_claims(blank_nlp, text)
    top = find_claims(blank_nlp, text, max_claims=5)

    assert len(every) == 20
    assert sorted(claim.rank for claim in every) == list(range(1, 21))
    assert next(claim for claim in every if claim.rank == 1).text == lines[7]
    # A cap keeps the same ranks: the worker posts the top few and offers the rest.
    ranked = {claim.text: claim.rank for claim in every}
    assert {claim.text: claim.rank for claim in top} == {
        text: rank for text, rank in ranked.items() if rank <= 5
    }


def test_claims_carry_speaker_and_context(blank_nlp: Language) -> None:
    text = (
        "Lloyd Austin visited the base in Italy.\n"
        "He said Russia sent 2,500 troops to the border on Sunday.\n"
        "American officials said Russia had sent 4,000 tanks to Ukraine on Tuesday."
    )

    first, second = find_claims(blank_nlp, text)

    assert (first.speaker, first.context) == (
        "Lloyd Austin",
        "Lloyd Austin visited the base in Italy.",
    )
    assert (second.speaker, second.context) == ("American officials", None)


def test_a_quote_over_several_sentences_is_one_claim(blank_nlp: Language) -> None:
    text = (
        "Victor Cha spoke on Monday.\n"
        "“Russia sent 2,500 troops. They crossed the border into Ukraine on Monday,” "
        "said Victor Cha."
    )

    (claim,) = find_claims(blank_nlp, text)

    assert claim.text == text.splitlines()[1]
    assert claim.speaker == "Victor Cha"
    assert_offsets_exact(text, [claim])


def test_negative_cap_is_refused(blank_nlp: Language) -> None:
    with pytest.raises(ValueError, match="max_claims"):
        find_claims(blank_nlp, CLAIM_A, max_claims=-1)


def test_chunks_cover_the_text_and_prefer_line_breaks() -> None:
    text = "aaaa bbbb\ncccc dddd. eeee\n" + "x" * 25 + "\nend"

    chunks = list(_chunks(text, 12))

    assert "".join(chunk for chunk, _ in chunks) == text
    assert all(len(chunk) <= 12 for chunk, _ in chunks)
    assert all(text[offset : offset + len(chunk)] == chunk for chunk, offset in chunks)
    assert chunks[0][0] == "aaaa bbbb\n"
    assert chunks[1][0] == "cccc dddd. "


def test_a_200000_char_text_is_processed_in_chunks() -> None:
    nlp = make_blank_pipeline()
    # One doc of the whole text would be refused: only chunking can get through.
    nlp.max_length = 150_000
    paragraphs = [
        f"Russia sent unit{i} with {1000 + i} troops to Ukraine on Monday, and {i} tanks "
        f"followed from camp{i} across the border near road{i}. Officials said it was quiet."
        for i in range(1300)
    ]
    text = "\n\n".join(paragraphs) + "\n\nAmerican officials said on Tuesday that Russia sent "
    text += "more than 12,000 troops because the front collapsed."
    assert len(text) > 200_000 > 2 * LARGE_TEXT_CHARS - 1

    claims = find_claims(nlp, text, max_claims=15)

    assert len(claims) == 15
    assert_offsets_exact(text, claims)
    assert claims[-1].rank == 1
    assert claims[-1].text.startswith("American officials said on Tuesday")
    assert claims[-1].end_char == len(text)


def test_prefix_filtered_dedup_matches_comparing_every_pair() -> None:
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(14)]
    candidates = [
        _Candidate(
            text=" ".join(rng.sample(vocabulary, rng.randint(5, 12))),
            start_char=position,
            end_char=position + 1,
            score=0.5,
            reasons=(),
            order=position,
        )
        for position in range(300)
    ]

    brute: list[_Candidate] = []
    for candidate in candidates:
        words = set(candidate.text.split())
        if all(
            len(words & set(other.text.split())) / len(words | set(other.text.split())) < 0.8
            for other in brute
        ):
            brute.append(candidate)

    assert _drop_near_duplicates(candidates) == brute
    assert 1 < len(brute) < len(candidates)


def ranked_pipeline(**ranking: float) -> Language:
    """The blank pipeline with the tests' fixed combiner and the given ranking terms."""
    weights = json.loads(FIXED_WEIGHTS.read_text(encoding="utf-8"))
    weights["ranking"] = ranking
    path = Path(tempfile.mkdtemp()) / "weights.json"
    path.write_text(json.dumps(weights), encoding="utf-8")
    return make_blank_pipeline(weights=path)


def test_the_lede_is_ranked_first_as_the_main_claim() -> None:
    lede = "Lloyd Austin confirmed on Wednesday that Russia sent troops to the front."
    figure = "Russia sent 2,500 troops to Ukraine on Monday."
    text = f"{lede}\nOfficials said the border was closed to all traffic.\n{figure}"
    nlp = ranked_pipeline(lead_claims=1, position_weight=4.0, position_decay=2.0)

    ranks = {claim.text: (claim.rank, claim.reasons[0]) for claim in find_claims(nlp, text)}

    assert ranks[lede] == (1, MAIN_CLAIM)
    assert ranks[figure][0] == 2
    # Without the article's terms the figure, alone the more check-worthy, leads.
    plain = {claim.text: claim.rank for claim in find_claims(ranked_pipeline(), text)}
    assert plain[figure] == 1


def test_a_main_claim_is_posted_even_below_the_threshold() -> None:
    lede = "Researchers found that the drug helps older patients."
    text = f"{lede}\n{CLAIM_A}"
    nlp = ranked_pipeline(lead_claims=1, position_weight=4.0, finding_weight=8.0)

    assert [c.text for c in find_claims(ranked_pipeline(), text)] == [CLAIM_A]
    (first, second) = sorted(find_claims(nlp, text), key=lambda claim: claim.rank)
    assert first.text == lede
    assert first.reasons[0] == MAIN_CLAIM
    assert "reports a finding" in first.reasons
    assert second.text == CLAIM_A


def test_the_title_names_what_the_article_is_about() -> None:
    nlp = ranked_pipeline(lead_claims=1, title_weight=10.0)
    about = "The council approved the new bridge over the river on Monday."
    text = f"{CLAIM_A}\n{about}"

    (first, _) = sorted(
        find_claims(nlp, text, title="Council approves river bridge"), key=lambda c: c.rank
    )

    assert first.text == about
    assert first.reasons[:2] == (MAIN_CLAIM, ECHOES_HEADLINE)


def test_after_the_main_claims_an_earlier_sentence_gets_a_nod() -> None:
    text = "\n".join([CLAIM_B, CLAIM_A, "Russia sent 4,000 tanks to Ukraine on Wednesday."])
    plain = ranked_pipeline()
    nodded = ranked_pipeline(later_position_weight=8.0, position_decay=1.0)

    ranks = {c.text: c.rank for c in find_claims(plain, text)}
    nudged = {c.text: c.rank for c in find_claims(nodded, text)}

    # Equal scores alone keep document order; the nod lifts the first sentence, whose
    # score alone is the lowest, from last to first.
    assert ranks[CLAIM_B] == 3
    assert nudged[CLAIM_B] == 1


def test_the_sentence_closest_to_what_the_article_is_about_leads() -> None:
    aside = "The weather in Boston was 20 degrees on Monday."
    about = [
        "The new drug cut deaths from heart failure by 30 percent in a trial.",
        "Patients who took the heart drug lived longer than those on a placebo.",
        "Doctors said the heart failure drug could reach pharmacies next year.",
    ]
    text = "\n".join([aside, *about])
    nlp = ranked_pipeline(lead_claims=1, centrality_weight=10.0)

    first = min(find_claims(nlp, text), key=lambda claim: claim.rank)

    assert first.text in about
    assert first.reasons[0] == MAIN_CLAIM
