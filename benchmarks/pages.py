"""Generated news pages for the benchmark: varied lengths, the kinds of sentences a desk checks.

The seed pages are few and fixed; a benchmark of N articles needs more, of realistic and
varied length, that read like news (figures, attributed statements, dated events, between
plain narrative). They are built from templates with a seeded random generator, so the same
`seed` gives byte-identical pages, and written as HTML files next to copies of `seeds/`, so
the ordinary article server serves them.
"""

from __future__ import annotations

import html
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

PEOPLE = (
    ("Maria Alvarez", "the finance minister"),
    ("Tom Becker", "the mayor"),
    ("Aiko Tanaka", "the health secretary"),
    ("Samuel Okafor", "the central bank governor"),
    ("Léa Moreau", "the opposition leader"),
    ("David Chen", "the company's chief executive"),
    ("Fatima Haddad", "the UN envoy"),
    ("John Miller", "the police commissioner"),
)
PLACES = ("Lisbon", "Nairobi", "Ohio", "Bavaria", "Manila", "Quebec", "Lagos", "Valencia")
ORGS = (
    "the World Health Organization",
    "the European Commission",
    "the Department of Labor",
    "Statistics Canada",
    "the International Monetary Fund",
    "Amnesty International",
    "the Federal Reserve",
    "the National Weather Service",
)
TOPICS = (
    ("unemployment", "per cent"),
    ("inflation", "per cent"),
    ("hospital admissions", "patients"),
    ("housing starts", "homes"),
    ("emissions", "million tonnes"),
    ("school enrolment", "pupils"),
    ("rail ridership", "million trips"),
    ("crime reports", "cases"),
)
MONTHS = ("January", "March", "April", "June", "July", "September", "October", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
VERBS = ("said", "told reporters", "announced", "confirmed", "claimed", "insisted")

CLAIMS = (
    "{topic_cap} in {place} rose to {num} {unit} in {month}, the highest level since {year}, "
    "according to {org}.",
    '"We have cut {topic} by {pct} per cent in two years," {person} {verb} on {day}.',
    "{person_role_cap}, {person}, {verb} that {org} had spent ${big} billion on the programme "
    "since {year}.",
    "{org_cap} reported that {topic} fell by {pct} per cent last year, the sharpest drop "
    "in a decade.",
    "More than {num} {unit} were recorded in {place} in {month} {year}, {org} said.",
    "{person} {verb} on {day} that {place} now has the lowest {topic} in the country.",
    "In {year}, {place} became the first region to ban the practice, according to {org}.",
    "The government will invest ${big} billion over {small} years, {person} announced on {day}.",
    "According to {org}, {pct} per cent of residents in {place} said they had been affected.",
    "{topic_cap} has doubled since {year}, {person_role} {verb}, citing figures from {org}.",
)
NARRATIVE = (
    "The announcement came after weeks of debate in {place}.",
    "Residents gathered outside the town hall to hear the news.",
    "Critics were quick to respond, and the discussion continued late into the evening.",
    "It is not the first time the issue has come up.",
    "Some observers remain cautious about what the change will mean in practice.",
    "The meeting lasted for several hours and ended without a vote.",
    "Local businesses have followed the story closely.",
    "Reporters were not allowed into the building.",
    "What happens next is far from clear.",
    "Many people in {place} say they simply want a decision.",
    "The plan will be discussed again next month.",
    "Officials declined to give further details.",
)


@dataclass(frozen=True)
class GeneratedPage:
    name: str
    words: int
    paragraphs: int


def _fill(template: str, rng: random.Random) -> str:
    person, role = rng.choice(PEOPLE)
    topic, unit = rng.choice(TOPICS)
    org = rng.choice(ORGS)
    values = {
        "person": person,
        "person_role": role,
        "person_role_cap": role[0].upper() + role[1:],
        "place": rng.choice(PLACES),
        "org": org,
        "org_cap": org[0].upper() + org[1:],
        "topic": topic,
        "topic_cap": topic[0].upper() + topic[1:],
        "unit": unit,
        "num": f"{rng.randint(2, 950):,}",
        "pct": rng.randint(2, 60),
        "big": rng.randint(1, 90),
        "small": rng.randint(2, 10),
        "year": rng.randint(1995, 2023),
        "month": rng.choice(MONTHS),
        "day": rng.choice(DAYS),
        "verb": rng.choice(VERBS),
    }
    return template.format(**values)


def paragraph_counts(count: int, seed: int) -> list[int]:
    """Paragraphs per page: mostly 6 to 25 (300 to 1,200 words), a long tail to 60."""
    rng = random.Random(seed)
    return [max(4, min(60, round(rng.lognormvariate(2.6, 0.55)))) for _ in range(count)]


def article_html(index: int, paragraphs: int, rng: random.Random) -> tuple[str, int]:
    """One page of `paragraphs` paragraphs, about one in three sentences checkable."""
    place = rng.choice(PLACES)
    topic = rng.choice(TOPICS)[0]
    title = f"{place}: new figures on {topic} spark debate"
    body = []
    words = 0
    for _ in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(2, 5)):
            template = rng.choice(CLAIMS) if rng.random() < 0.35 else rng.choice(NARRATIVE)
            sentences.append(_fill(template, rng))
        text = " ".join(sentences)
        words += len(text.split())
        body.append(f"<p>{html.escape(text)}</p>")
    author = rng.choice(PEOPLE)[0]
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">\n'
        f"<title>{html.escape(title)} | The Bench Gazette</title>\n"
        f'<meta name="author" content="{html.escape(author)}">\n'
        '<meta property="og:site_name" content="The Bench Gazette">\n'
        f'<meta property="article:published_time" content="2024-10-{1 + index % 28:02d}">\n'
        "</head>\n<body>\n"
        '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/politics">Politics</a>'
        "</nav>\n<article>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f'<p class="byline">By {html.escape(author)}</p>\n' + "\n".join(body) + "\n</article>\n"
        "<footer><p>© The Bench Gazette. All rights reserved.</p></footer>\n"
        "</body>\n</html>\n"
    )
    return page, words


def write_pages(directory: Path, count: int, *, seed: int = 7) -> list[GeneratedPage]:
    """Write `count` pages named gen-0001.html… into `directory`; the same seed, the same bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pages = []
    for index, paragraphs in enumerate(paragraph_counts(count, seed), start=1):
        name = f"gen-{index:04d}.html"
        text, words = article_html(index, paragraphs, rng)
        (directory / name).write_text(text, encoding="utf-8")
        pages.append(GeneratedPage(name, words, paragraphs))
    return pages


def site_directory(
    directory: Path, seeds: Path, count: int, *, seed: int = 7
) -> list[GeneratedPage]:
    """A fresh folder for the article server: copies of the seed pages plus generated ones.

    Copies rather than links: the server refuses files that resolve outside its folder.
    """
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for path in seeds.iterdir():
        if path.is_file():
            shutil.copy2(path, directory / path.name)
    return write_pages(directory, count, seed=seed)
