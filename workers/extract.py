"""Article text and metadata from a fetched page.

How the text is chosen (``make bench-extract`` measures it):

1. trafilatura reads the page in its default mode (comments off, tables on) with metadata.
2. Its text is cleaned line by line: site notices are dropped wherever they stand (copyright
   lines, "Read more:"-style links to other stories, photo credits, ad labels, rules), and
   from the top and bottom of the text also newsletter/subscribe/login/app/follow prompts,
   reprint notices, bylines and lines that hold only a date; a paragraph that comes back
   verbatim is kept once.
3. trafilatura's ``favor_precision`` mode (without its slow backup extractors) runs as well;
   its cleaned text replaces the first when it keeps nearly all of it, so that only a few
   more boilerplate lines went.
4. When that text has ``MIN_WORDS`` or more, readability-lxml reads the page too, and its
   paragraphs of ``MISSING_PROSE_WORDS`` or more words that the text lacks are added where
   they stand (trafilatura drops a paragraph now and then; readability often keeps it).
5. When what is left is under ``MIN_WORDS``, trafilatura's ``favor_recall`` mode and then
   readability-lxml get a turn; the longest cleaned candidate wins, provided it brings at least
   ``MIN_WORDS`` words in sentence-length lines (not the short lines of a login wall).
6. Fewer than ``MIN_WORDS`` words (a teaser, a login wall, a gallery) is refused with
   ``NoArticleText``, and so is anything that is not HTML at all.

Metadata (title, author, date, site) comes from trafilatura; the language from the page's
own declarations (``<html lang>``, ``og:locale``, ``content-language``), since no language
detector is installed; ``canonical_url()`` reads ``<link rel="canonical">``.
"""

from __future__ import annotations

import contextlib
import copy
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree  # type: ignore[import-untyped]
from readability import Document  # type: ignore[import-untyped]
from trafilatura.utils import load_html

from factdesk.errors import NoArticleText
from factdesk.services.articles import Extracted
from workers.fetch import PDF, Page
from workers.hostile import NeedsJavaScript, javascript_shell
from workers.page_structure import strip_furniture
from workers.pdf import extract_pdf

# Below this an "article" is a teaser, a caption or a login prompt, not something to check.
MIN_WORDS = 60
# favor_precision's text is used when it keeps at least this share of the default's words.
PRECISION_KEEPS = 0.95
# Longer lines are prose, whatever words they contain: the edge-notice pattern skips them.
NOTICE_MAX_WORDS = 40
# A paragraph of at least this many words that comes back verbatim is dropped the second time.
REPEAT_MIN_WORDS = 15
# A fallback reading counts only lines of at least this many words towards MIN_WORDS.
PROSE_LINE_WORDS = 8
# A paragraph readability finds and trafilatura does not is added from this many words up
# (see with_missing_prose).
MISSING_PROSE_WORDS = 25
# Pages with more elements than this get only the first trafilatura pass (a 2 MB page of 50,000
# paragraphs takes trafilatura seconds per pass); news pages have a few thousand.
LARGE_PAGE_ELEMENTS = 20_000
# Date-only lines are dropped when they stand among the first or last few lines.
EDGE_LINES = 3

