"""Text from PDF links (press releases, reports), read with pypdf within fixed bounds."""

from __future__ import annotations

import io
import logging
import re
from urllib.parse import urlsplit

from factdesk.errors import EncryptedPdf, NoArticleText, UnreadablePdf
from factdesk.services.articles import Extracted

log = logging.getLogger(__name__)

# A report longer than this is read from its start: the claims of a 300-page PDF are not
# going to be checked in one thread anyway, and every page costs parsing time.
MAX_PAGES = 60
MAX_CHARS = 300_000
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")


def extract_pdf(body: bytes, url: str) -> Extracted:
    """The text of a PDF's first pages, paragraphs joined back from its printed lines."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise EncryptedPdf(detail=url)
        texts: list[str] = []
        size = 0
        for number, page in enumerate(reader.pages):
            if number >= MAX_PAGES or size >= MAX_CHARS:
                break
            text = page.extract_text() or ""
            texts.append(text)
            size += len(text)
        title = _title(reader)
    except (EncryptedPdf, NoArticleText):
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UnreadablePdf(detail=f"{exc!r} at {url}") from exc
    except RecursionError as exc:
        raise UnreadablePdf(detail=f"nested too deeply at {url}") from exc
    text = paragraphs("\n".join(texts))[:MAX_CHARS]
    if not title:
        title = next((line for line in text.splitlines() if line.strip()), None)
    return Extracted(text=text, title=title, site=urlsplit(url).hostname)


def paragraphs(text: str) -> str:
    """Printed lines joined into one paragraph a line: a line that ends a sentence, or a
    blank line, ends a paragraph; a hyphen at a line's end joins the word back."""
    text = _HYPHEN_BREAK.sub(r"\1\2", text.replace("\r\n", "\n").replace("\x00", ""))
    out: list[str] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            if current:
                out.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if line.endswith((".", "!", "?", ":", '"', "”")) and len(line) < 60:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return "\n".join(out)


def _title(reader: object) -> str | None:
    try:
        metadata = getattr(reader, "metadata", None)
        title = metadata.title if metadata is not None else None
    except Exception:  # noqa: BLE001 -- a broken info dictionary only costs the title
        return None
    return str(title).strip() or None if title else None
