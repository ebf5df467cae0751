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
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from lxml import etree  # type: ignore[import-untyped]
from readability import Document  # type: ignore[import-untyped]
from trafilatura.utils import load_html

from factdesk.errors import NeedsJavaScript, NoArticleText
from factdesk.services.articles import Extracted
from workers.fetch import PDF, Page
from workers.hostile import javascript_shell
from workers.page_metadata import canonical, declared_language, field, parse_date, short_language
from workers.page_structure import strip_furniture
from workers.pdf import extract_pdf
from workers.text_cleaning import clean_text, prose_words, word_count

# The text cleaning lives in text_cleaning.py; callers and tests keep reaching it here.
__all__ = [
    "MIN_WORDS",
    "MISSING_PROSE_WORDS",
    "canonical_url",
    "clean_text",
    "extract",
    "prose_words",
    "with_missing_prose",
    "word_count",
]

# Below this an "article" is a teaser, a caption or a login prompt, not something to check.
MIN_WORDS = 60
# favor_precision's text is used when it keeps at least this share of the default's words.
PRECISION_KEEPS = 0.95
# A paragraph readability finds and trafilatura does not is added from this many words up
# (see with_missing_prose).
MISSING_PROSE_WORDS = 25
# Pages with more elements than this get only the first trafilatura pass (a 2 MB page of 50,000
# paragraphs takes trafilatura seconds per pass); news pages have a few thousand.
LARGE_PAGE_ELEMENTS = 20_000

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
        return canonical(tree, page.url)
    except (ValueError, TypeError):
        return None


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
        language = declared_language(tree)
        fields = _trafilatura(tree, page.url, with_metadata=True)
        text = _choose_text(tree, page.url, clean_text(str(fields.get("text") or "")))
    except NoArticleText:
        raise
    except Exception as exc:  # junk input must end as "no article", not as a crash
        raise NoArticleText(detail=f"extraction failed at {page.url}: {exc!r}") from exc
    return Extracted(
        text=text,
        title=field(fields, "title"),
        site=field(fields, "sitename") or field(fields, "hostname"),
        author=field(fields, "author"),
        published_date=parse_date(field(fields, "date")),
        language=language or short_language(field(fields, "language")),
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
