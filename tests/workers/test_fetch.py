"""The fetcher against the local article server: every limit holds, every failure has words."""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import time
from urllib.parse import quote

import httpcore
import pytest

from factdesk.errors import (
    BinaryPage,
    CredentialsInLink,
    DecompressionBomb,
    FactdeskError,
    FetchFailed,
    FetchTimeout,
    HostNotFound,
    LinkLocalAddress,
    LoopbackAddress,
    NonPublicAddress,
    NotAnArticle,
    NotAWebAddress,
    PageNotFound,
    PageTooLarge,
    PrivateAddress,
    TooManyRedirects,
    Unreachable,
    UnsupportedScheme,
)
from factdesk.settings import Settings
from standin.articles import ArticleServer
from workers.fetch import Page, fetch
from workers.netguard import system_connector

SETTINGS = Settings(
    fetch_timeout_seconds=2,
    fetch_max_bytes=1024 * 1024,
    fetch_max_redirects=3,
    fetch_allowed_networks="127.0.0.0/8,::1/128",
)


def _refused(kind: type[FactdeskError], words: str, url: str, settings: Settings) -> None:
    """Fetching `url` fails with `kind`, and the message a person reads says `words`."""
    with pytest.raises(kind) as refused:
        fetch(url, settings)
    assert re.search(words, refused.value.user_message), refused.value.user_message


def test_fetches_html_with_a_real_user_agent(pages: ArticleServer) -> None:
    page = fetch(pages.article_url("north-korean-troops-russia.html"), SETTINGS)

    assert page.content_type == "text/html"
    assert page.encoding == "utf-8"
    assert b"Lloyd Austin" in page.body


def test_plain_text_is_accepted(pages: ArticleServer) -> None:
    assert fetch(pages.article_url("press-release.txt"), SETTINGS).content_type == "text/plain"


def test_follows_a_few_redirects(pages: ArticleServer) -> None:
    page = fetch(f"{pages.url}/redirect?to=/articles/press-release.txt&n=3", SETTINGS)

    assert page.url.endswith("/articles/press-release.txt")


def test_stops_after_the_redirect_limit(pages: ArticleServer) -> None:
    _refused(
        TooManyRedirects,
        "more than 3 times",
        f"{pages.url}/redirect?to=/articles/press-release.txt&n=4",
        SETTINGS,
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [(404, "wasn't found"), (410, "wasn't found"), (403, "refused"), (500, "had an error")],
)
def test_http_errors_are_explained(pages: ArticleServer, status: int, words: str) -> None:
    _refused(PageNotFound, words, f"{pages.url}/status/{status}", SETTINGS)


def test_images_are_not_articles(pages: ArticleServer) -> None:
    _refused(NotAnArticle, r"an image file \(image/png\)", f"{pages.url}/image.png", SETTINGS)


def test_pages_over_the_size_cap_are_refused(pages: ArticleServer) -> None:
    _refused(PageTooLarge, "larger than 1 MB", f"{pages.url}/big?mb=3", SETTINGS)


def test_slow_servers_time_out(pages: ArticleServer) -> None:
    _refused(FetchTimeout, "took too long", f"{pages.url}/slow?seconds=5", SETTINGS)


def test_closed_port_is_unreachable() -> None:
    _refused(Unreachable, r"couldn't connect to 127\.0\.0\.1", "http://127.0.0.1:9/story", SETTINGS)


# -- hostile links: a resolver the test controls, a connector that only dials loopback --------

RESOLVES = {
    "news.test": ["127.0.0.1"],
    "private.test": ["10.0.0.1"],
    "private172.test": ["172.16.5.4"],
    "private192.test": ["192.168.1.1"],
    "metadata.test": ["169.254.169.254"],
    "cgnat.test": ["100.64.0.1"],
    "multicast.test": ["224.0.0.1"],
    "reserved.test": ["240.0.0.1"],
    "broadcast.test": ["255.255.255.255"],
    "zero.test": ["0.0.0.0"],
    "loopback2.test": ["127.0.0.2"],
    "ula.test": ["fd00::1"],
    "linklocal6.test": ["fe80::1"],
    "loopback6.test": ["::1"],
    "mapped.test": ["::ffff:10.0.0.1"],
    "mapped-metadata.test": ["::ffff:169.254.169.254"],
    "nat64.test": ["64:ff9b::a00:1"],
    "sixtofour.test": ["2002:a00:1::1"],
    "teredo.test": ["2001:0:4136:e378:8000:63bf:f5ff:fffe"],
    "mixed.test": ["127.0.0.1", "10.0.0.1"],
    "nowhere.test": [],
}
# Only 127.0.0.1 itself: 127.0.0.2 and ::1 stay refused, which shows the setting is exact.
GUARDED = Settings(
    fetch_timeout_seconds=2,
    fetch_max_bytes=1024 * 1024,
    fetch_max_redirects=5,
    fetch_allowed_networks="127.0.0.1/32",
)