_READ_MORE = (
    r"read (?:more|also|next)|also read|see also|more on this(?: story)?|more from \w+|"
    r"related(?: (?:articles?|stories|posts|coverage|content|links|news|reading))?|"
    r"recommended(?: for you)?|you (?:may|might) also like|"
    r"lea (?:más|también)|le puede interesar|te puede interesar|ver también|leer más|"
    r"contenido relacionado|(?:notas|noticias|artículos) relacionad[oa]s|vea también|más sobre|"
    r"lesen sie (?:auch|mehr)|auch lesen|mehr zum thema|mehr dazu|weiterlesen|zum weiterlesen|"
    r"(?:das|dies) könnte (?:sie|dich) auch interessieren|das thema könnte (?:sie|dich) auch "
    r"interessieren|schon gelesen\??|empfohlene beiträge|"
    r"weitere (?:artikel|themen|beiträge|informationen|infos|nachrichten|meldungen)|"
    r"(?:à|a) lire (?:aussi|également)|lire aussi|voir aussi|"
    r"czytaj (?:też|także|również|więcej)|zobacz (?:też|także)|"
    r"leia (?:também|mais)|veja também|leggi anche"
)
# (pattern, longest line it applies to): dropped wherever they stand.
_ANYWHERE: tuple[tuple[re.Pattern[str], int], ...] = (
    (
        re.compile(
            rf"^\W*(?:{_READ_MORE})\s*(?::|»|>>|\u203a|\||-|\u2013|\u2014|\.\.\.|…|$)", re.I
        ),
        30,
    ),
    (
        re.compile(
            r"^\W*(?:share(?: this(?: \w+)?)?|teilen(?: mit)?|follow us(?: on \w+)?|"
            r"folgen sie uns|síguenos|compartir|partager)\s*(?::|$)",
            re.I,
        ),
        10,
    ),
    (
        re.compile(
            r"^\W*(?:advertisement|anzeige|werbung|publicidad|publicité|reklama|sponsored)\W*$",
            re.I,
        ),
        3,
    ),
    (
        re.compile(
            r"©|\(c\)\s*(?:19|20)\d\d|^copyright\b|copyright\s*(?:©|\(c\)|(?:19|20)\d\d)|"
            r"all rights reserved|alle rechte vorbehalten|todos los derechos reservados|"
            r"tous droits réservés|tutti i diritti riservati|wszelkie prawa zastrzeżone|"
            r"chroniony prawem autorskim|may not be (?:re)?published, broadcast",
            re.I,
        ),
        60,
    ),
    (
        re.compile(
            r"^\W*(?:photo|photos|image|images|picture|pictures|foto|fotos|bild|bilder|credit|"
            r"credits|crédits? photos?|imagen|fotografía|titelbild|beitragsbild|header ?bild|"
            r"quelle|source|fuente)(?: credits?| courtesy)?\s*:",
            re.I,
        ),
        20,
    ),
    (re.compile(r"^\((?:photo|image|credit|foto|bild)[^)]*\)$", re.I), 20),
    # a caption that ends in its credit: "The minister in May. (Photo by A. Smith)"
    (
        re.compile(
            r"\((?:photos?|pictures?|images?|fotos?|bild) ?(?:by|:|credit|courtesy)[^)]*\)\W*$",
            re.I,
        ),
        30,
    ),
    (re.compile(r"^\W*(?:gallery|video|photos|fotostrecke|bildergalerie|galería)\s*:", re.I), 30),
    (re.compile(r"^[\W_]*$"), 100),  # rules and table borders: "____", "|---|---|"
)
# Dropped from the top and the bottom of the text, up to the first line that is not a notice.
_EDGE = re.compile(
    r"newsletter|\bsubscribe\b|abonnieren|suscr[íi]b|sign(?:ing)? up\b|melde dich|anmelden\b|"
    r"registrieren\b|letters? to the editor|\bdonate\b|become a member|join now|hazte miembro|"
    r"already a subscriber|subscribers? (?:only|exclusive)|for subscribers|unlimited access|"
    r"free articles?\b|cancel any ?time|log ?in\b|sign in\b|"
    r"download (?:the|our)\b|click here|klicken sie hier|hier klicken|follow (?:us|\w+ on)\b|"
    r"folgen sie|(?:originally|first) (?:appeared|published)|reprinted|republished|"
    r"written permission|affiliate|telegram|whatsapp|eingeloggt|logged in|log in to|"
    r"^\W*\d+ (?:kommentare?|comments?)\W*$",
    re.I,
)
_BYLINE = re.compile(
    r"^(?:by|von|par|por|di|autor(?:in)?|author|written by|posted by|veröffentlicht von)\s+\S+",
    re.I,
)
_BYLINE_MAX_WORDS = 8
_MONTHS = (
    r"jan(?:uary|uar|vier)?|feb(?:ruary|ruar)?|févr(?:ier)?|m[aä]r(?:ch|z|s)?|apr(?:il)?|"
    r"avr(?:il)?|ma[iy]|june?|juni|juin|july?|juli|juil(?:let)?|aug(?:ust)?|août|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?|dez(?:ember)?|"
    r"déc(?:embre)?|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
    r"noviembre|diciembre"
)
_DATE = re.compile(
    r"\b(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\.? (?:{_MONTHS})\.?,? \d{{2,4}}|"
    rf"(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|"
    r"\d{1,2}:\d{2}(?: ?[ap]\.?m\.?)?)\b",
    re.I,
)
_DATE_MAX_WORDS = 10
_NON_WORD = re.compile(r"\W+")
# Scripts written without spaces between words: about two characters make a word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LANGUAGE = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*", re.I)
_NOT_A_LANGUAGE = {"und", "mul", "zxx", "mis"}
_BLOCKS = {
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "table", "blockquote", "pre", "section", "article", "figure", "figcaption",
    "header", "footer", "aside", "main", "td", "th", "hr",
}  # fmt: skip


