from __future__ import annotations

import pytest
from spacy.language import Language

from workers.nlp.boilerplate import (
    BoilerplateMarker,
    doc_headline,
    is_boilerplate,
    is_boilerplate_text,
)
from workers.nlp.segments import claim_units

SEED_JUNK = [
    "[ad_1]",
    "INTERNATIONAL",
    "Published on October 23, 2024 at 11:00 pm",
    "Russian invasion of Ukraine Credit: Shutterstock",
    "[ad_2]",
    "Source link",
]


@pytest.mark.parametrize(
    "line",
    [
        *SEED_JUNK,
        "Advertisement",
        "By Jane Doe",
        "By JANE DOE and John Roe, Reuters",
        "Updated 3 hours ago",
        "Updated: Oct. 24, 2024 8:15 am EDT",
        "Last updated on Wednesday",
        "October 23, 2024",
        "Photo: AFP",
        "(AP Photo/Evan Vucci)",
        "Soldiers near Kursk. Photo by John Smith/Getty Images",
        "WORLD NEWS",
        "Share this article",
        "Share on Facebook",
        "Sign up for our newsletter",
        "Subscribe to our daily newsletter for more stories like this",
        "We use cookies to improve your experience on our site.",
        "Read more",
        "Read more: Russia sends 2,500 troops to the front",
        "Related articles",
        "© 2024 Example Media. All rights reserved.",
        "Reporting by Jane Doe; Editing by John Roe",
        # Captions and photo credits.
        "FILE PHOTO: Russian President Vladimir Putin attends a meeting in Moscow, Russia, "
        "October 1, 2024. REUTERS/Maxim Shemetov/File Photo",
        "REUTERS/Maxim Shemetov",
        "Pictured: soldiers near Kursk",
        "Image caption, Soldiers near the border",
        "Above: the damaged bridge",
        # Bylines.
        "Author: Jane Doe",
        "Posted by John Roe",
        # Players, reading time, share bars, newsletter and comment prompts.
        "5 min read",
        "Listen to this article",
        "Listen (3 mins)",
        "Watch:",
        "Facebook Twitter LinkedIn Email Print",
        "Get the latest headlines delivered to your inbox",
        "Enter your email address",
        "12 Comments",
        "Leave a comment",
        "Join the conversation",
        # Section labels.
        "Most read",
        "Trending now",
        "Editor\u2019s picks",
        "You may also like",
        # Datelines.
        "Last modified on Wed 23 Oct 2024 18.24 BST",
    ],
)
def test_page_furniture_is_boilerplate(line: str) -> None:
    assert is_boilerplate_text(line)


@pytest.mark.parametrize(
    "line",
    [
        "USA: North Korean troops are in Russia to fight against Ukraine",
        "American officials said they estimate 2,500 North Korean troops have been dispatched",
        "Updated figures show 2,000 people died in the floods.",
        "By 2030, emissions will fall by 40 percent.",
        "Share prices fell 5% on Monday.",
        "NATO said it sent 300 troops.",
        "The bill extends tax credits: 2 million families benefit.",
        "Related to this, officials said 12 people died.",
        "More than 600,000 soldiers were killed or injured.",
        "Russia has denied previous reports about the presence of North Korean troops.",
        "Published research shows that 40 percent of the wells ran dry.",
        "The photo agency Shutterstock said revenue rose 10% in 2023.",
        "The author of the report said 12 people died.",
        "Print media revenue fell 12 percent in 2023.",
        "Above all, officials said 2,500 troops were sent.",
        "Most read the report as a warning, officials said.",
        "The AP reported that 300 troops had crossed.",
        "Comments by the minister drew criticism from Kyiv.",
        "Email records show 40 officials knew of the plan.",
        "",
    ],
)
def test_article_text_is_not_boilerplate(line: str) -> None:
    assert not is_boilerplate_text(line)


