"""Site notices taken out of an article's text, and its words counted.

What goes (extract.py's step 2): site notices wherever they stand (copyright lines,
"Read more:"-style links to other stories, photo credits, ad labels, rules), and from the
top and bottom of the text also newsletter/subscribe/login/app/follow prompts, reprint
notices, bylines and lines that hold only a date; a paragraph that comes back verbatim is
kept once.
"""

from __future__ import annotations

import re
import unicodedata

# Longer lines are prose, whatever words they contain: the edge-notice pattern skips them.
NOTICE_MAX_WORDS = 40
# A paragraph of at least this many words that comes back verbatim is dropped the second time.
REPEAT_MIN_WORDS = 15
# A fallback reading counts only lines of at least this many words towards extract.MIN_WORDS.
PROSE_LINE_WORDS = 8
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