def extract(page: Page) -> Extracted:
    """Main text, title, author, date, site and language of a page."""
    if page.content_type == PDF:
        extracted = extract_pdf(page.body, page.url)
    else:
        extracted = _plain_text(page) if page.content_type == "text/plain" else _html(page)
    words = word_count(extracted.text)
    if words < MIN_WORDS:
        if page.content_type != "text/plain" and javascript_shell(page.body):
            raise NeedsJavaScript(detail=f"{words} words, scripts only, at {page.url}")
        raise NoArticleText(detail=f"{words} words at {page.url}")
    return extracted


def canonical_url(page: Page) -> str | None:
    """The page's ``<link rel="canonical">`` (else ``og:url``), made absolute; None if absent."""
    if page.content_type in ("text/plain", PDF):
        return None
    tree = _load(page)
    if tree is None:
        return None
    try:
        return _canonical(tree, page.url)
    except (ValueError, TypeError):
        return None


def word_count(text: str) -> int:
    """Words in `text`, counting two CJK characters as one word."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + cjk // 2


def prose_words(text: str) -> int:
    """Words in the lines of `text` that read like sentences (``PROSE_LINE_WORDS`` or more)."""
    counts = (word_count(line) for line in text.splitlines())
    return sum(count for count in counts if count >= PROSE_LINE_WORDS)


def clean_text(text: str) -> str:
    """`text` without site notices, one paragraph a line, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)  # as trafilatura.extract() does; bare_ doesn't
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    drop = [_notice_anywhere(line) for line in lines]
    last = len(lines) - 1
    for i, line in enumerate(lines):
        if (i < EDGE_LINES or i > last - EDGE_LINES) and _only_a_date(line):
            drop[i] = True
    i = 0
    while i <= last and (drop[i] or _edge_notice(lines[i]) or _byline(lines[i])):
        drop[i] = True
        i += 1
    i = last
    while i >= 0 and (drop[i] or _edge_notice(lines[i])):
        drop[i] = True
        i -= 1
    kept: list[str] = []
    seen: set[str] = set()
    for line, dropped in zip(lines, drop, strict=True):
        if dropped or line in seen:
            continue
        kept.append(line)
        if len(line.split()) >= REPEAT_MIN_WORDS:
            seen.add(line)  # a paragraph printed twice (pull quote, template slip) counts once
    return "\n".join(kept)


def _notice_anywhere(line: str) -> bool:
    words = len(line.split())
    return any(words <= longest and rx.search(line) for rx, longest in _ANYWHERE)


def _edge_notice(line: str) -> bool:
    return len(line.split()) <= NOTICE_MAX_WORDS and _EDGE.search(line) is not None


def _byline(line: str) -> bool:
    return len(line.split()) <= _BYLINE_MAX_WORDS and _BYLINE.match(line) is not None


def _only_a_date(line: str) -> bool:
    if len(line.split()) > _DATE_MAX_WORDS or "@" in line or not _DATE.search(line):
        return False
    return len(_NON_WORD.sub(" ", _DATE.sub(" ", line)).split()) <= 1