def test_component_marks_each_unit(blank_nlp: Language) -> None:
    doc = blank_nlp(
        "[ad_1]\nINTERNATIONAL\nRussia sent 2,500 troops to Ukraine on Monday.\n"
        "Russian invasion of Ukraine Credit: Shutterstock\n[ad_2]\nSource link"
    )

    marks = {unit.text: is_boilerplate(unit) for unit in claim_units(doc)}

    assert marks == {
        "[ad_1]": True,
        "INTERNATIONAL": True,
        "Russia sent 2,500 troops to Ukraine on Monday.": False,
        "Russian invasion of Ukraine Credit: Shutterstock": True,
        "[ad_2]": True,
        "Source link": True,
    }
    assert all(unit._.is_boilerplate is marks[unit.text] for unit in claim_units(doc))


def test_in_a_paragraph_only_the_furniture_sentence_is_marked(blank_nlp: Language) -> None:
    paragraph = (
        "Russia sent 2,500 troops to the border on Monday, officials said, in a move that "
        "analysts in Kyiv and in Seoul described as a serious escalation. Read more. "
        "The Kremlin has not commented on the report."
    )

    marks = [is_boilerplate(unit) for unit in claim_units(blank_nlp(paragraph))]

    assert marks == [False, True, False]


def test_a_short_line_is_judged_whole(blank_nlp: Language) -> None:
    # A caption line that the sentencizer splits is still one piece of furniture.
    doc = blank_nlp("Russian invasion of Ukraine. Credit: Shutterstock")

    assert [is_boilerplate(unit) for unit in claim_units(doc)] == [True, True]


def test_extensions_register_idempotently_and_default_to_false(blank_nlp: Language) -> None:
    BoilerplateMarker()
    BoilerplateMarker("another")

    assert is_boilerplate(blank_nlp.make_doc("[ad_1]")[:]) is False


@pytest.mark.parametrize(
    "line",
    [
        "The Islanders won 5-4 on Tuesday night. (AP Photo/Gene J. Puskar) less",
        "Barzal celebrates his goal in the third period (Photo by Jane Roe/Getty Images)",
    ],
)
def test_a_caption_ending_in_its_credit_is_furniture(blank_nlp: Language, line: str) -> None:
    doc = blank_nlp(f"{line}\nRussia sent 2,500 troops to Ukraine on Monday, officials said.")

    marks = [unit._.is_boilerplate for unit in doc.spans["sentences"]]
    assert all(marks[:-1])
    assert not marks[-1]


def test_a_headline_that_repeats_the_lede_is_furniture(blank_nlp: Language) -> None:
    doc = blank_nlp(
        "Russia sends troops to Ukraine, officials say\n"
        "Russia sent 2,500 troops to Ukraine on Monday, officials said.\n"
        "The Kremlin did not comment."
    )

    assert [unit._.is_boilerplate for unit in doc.spans["sentences"]] == [True, False, False]
    assert doc_headline(doc) == "Russia sends troops to Ukraine, officials say"


def test_a_headline_about_something_else_is_kept_as_the_headline(blank_nlp: Language) -> None:
    doc = blank_nlp(
        "A winter of shortages ahead for Seoul\n"
        "Russia sent 2,500 troops to Ukraine on Monday, officials said."
    )

    assert [unit._.is_boilerplate for unit in doc.spans["sentences"]] == [False, False]
    assert doc_headline(doc) == "A winter of shortages ahead for Seoul"


def test_a_pull_quote_repeating_the_body_is_furniture(blank_nlp: Language) -> None:
    paragraph = (
        "Russia sent 2,500 troops to Ukraine on Monday. The Kremlin said the troops would "
        "stay until spring, and officials in Seoul said they had seen no sign of a pullout."
    )
    doc = blank_nlp(
        f"{paragraph}\nThe Kremlin said the troops would stay until spring\nEnd of story here."
    )

    marks = {unit.text: unit._.is_boilerplate for unit in doc.spans["sentences"]}
    assert marks["The Kremlin said the troops would stay until spring"] is True
    assert marks["Russia sent 2,500 troops to Ukraine on Monday."] is False
