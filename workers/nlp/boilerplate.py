"""spaCy component that marks page furniture left in scraped article text.

Extractors such as trafilatura keep ad markers, photo credits, datelines, bylines,
section labels, share/newsletter/cookie prompts and "Read more" links as lines of
their own. None of them is a claim, and some (a dateline full of numbers, a credit
naming an organisation) would otherwise look check-worthy to the claim scorer.

Each sentence unit (see ``segments.claim_units``) gets ``span._.is_boilerplate``.

Scraped text often starts with the headline as a line of its own. It is found (the
first line at the top without a sentence's final stop) and kept in ``doc.user_data``
for the ranking (``doc_headline``); when it only repeats the lede, which says the same
in a full sentence, it is marked as furniture too: the lede is the claim to check.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from workers.nlp.segments import claim_units, content_words, line_text

FACTORY_NAME = "factdesk_boilerplate"
EXTENSION = "is_boilerplate"
_HEADLINE_KEY = "factdesk.headline"

# A headline is among the first few lines, before the first full sentence, and has a
# few words; it repeats the lede when the next few sentences hold most of its words.
_HEADLINE_LINES = 6
_HEADLINE_MIN_WORDS = 4
_LEDE_UNITS = 3
_REPEATS_LEDE = 0.6
# A pull quote repeats at least this many words of a paragraph.
_PULL_QUOTE_MIN_WORDS = 6
_SENTENCE_END = tuple(".!?\"'\u201d\u2019")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Page furniture is short. Long lines are paragraphs: a rule matched by a whole line
# is trusted only up to this many words, past it each sentence is judged alone.
_MAX_LINE_WORDS = 25
_MAX_FURNITURE_WORDS = 15
# Cookie banners are the one kind of furniture written as full sentences.
_MAX_COOKIE_WORDS = 60

_APOSTROPHES = "'\u2019"
_WORD = re.compile(rf"[^\W_]+(?:[{_APOSTROPHES}.-][^\W_]+)*")

_SHORT_RULES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # Ad slots left by WordPress ad plugins and ad labels.
        r"^\[\s*ad[\s_-]*\d*\s*\]$",
        r"^(?:advertisement|advertising|sponsored(?:\s+content)?|ad)$",
        # Links back to the syndicated original.
        r"^source(?:\s+link|\s*:.*)$",
        # Photo credits: leading ("Photo: AFP"), or after a caption, see _CREDIT.
        r"^\(?\s*(?:file\s+)?(?:photo|image|picture|photograph|illustration|video)"
        r"\s*(?:by\b|:|/)",
        r"(?:^|[(/|]|\bvia\s)\s*(?:getty\s+images|shutterstock|ap\s+photo|afp|reuters|epa|alamy)"
        r"\b[^.!?]*$",
        # Credit lines of wire copy.
        r"^(?:written|reporting|reported|additional\s+reporting|editing|edited)\s+by\b",
        # Audio players and reading-time labels.
        r"^\d+\s*(?:-\s*)?min(?:ute)?s?\s+read$",
        r"^listen\s+to\s+(?:this\s+)?(?:article|story)\b",
        r"^(?:listen|watch|play)(?:\s+(?:now|video|live))?\s*(?:\(\s*[\d:]+\s*(?:mins?|minutes)?"
        r"\s*\))?\s*:?$",
        # Social and newsletter prompts.
        r"^share(?:\s+(?:this|on|via|the)\b.*)?\s*:?$",
        r"\b(?:sign\s*up|subscribe)\b.*\bnewsletters?\b",
        r"^subscribe(?:\s+(?:now|today|here))?\W*$",
        r"\b(?:delivered|straight)\s+to\s+your\s+inbox\b",
        r"^enter\s+your\s+e-?mail\b",
        r"^follow\s+us\b",
        # Comment prompts.
        r"^(?:\d+\s+)?comments?$",
        r"^(?:leave|post|add|show|view|read)\s+(?:a\s+|the\s+|\d+\s+)?comments?\b",
        r"^join\s+the\s+(?:conversation|discussion)\b",
        # Links to other pages and legal footers.
        r"^(?:read\s+more|read\s+also|also\s+read|see\s+also|click\s+here|continue\s+reading)\b",
        r"^(?:related|recommended|more)(?:\s+(?:articles?|stories|news|coverage|content|"
        r"posts?|reading|links?|videos?|for\s+you|from\s+\w+))?\s*(?::|$)",
        r"^(?:most\s+(?:read|popular|viewed|shared)|trending(?:\s+now)?|top\s+stories|"
        r"latest(?:\s+news)?|editor[\u2019']?s\s+picks?|you\s+m(?:ay|ight)\s+also\s+like|"
        r"don[\u2019']?t\s+miss)\s*:?$",
        r"^(?:©|\(c\)\s|copyright\b)",
        r"\ball\s+rights\s+reserved\b",
    )
)

# Case matters: "Credit: Shutterstock" ends a caption, "tax credits: ..." is prose.
_CREDIT = re.compile(
    r"(?:\b(?:[Pp]hoto|[Ii]mage|[Pp]icture|[Vv]ideo)\s+[Cc]redits?|\bCredits?|\bCREDITS?)\s*:"
)
# Captions that say they are one, and wire photo credits ("REUTERS/Maxim
# Shemetov/File Photo"), are furniture even when the caption is a long sentence.
_MAX_CAPTION_WORDS = 40
_CAPTION = re.compile(
    r"^(?i:file\s+photo|pictured|caption|image\s+caption|image\s+source|photo\s+caption)\s*[:,]"
    r"|^(?i:above|below|top|main\s+image)\s*:"
    r"|\b(?:REUTERS|AP|AFP|EPA|GETTY|XINHUA|ANADOLU|TASS)\s*/\s*[A-Z]"
    # "(AP Photo/Gene J. Puskar)", "(Photo by Jane Roe/Getty Images)", and the "less"
    # of a caption's show-less button after it.
    r"|\((?:[A-Z][\w.&]*\s+){0,3}(?i:photo(?:graph)?s?|image|illustration|video)\s*(?:/|by\b|:)"
    r"[^)]*\)\s*(?i:less|more|hide\s+caption|toggle\s+caption)?\W*$"
)
# Author lines name people, so what follows the label is capitalised.
_AUTHOR = re.compile(r"^(?i:authors?|posted\s+by|words\s+by|story\s+by)\s*:?\s+[A-Z]")
# A row of share buttons read as text: "Facebook Twitter LinkedIn Email Print".
_SOCIAL_WORDS = _words(
    "facebook twitter x linkedin whatsapp email e-mail mail print reddit telegram "
    "pinterest flipboard messenger copy link url share tweet"
)
_COOKIE_WORD = re.compile(r"\bcookies?\b", re.IGNORECASE)
_COOKIE_CONTEXT = re.compile(
    r"\b(?:we\s+use|(?:site|website)\s+uses|accept|consent|policy|settings|preferences)\b",
    re.IGNORECASE,
)

# Bylines are names: every word after "By" is capitalised ("By Jane Doe and John
# Roe, Reuters"), which keeps "By 2030 emissions will halve." out.
_BYLINE = re.compile(
    rf"^(?i:by)\s+[A-Z][\w{_APOSTROPHES}.-]*"
    rf"(?:\s*(?:,|&|\||\band\b)?\s*[A-Z][\w{_APOSTROPHES}.-]*){{0,7}}\.?$"
)

_DATELINE_PREFIX = re.compile(
    r"^(?:first\s+|last\s+)?(?:published|updated|posted|modified)\b\s*:?\s*(?:on|at)?\b\s*",
    re.IGNORECASE,
)
_BYLINE_TAIL = re.compile(r"\s+by\s+.*$", re.IGNORECASE)


_DATE_ANCHORS = _words(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "monday tuesday wednesday thursday friday saturday sunday "
    "mon tue tues wed thu thurs fri sat sun today yesterday"
)
# Words that can appear in a dateline next to the date itself; a line made only of
# these is a timestamp, while "Updated figures show ..." has other words.
_DATE_WORDS = _DATE_ANCHORS | _words(
    "on at of the and am pm a m p ago just now hour hours hr hrs minute minutes min mins "
    "second seconds day days week weeks month months year years st nd rd th "
    "edt est cdt cst mdt mst pdt pst gmt utc bst cet cest ist et ct mt pt"
)


def is_boilerplate_text(text: str) -> bool:
    """Whether a stripped line or sentence is page furniture rather than article text."""
    text = text.strip()
    if not text:
        return False
    n_words = len(_WORD.findall(text))
    if n_words <= _MAX_FURNITURE_WORDS and (
        any(rule.search(text) for rule in _SHORT_RULES)
        or _CREDIT.search(text) is not None
        or _AUTHOR.match(text) is not None
        or _BYLINE.match(text) is not None
        or _is_share_bar(text)
        or _is_section_label(text)
        or _is_dateline(text)
    ):
        return True
    if n_words <= _MAX_CAPTION_WORDS and _CAPTION.search(text) is not None:
        return True
    return (
        n_words <= _MAX_COOKIE_WORDS
        and _COOKIE_WORD.search(text) is not None
        and _COOKIE_CONTEXT.search(text) is not None
    )


def _is_share_bar(text: str) -> bool:
    words = [word.lower() for word in _WORD.findall(text)]
    return len(words) >= 2 and all(word in _SOCIAL_WORDS for word in words)


def _is_section_label(text: str) -> bool:
    # "INTERNATIONAL", "WORLD NEWS": capitals only, a few words, no sentence punctuation.
    words = _WORD.findall(text)
    return (
        0 < len(words) <= 4
        and text.isupper()
        and not any(char.isdigit() for char in text)
        and text[-1] not in ".!?"
    )


def _is_dateline(text: str) -> bool:
    prefix = _DATELINE_PREFIX.match(text)
    rest = _BYLINE_TAIL.sub("", text[prefix.end() :] if prefix else text)
    words = re.findall(r"[a-z]+", rest.lower())
    if any(word not in _DATE_WORDS for word in words):
        return False
    if prefix is not None:
        # "Published on ..." / "Updated" alone: the label itself says it is a timestamp.
        return True
    return any(char.isdigit() for char in rest) and (
        any(word in _DATE_ANCHORS for word in words) or ":" in rest or "/" in rest
    )


class BoilerplateMarker:
    """Sets ``span._.is_boilerplate`` on every sentence unit of a doc."""

    def __init__(self, name: str = FACTORY_NAME) -> None:
        self.name = name
        register_extensions()

    def __call__(self, doc: Doc) -> Doc:
        doc_text = doc.text
        for unit in claim_units(doc):
            line = line_text(unit, doc_text)
            # Long lines are paragraphs: whole-line rules would then judge every
            # sentence by its neighbours, so only the sentence itself counts.
            line_is_junk = len(_WORD.findall(line)) <= _MAX_LINE_WORDS and is_boilerplate_text(line)
            unit._.set(EXTENSION, line_is_junk or is_boilerplate_text(unit.text))
        _mark_headline(doc, doc_text)
        _mark_pull_quotes(doc, doc_text)
        return doc


def _mark_headline(doc: Doc, doc_text: str) -> None:
    units = [unit for unit in claim_units(doc) if not is_boilerplate(unit)]
    for position, unit in enumerate(units[:_HEADLINE_LINES]):
        line = line_text(unit, doc_text)
        if line.endswith(_SENTENCE_END):
            return  # the text has started: a line after this is no headline
        if line != unit.text.strip() or len(_WORD.findall(line)) < _HEADLINE_MIN_WORDS:
            continue
        doc.user_data[_HEADLINE_KEY] = line
        headline = content_words(line)
        following = units[position + 1 : position + 1 + _LEDE_UNITS]
        lede = frozenset().union(*(content_words(other.text) for other in following))
        if headline and len(headline & lede) >= _REPEATS_LEDE * len(headline):
            unit._.set(EXTENSION, True)
        return


def _mark_pull_quotes(doc: Doc, doc_text: str) -> None:
    """A line of the body that repeats, word for word, part of a paragraph at least half
    as long again is a pull quote (or a teaser) set in the page: the sentence is checked
    where it stands. The top matter (headline, standfirst: the lines before the first
    one that ends a sentence) says what the article asserts and is left to the ranking."""
    lines = [line.strip() for line in doc_text.splitlines() if line.strip()]
    squeezed = [" ".join(_WORD.findall(line.lower())) for line in lines]
    top = next((i for i, line in enumerate(lines) if line.endswith(_SENTENCE_END)), len(lines))
    top_lines = set(lines[:top])
    for unit in claim_units(doc):
        line = line_text(unit, doc_text)
        if line != unit.text.strip() or line in top_lines:
            continue
        words = " ".join(_WORD.findall(line.lower()))
        size = len(words.split())
        if _PULL_QUOTE_MIN_WORDS <= size <= _MAX_CAPTION_WORDS and any(
            words in other and len(other.split()) * 2 >= size * 3 for other in squeezed
        ):
            unit._.set(EXTENSION, True)


def doc_headline(doc: Doc) -> str | None:
    """The headline line the marker found at the top of the doc, if any."""
    value = doc.user_data.get(_HEADLINE_KEY)
    return value if isinstance(value, str) else None


def register_extensions() -> None:
    if not Span.has_extension(EXTENSION):
        Span.set_extension(EXTENSION, default=False)


def is_boilerplate(span: Span) -> bool:
    """Typed accessor: False when the marker has not run on the span's doc."""
    return Span.has_extension(EXTENSION) and bool(span._.get(EXTENSION))


@Language.factory(FACTORY_NAME)
def make_boilerplate_marker(nlp: Language, name: str) -> BoilerplateMarker:
    return BoilerplateMarker(name)
