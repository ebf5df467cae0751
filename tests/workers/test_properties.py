"""Properties over hostile input: link parsing, the fetch guards, extraction and the claim
finder never raise anything but the FactdeskError that becomes a reply."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factdesk.errors import FactdeskError
from factdesk.links import find_links, is_web_url, normalize_url, parse_link
from workers.extract import extract
from workers.fetch import Page, _Decoder, _sniff, check_url
from workers.netguard import checked_addresses, refusal

if TYPE_CHECKING:
    from spacy.language import Language

# Modest counts keep the suite's time budget; the shapes below aim at the edge cases.
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _refusal(call: Callable[[], object]) -> FactdeskError | None:
    """The FactdeskError `call` raises, or None; anything else fails the property."""
    try:
        call()
    except FactdeskError as error:
        return error
    return None


URL_PARTS = st.sampled_from(
    [
        "http://", "https://", "ftp://", "file://", "//", "<", ">", "|", "@", ":", "[", "]",
        "::1", "127.0.0.1", "0x7f.1", "%00", "%2F", "..", "/", "?", "#", "&amp;", "www.",
        "amp.", "m.", "example.com", "xn--", "é", "\u202e", "\x00", " ", "\n", ":99999",
        ":-1", "?utm_source=x", "user:pw@",
    ]
)  # fmt: skip
MESSY_TEXT = st.lists(st.one_of(URL_PARTS, st.text(max_size=12)), max_size=12).map("".join)


@FAST
@given(MESSY_TEXT)
def test_link_parsing_never_raises(text: str) -> None:
    for link in find_links(text):
        assert link
        normalize_url(link)
    is_web_url(text)
    refused = _refusal(lambda: parse_link(text))
    assert refused is None or refused.user_message


@FAST
@given(MESSY_TEXT)
def test_url_checks_only_refuse_in_words(text: str) -> None:
    refused = _refusal(lambda: check_url(text))
    assert refused is None or refused.user_message


@FAST
@given(st.integers(min_value=0, max_value=2**32 - 1) | st.integers(0, 2**128 - 1))
def test_every_address_is_judged_without_raising(value: int) -> None:
    ip = ipaddress.ip_address(value)
    kind = refusal(ip)
    if kind is None:
        assert ip.version == 4 or ip.ipv4_mapped is None or refusal(ip.ipv4_mapped) is None
    with contextlib.suppress(FactdeskError):
        checked_addresses(str(ip), 80, resolver=lambda host, port: [], allowed=())


@FAST
@given(st.binary(max_size=4096), st.sampled_from(["", "gzip", "deflate", "br", "identity"]))
def test_decoding_any_bytes_ends_in_bytes_or_words(body: bytes, encoding: str) -> None:
    try:
        decoder = _Decoder(encoding, "http://x.test/")
        out = b"".join(decoder.feed(body, 1 << 20)) + b"".join(decoder.finish())
        _sniff(out, "text/html", "http://x.test/")
    except FactdeskError:
        pass


HTML_BITS = st.sampled_from(
    [
        "<html>", "</html>", "<body>", "<p>", "</p>", "<div>", "</div>", "<script>", "<!--",
        "-->", "<![CDATA[", "]]>", "<meta charset='x-bogus'>", "<table><tr><td>", "&#0;",
        "&nbsp;", "<link rel=canonical href='javascript:x'>", "<html lang='zz-ZZ'>",
        "<title>", "</title>", "<article>", "\x00", "\ufeff", "<svg>", "<math>",
        "The minister said 45 percent of the 2,300 schools reopened in May 2024. ",
    ]
)  # fmt: skip
HTML = st.lists(st.one_of(HTML_BITS, st.text(max_size=20)), max_size=60).map("".join)


@SLOW
@given(HTML, st.sampled_from(["text/html", "application/xhtml+xml", "text/plain"]))
def test_extraction_never_raises_on_markup(markup: str, content_type: str) -> None:
    page = Page(
        url="http://x.test/a", content_type=content_type, body=markup.encode(), encoding=None
    )
    refused = _refusal(lambda: extract(page))
    assert refused is None or refused.user_message


@SLOW
@given(st.binary(max_size=2048), st.sampled_from(["utf-8", "latin-1", "x-bogus", None]))
def test_extraction_never_raises_on_bytes(body: bytes, encoding: str | None) -> None:
    for content_type in ("text/html", "application/pdf"):
        page = Page(url="http://x.test/b", content_type=content_type, body=body, encoding=encoding)
        with contextlib.suppress(FactdeskError):
            extract(page)


@pytest.fixture(scope="module")
def nlp() -> Language:
    from factdesk.settings import Settings
    from workers.context import pipeline

    return pipeline(Settings().spacy_model)


SENTENCE_BITS = st.sampled_from(
    [
        "The", "minister", "said", "45%", "of", "$3.2bn", "in", "2024", ".", "?", "!", "\"",
        "“", "”", "According to", "Dr.", "U.S.", "—", "\n", "\n\n", "   ", "🙂", "中文",
        "1,000,000", "-", "(", ")", ":", ";", "'", "O'Brien", "e.g.", "https://x.test/a",
    ]
)  # fmt: skip
PROSE = st.lists(st.one_of(SENTENCE_BITS, st.text(max_size=8)), max_size=80).map(" ".join)


@SLOW
@given(text=PROSE)
def test_the_claim_finder_never_raises(nlp: Language, text: str) -> None:
    from workers.nlp import find_claims

    for claim in find_claims(nlp, text, max_claims=None):
        assert 0 <= claim.start_char <= claim.end_char <= len(text)
        assert 0.0 <= claim.score <= 1.0