def resolver(host: str, port: int) -> list[str]:
    """Names from RESOLVES; numeric spellings (2130706434, 0177.0.0.2) as the C library
    reads them, which never leaves the machine."""
    if host in RESOLVES:
        return RESOLVES[host]
    if all(char in "0123456789abcdefxABCDEFX." for char in host):
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return [str(info[4][0]) for info in infos]
    raise HostNotFound(detail=f"test resolver has no {host}")


dialled: list[str] = []


def loopback_only(ip: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
    """The only way out of a test: it fails the test on any address but 127/8 and ::1,
    so a broken guard shows up as a failure, never as a packet on the network."""
    if not ipaddress.ip_address(ip).is_loopback:
        pytest.fail(f"the fetcher tried to connect to {ip}:{port}")
    dialled.append(ip)
    return system_connector(ip, port, timeout)


def guarded_fetch(url: str, settings: Settings = GUARDED) -> Page:
    return fetch(url, settings, resolver=resolver, connector=loopback_only)


def _via(target: str) -> str:
    """A link on the local server that redirects to `target` (any host)."""
    return f"http://news.test:{{port}}/hostile/redirect?to={quote(target, safe='{}')}"


# {port} is the local article server's. Every row is refused with its own words.
HOSTILE_LINKS: list[tuple[str, type[FetchFailed]]] = [
    ("http://private.test/", PrivateAddress),
    ("http://private172.test/", PrivateAddress),
    ("http://private192.test:8080/admin", PrivateAddress),
    ("http://cgnat.test/", PrivateAddress),
    ("http://ula.test/", PrivateAddress),
    ("http://mapped.test/", PrivateAddress),
    ("http://nat64.test/", PrivateAddress),
    ("http://sixtofour.test/", PrivateAddress),
    ("http://teredo.test/", PrivateAddress),
    ("http://mixed.test/", PrivateAddress),
    ("http://10.0.0.1/", PrivateAddress),
    ("http://[::ffff:192.168.0.1]/", PrivateAddress),
    ("http://metadata.test/latest/meta-data/", LinkLocalAddress),
    ("http://169.254.169.254/latest/meta-data/iam/", LinkLocalAddress),
    ("http://mapped-metadata.test/", LinkLocalAddress),
    ("http://linklocal6.test/", LinkLocalAddress),
    ("http://[fe80::1]/", LinkLocalAddress),
    ("http://loopback2.test:{port}/", LoopbackAddress),
    ("http://127.0.0.2:{port}/", LoopbackAddress),
    ("http://[::1]:{port}/", LoopbackAddress),
    ("http://loopback6.test:{port}/", LoopbackAddress),
    ("http://2130706434:{port}/", LoopbackAddress),  # 127.0.0.2 as one number
    ("http://0177.0.0.2:{port}/", NotAWebAddress),  # octal: httpx refuses to parse it
    ("http://multicast.test/", NonPublicAddress),
    ("http://reserved.test/", NonPublicAddress),
    ("http://broadcast.test/", NonPublicAddress),
    ("http://zero.test/", NonPublicAddress),
    ("http://0.0.0.0/", NonPublicAddress),
    ("http://nowhere.test/", HostNotFound),
    ("ftp://news.test/file.txt", UnsupportedScheme),
    ("file:///etc/passwd", UnsupportedScheme),
    ("gopher://news.test:70/", UnsupportedScheme),
    ("javascript:alert(1)", UnsupportedScheme),
    ("http://editor:hunter2@news.test:{port}/", CredentialsInLink),
    ("http://news.test:{port}@private.test/", CredentialsInLink),
    # Redirect chains: the first hop is allowed, every later one is checked again.
    (_via("http://private.test/"), PrivateAddress),
    (_via("http://169.254.169.254/latest/meta-data/"), LinkLocalAddress),
    (_via("http://[fd00::1]/"), PrivateAddress),
    (_via("//metadata.test/latest/"), LinkLocalAddress),  # scheme-relative
    (_via("http://127.0.0.2:{port}/"), LoopbackAddress),
    (_via("file:///etc/passwd"), UnsupportedScheme),
    (_via("http://admin:admin@news.test:{port}/"), CredentialsInLink),
    # news.test -> 127.0.0.1 -> 127.0.0.1 -> NAT64 of 10.0.0.1, refused at the fourth hop.
    (
        "http://news.test:{port}/redirect?n=2&to="
        + quote("/hostile/redirect?to=" + quote("http://nat64.test/", safe=""), safe=""),
        PrivateAddress,
    ),
]


@pytest.mark.parametrize(("template", "kind"), HOSTILE_LINKS)
def test_hostile_links_are_refused(
    pages: ArticleServer, template: str, kind: type[FetchFailed]
) -> None:
    url = template.format(port=pages.port)
    with pytest.raises(kind) as refused:
        guarded_fetch(url)
    assert type(refused.value) is kind
    assert refused.value.user_message.startswith(
        ("I can't", "I can only", "I don't", "I couldn't", "That link isn't")
    )


def test_refusals_say_what_was_refused() -> None:
    with pytest.raises(PrivateAddress) as refused:
        guarded_fetch("http://private.test/story")
    assert refused.value.user_message == "I can't fetch links to private network addresses."


def test_the_checked_address_is_dialled_with_the_links_host_name(pages: ArticleServer) -> None:
    page = guarded_fetch(f"http://news.test:{pages.port}/hostile/host")

    assert page.body == f"news.test:{pages.port}".encode()


def test_dns_rebinding_cannot_swap_the_address_after_the_check(pages: ArticleServer) -> None:
    """The name answers 127.0.0.1 for the check, then 10.0.0.1: the socket still goes to
    the address that was checked, and a new connection (another origin) is checked anew."""
    answers = iter([["127.0.0.1"], ["10.0.0.1"], ["10.0.0.1"]])
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return next(answers)

    dialled.clear()
    page = fetch(
        f"http://rebind.test:{pages.port}/articles/press-release.txt",
        GUARDED,
        resolver=rebinding,
        connector=loopback_only,
    )
    assert b"Halvorsen" in page.body
    assert dialled == ["127.0.0.1"]
    with pytest.raises(PrivateAddress):
        fetch(
            f"http://rebind.test:{pages.port}/articles/press-release.txt",
            GUARDED,
            resolver=rebinding,
            connector=loopback_only,
        )
    assert dialled == ["127.0.0.1"], "the rebound answer was never dialled"


def test_an_intranet_range_can_be_allowed(pages: ArticleServer) -> None:
    """With FETCH_ALLOWED_NETWORKS naming 10.0.0.0/8 the check lets 10.0.0.1 through and
    the connector is asked for it (the test connector refuses, so nothing leaves)."""
    asked: list[str] = []

    def recording(ip: str, port: int, timeout: float | None) -> httpcore.NetworkStream:
        asked.append(ip)
        raise httpcore.ConnectError("test connector: not dialling outside loopback")

    intranet = GUARDED.model_copy(update={"fetch_allowed_networks": "10.0.0.0/8"})
    with pytest.raises(Unreachable):
        fetch("http://private.test/wiki", intranet, resolver=resolver, connector=recording)
    assert asked == ["10.0.0.1"]


def test_loopback_is_refused_unless_allowed(pages: ArticleServer) -> None:
    closed = Settings(fetch_timeout_seconds=2, fetch_allowed_networks="")
    with pytest.raises(LoopbackAddress):
        fetch(pages.article_url("press-release.txt"), closed, connector=loopback_only)


def test_environment_proxies_are_ignored(
    pages: ArticleServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy would be dialled instead of the checked address, and fetch anything for us.
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.9.9.9:3128")
    page = guarded_fetch(f"http://news.test:{pages.port}/articles/press-release.txt")
    assert b"Halvorsen" in page.body


def test_a_gzip_bomb_is_stopped_early(pages: ArticleServer) -> None:
    with pytest.raises(DecompressionBomb) as refused:
        guarded_fetch(f"http://news.test:{pages.port}/hostile/gzip-bomb?mb=500")
    assert "decompression bomb" in refused.value.user_message


def test_a_declared_length_over_the_cap_is_refused_before_reading(pages: ArticleServer) -> None:
    with pytest.raises(PageTooLarge):
        guarded_fetch(f"http://news.test:{pages.port}/hostile/length-lie")


def test_a_server_dripping_headers_hits_the_total_deadline(pages: ArticleServer) -> None:
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        guarded_fetch(f"http://news.test:{pages.port}/hostile/drip-headers")
    # A functional limit: the whole fetch gets twice the read timeout, whatever the drip.
    assert time.monotonic() - started < GUARDED.fetch_timeout_seconds * 2 + 2


def test_binary_served_as_html_is_refused_with_words(pages: ArticleServer) -> None:
    with pytest.raises(BinaryPage) as refused:
        guarded_fetch(f"http://news.test:{pages.port}/hostile/binary-as-html")
    assert "binary data" in refused.value.user_message or "an image" in refused.value.user_message


def test_a_pdf_is_fetched_even_when_served_as_html(pages: ArticleServer) -> None:
    for name in ("pdf", "pdf-as-html"):
        page = guarded_fetch(f"http://news.test:{pages.port}/hostile/{name}")
        assert page.content_type == "application/pdf"
        assert page.body.startswith(b"%PDF-")


# -- `factdesk fetch <url>` ---------------------------------------------------------------------


def test_the_fetch_command_prints_the_article_as_json(
    pages: ArticleServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from launcher.cli import main

    assert main(["fetch", pages.article_url("north-korean-troops-russia.html")]) == 0
    article = json.loads(capsys.readouterr().out)
    assert article["content_type"] == "text/html"
    assert "Lloyd Austin" in article["text"]
    assert article["words"] > 100


def test_the_fetch_command_explains_a_refusal_with_exit_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from launcher.cli import main

    assert main(["fetch", "http://169.254.169.254/latest/meta-data/"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "link-local addresses" in captured.err
    assert "(link_local_address)" in captured.err