# -- plain text ----------------------------------------------------------------------------------


def _decode(page: Page) -> str:
    try:
        return page.body.decode(page.encoding or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return page.body.decode("utf-8", errors="replace")


def _plain_text(page: Page) -> Extracted:
    text = _decode(page)
    if _looks_binary(text):
        raise NoArticleText(detail=f"binary data served as text/plain at {page.url}")
    text = text.replace("\r\n", "\n").strip()
    title = next((line.strip() for line in text.splitlines() if line.strip()), None)
    return Extracted(text=text, title=title, site=urlsplit(page.url).hostname)


# -- HTML ----------------------------------------------------------------------------------------


def _html(page: Page) -> Extracted:
    tree = _load(page)
    if tree is None:
        raise NoArticleText(detail=f"not HTML at {page.url}")
    try:
        strip_furniture(tree)  # embeds, captions, credits, pull quotes: see page_structure
        language = _declared_language(tree)
        fields = _trafilatura(tree, page.url, with_metadata=True)
        text = _choose_text(tree, page.url, clean_text(str(fields.get("text") or "")))
    except NoArticleText:
        raise
    except Exception as exc:  # junk input must end as "no article", not as a crash
        raise NoArticleText(detail=f"extraction failed at {page.url}: {exc!r}") from exc
    return Extracted(
        text=text,
        title=_field(fields, "title"),
        site=_field(fields, "sitename") or _field(fields, "hostname"),
        author=_field(fields, "author"),
        published_date=_parse_date(_field(fields, "date")),
        language=language or _short_language(_field(fields, "language")),
    )


def _load(page: Page) -> Any:
    """The page as an lxml tree, or None when it is empty, binary or not HTML."""
    document: str | bytes = page.body
    if page.encoding:
        # a wrong or unknown charset in the header: let trafilatura find the right one
        with contextlib.suppress(LookupError, UnicodeDecodeError):
            document = page.body.decode(page.encoding)
    if not document.strip() or _looks_binary(document):
        return None
    try:
        return load_html(document)
    except Exception:  # noqa: BLE001 -- lxml and trafilatura refuse junk in many ways
        return None


def _looks_binary(document: str | bytes) -> bool:
    """Control characters (NUL above all) in the first 4 KB: an image, an archive, a PDF."""
    head = document[:4096]
    if isinstance(head, bytes):
        if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
            return False  # UTF-16 or UTF-32 with a byte-order mark
        codes = list(head)
    else:
        codes = [ord(char) for char in head]
    controls = sum(code < 9 or 13 < code < 32 for code in codes)
    return 0 in codes or controls > len(codes) // 20


def _trafilatura(
    tree: Any,
    url: str,
    *,
    with_metadata: bool = False,
    favor_precision: bool = False,
    favor_recall: bool = False,
    fast: bool = False,
) -> dict[str, Any]:
    document = trafilatura.bare_extraction(
        copy.deepcopy(tree),  # every pass starts from the same, untouched tree
        url=url,
        include_comments=False,
        include_tables=True,
        with_metadata=with_metadata,
        favor_precision=favor_precision,
        favor_recall=favor_recall,
        fast=fast,
    )
    if document is None:
        return {}
    fields = document if isinstance(document, dict) else document.as_dict()
    return dict(fields)


def _choose_text(tree: Any, url: str, text: str) -> str:
    words = word_count(text)
    if _elements(tree) > LARGE_PAGE_ELEMENTS:
        return text  # each extra pass over a huge page costs seconds; keep the first reading
    if words:
        precise = _trafilatura(tree, url, favor_precision=True, fast=True).get("text")
        precise = clean_text(str(precise or ""))
        if word_count(precise) >= PRECISION_KEEPS * words:
            text, words = precise, word_count(precise)
    if words >= MIN_WORDS:
        return with_missing_prose(text, clean_text(_readability(tree)))
    for candidate in _fallbacks(tree, url):
        cleaned = clean_text(candidate)
        # A second reading must bring prose, not the short lines of a login wall or a form.
        if prose_words(cleaned) >= MIN_WORDS and word_count(cleaned) > words:
            text, words = cleaned, word_count(cleaned)
    return text


def with_missing_prose(text: str, second: str) -> str:
    """`text` with the paragraphs of a second reading that it lacks, each placed after
    the last paragraph the two readings share before it.

    trafilatura drops a paragraph now and then (one inside an unusual container, a
    standfirst); readability, reading the page differently, often has it. Only
    paragraphs of ``MISSING_PROSE_WORDS`` or more words are taken: prose, not the
    short lines of menus, captions and teasers that readability also lets through.
    """
    lines = text.splitlines()
    if not lines:
        return text
    known = _squeezed(text)
    after: dict[int, list[str]] = {}
    anchor = -1  # insert before the first line until a shared paragraph is seen
    for line in second.splitlines():
        squeezed = _squeezed(line)
        if squeezed and squeezed in known:
            anchor = next((i for i, own in enumerate(lines) if squeezed in _squeezed(own)), anchor)
        elif word_count(line) >= MISSING_PROSE_WORDS:
            after.setdefault(anchor, []).append(line)
            known += "\n" + squeezed  # the same paragraph twice in readability counts once
    if not after:
        return text
    merged = after.get(-1, [])[:]
    for i, line in enumerate(lines):
        merged.append(line)
        merged.extend(after.get(i, ()))
    return "\n".join(merged)


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def _elements(tree: Any) -> int:
    try:
        return int(tree.xpath("count(//*)"))
    except (etree.XPathError, TypeError, ValueError):
        return 0


def _fallbacks(tree: Any, url: str) -> Iterable[str]:
    yield str(_trafilatura(tree, url, favor_recall=True).get("text") or "")
    yield _readability(tree)


def _readability(tree: Any) -> str:
    try:
        html = etree.tostring(tree, encoding="unicode", method="html")
        summary = Document(html).summary(html_partial=True)
        return _html_text(load_html(f"<html><body>{summary}</body></html>"))
    except Exception:  # noqa: BLE001 -- readability raises its own and lxml's errors on junk
        return ""


def _html_text(tree: Any) -> str:
    """The text of an lxml tree with one line per block element (iterative: no depth limit)."""
    if tree is None:
        return ""
    parts: list[str] = []
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        if not isinstance(element.tag, str):  # comments and processing instructions
            if event == "end":
                parts.append(element.tail or "")
            continue
        block = element.tag.lower() in _BLOCKS
        if event == "start":
            parts.append("\n" if block else "")
            parts.append(element.text or "")
        else:
            parts.append("\n" if block else "")
            parts.append(element.tail or "")
    return "".join(parts)


# -- metadata ------------------------------------------------------------------------------------


def _field(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _declared_language(tree: Any) -> str | None:
    root = tree.getroottree().getroot()
    candidates: list[str | None] = [
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
    ]
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("http-equiv") or "").lower()
        if key in {"og:locale", "content-language", "language", "dc.language"}:
            candidates.append(meta.get("content"))
    return next((code for c in candidates if (code := _short_language(c))), None)


def _short_language(value: str | None) -> str | None:
    """'en-US', 'es_ES', 'de' -> 'en', 'es', 'de'; None when it is no language code."""
    if not value:
        return None
    match = _LANGUAGE.fullmatch(value.split(",")[0].strip())
    code = match.group(1).lower() if match else None
    return None if code is None or code in _NOT_A_LANGUAGE else code


def _canonical(tree: Any, base: str) -> str | None:
    hrefs = [
        link.get("href")
        for link in tree.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    hrefs += [
        meta.get("content")
        for meta in tree.iter("meta")
        if (meta.get("property") or meta.get("name") or "").lower() == "og:url"
    ]
    return next((url for href in hrefs if (url := _absolute(href, base))), None)


def _absolute(href: str | None, base: str) -> str | None:
    if not href or not href.strip():
        return None
    url = urljoin(base, href.strip())
    parts = urlsplit(url)
    return url if parts.scheme in {"http", "https"} and parts.hostname else None


def _parse_date(value: str | None) -> date | None:
    if not value or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
