"""The local article server: seed pages, error statuses, redirects, slow and huge responses."""

from __future__ import annotations

import http.client
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import trafilatura

from standin.articles import MAX_BIG_MB, ArticleServer

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SEED = "north-korean-troops-russia.html"
MIB = 1024 * 1024


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def request(base_url: str, path: str, method: str = "GET", timeout: float = 5.0) -> Reply:
    # http.client sends the target byte for byte; httpx and urllib would normalise "../" away
    # before the server ever saw it, which would make the traversal tests meaningless.
    parts = urlsplit(base_url)
    assert parts.hostname == "127.0.0.1"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def server() -> Iterator[ArticleServer]:
    with ArticleServer(SEEDS) as running:
        yield running


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArticleServer]:
    """A server over a throwaway seeds folder with a secret file right next to it."""
    tmp_path = tmp_path_factory.mktemp("sandbox")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "story.html").write_text("<html><body><p>Story</p></body></html>", encoding="utf-8")
    (seeds / ".hidden.html").write_text("hidden", encoding="utf-8")
    (seeds / "sub").mkdir()
    (seeds / "sub" / "inner.html").write_text("inner", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    (seeds / "link.html").symlink_to(tmp_path / "secret.txt")
    with ArticleServer(seeds) as running:
        yield running


def test_html_seed_is_served_byte_for_byte_with_its_length(server: ArticleServer) -> None:
    reply = request(server.url, f"/articles/{SEED}")

    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.body == (SEEDS / SEED).read_bytes()
    assert int(reply.headers["Content-Length"]) == len(reply.body)


def test_txt_seed_is_plain_text(server: ArticleServer) -> None:
    reply = request(server.url, "/articles/press-release.txt")

    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert reply.body.startswith(b"FOR IMMEDIATE RELEASE")


def test_query_string_is_ignored(server: ArticleServer) -> None:
    plain = request(server.url, f"/articles/{SEED}")
    tracked = request(server.url, f"/articles/{SEED}?utm_source=slack&utm_medium=share")

    assert tracked.status == 200
    assert tracked.body == plain.body


def test_every_seed_file_is_served_and_stays_small(server: ArticleServer) -> None:
    names = server.seed_names()

    assert {SEED, "paywall.html", "long-article.html", "press-release.txt"} <= set(names)
    for name in names:
        reply = request(server.url, f"/articles/{quote(name)}")
        assert reply.status == 200, name
        assert len(reply.body) < 200 * 1024, name


def test_article_url_points_at_the_articles_route(server: ArticleServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert server.article_url(SEED) == f"{server.url}/articles/{SEED}"
    assert httpx.get(server.article_url(SEED)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/articles/../secret.txt",
        "/articles/%2e%2e/secret.txt",
        "/articles/..%2fsecret.txt",
        "/articles/%2e%2e%2fsecret.txt",
        "/articles/..%5csecret.txt",
        "/articles//etc/passwd",
        "/articles/%2Fetc%2Fpasswd",
        "/articles/link.html",
        "/articles/.hidden.html",
        "/articles/sub/inner.html",
        "/articles/sub",
        "/articles/",
        "/articles/missing.html",
        "/articles/story.html%00.txt",
    ],
)
def test_only_plain_files_in_the_seeds_folder_are_served(sandbox: ArticleServer, path: str) -> None:
    reply = request(sandbox.url, path)

    assert reply.status == 404
    assert b"TOP SECRET" not in reply.body
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"


def test_sandbox_still_serves_its_real_file(sandbox: ArticleServer) -> None:
    assert request(sandbox.url, "/articles/story.html").body.startswith(b"<html>")


def test_redirect_chain_hops_n_times_then_lands_on_the_target(server: ArticleServer) -> None:
    target = f"/articles/{SEED}"
    path = f"/redirect?to={quote(target, safe='')}&n=3"
    hops = []
    while True:
        reply = request(server.url, path)
        if reply.status != 302:
            break
        location = reply.headers["Location"]
        assert location.startswith(server.url)
        hops.append(location)
        path = location.removeprefix(server.url)

    assert len(hops) == 3
    assert hops[-1] == server.url + target
    assert reply.status == 200
    assert reply.body == (SEEDS / SEED).read_bytes()


def test_redirects_are_followed_by_a_real_client(server: ArticleServer) -> None:
    response = httpx.get(
        f"{server.url}/redirect", params={"to": f"/articles/{SEED}", "n": 4}, follow_redirects=True
    )

    assert response.status_code == 200
    assert str(response.url) == server.article_url(SEED)
    assert len(response.history) == 4


def test_endless_looking_redirect_chain_trips_the_client_limit(server: ArticleServer) -> None:
    with pytest.raises(httpx.TooManyRedirects):
        httpx.get(
            f"{server.url}/redirect",
            params={"to": f"/articles/{SEED}", "n": 30},
            follow_redirects=True,
        )


def test_redirect_code_can_be_chosen(server: ArticleServer) -> None:
    reply = request(server.url, "/redirect?to=/status/200&n=2&code=301")

    assert reply.status == 301
    assert reply.headers["Location"] == f"{server.url}/redirect?to=%2Fstatus%2F200&n=1&code=301"


@pytest.mark.parametrize(
    "query",
    [
        "to=http://example.com/",
        "to=//example.com/x",
        "to=https%3A%2F%2Fexample.com",
        "to=articles/x.html",
        "n=2",
        "to=/status/200&n=two",
        "to=/status/200&code=200",
        "to=/status/200%0d%0aX-Injected:%201",
    ],
)
def test_redirect_refuses_targets_off_this_server(server: ArticleServer, query: str) -> None:
    reply = request(server.url, f"/redirect?{query}")

    assert reply.status == 400
    assert "Location" not in reply.headers


@pytest.mark.parametrize(
    ("code", "phrase"),
    [
        (404, b"Not Found"),
        (410, b"Gone"),
        (403, b"Forbidden"),
        (429, b"Too Many Requests"),
        (500, b"Internal Server Error"),
        (503, b"Service Unavailable"),
    ],
)
def test_status_endpoint_answers_that_status(
    server: ArticleServer, code: int, phrase: bytes
) -> None:
    reply = request(server.url, f"/status/{code}")

    assert reply.status == code
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert phrase in reply.body
    assert int(reply.headers["Content-Length"]) == len(reply.body)


def test_status_204_has_no_body(server: ArticleServer) -> None:
    reply = request(server.url, "/status/204")

    assert reply.status == 204
    assert reply.body == b""


@pytest.mark.parametrize("code", ["abc", "999", "100", "-1", ""])
def test_status_endpoint_rejects_nonsense_codes(server: ArticleServer, code: str) -> None:
    assert request(server.url, f"/status/{code}").status == 404


def test_image_is_a_valid_png(server: ArticleServer) -> None:
    reply = request(server.url, "/image.png")

    assert reply.status == 200
    assert reply.headers["Content-Type"] == "image/png"
    data = reply.body
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks: dict[bytes, bytes] = {}
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        payload = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF, kind
        chunks[kind] = payload
        offset += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 2)
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width)


def test_slow_page_waits_before_answering(server: ArticleServer) -> None:
    started = time.monotonic()
    reply = request(server.url, "/slow?seconds=0.3")

    assert time.monotonic() - started >= 0.3
    assert reply.status == 200
    assert b"<html" in reply.body


def test_slow_page_outlasts_a_short_client_timeout(server: ArticleServer) -> None:
    with pytest.raises(TimeoutError):
        request(server.url, "/slow?seconds=5", timeout=0.2)


def test_big_page_streams_exactly_the_requested_size(server: ArticleServer) -> None:
    with httpx.stream("GET", f"{server.url}/big?mb=2") as response:
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert int(response.headers["content-length"]) == 2 * MIB
        total = 0
        first = last = b""
        for chunk in response.iter_raw():
            first = first or chunk
            last = chunk
            total += len(chunk)

    assert total == 2 * MIB
    assert first.startswith(b"<!DOCTYPE html>")
    assert last.endswith(b"</html>\n")


def test_big_page_size_is_capped(server: ArticleServer) -> None:
    reply = request(server.url, "/big?mb=100000", method="HEAD")

    assert reply.status == 200
    assert int(reply.headers["Content-Length"]) == int(MAX_BIG_MB * MIB)
    assert reply.body == b""


def test_client_can_abandon_a_big_page(server: ArticleServer) -> None:
    with httpx.stream("GET", f"{server.url}/big?mb=64") as response:
        received = 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if received >= 256 * 1024:
                break

    assert request(server.url, f"/articles/{SEED}").status == 200


@pytest.mark.parametrize(
    "path", [f"/articles/{SEED}", "/image.png", "/status/410", "/big?mb=1", "/slow?seconds=0"]
)
def test_head_matches_get_without_a_body(server: ArticleServer, path: str) -> None:
    head = request(server.url, path, method="HEAD")
    get = request(server.url, path)

    assert head.status == get.status
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.body == b""


def test_head_redirect_carries_the_location(server: ArticleServer) -> None:
    reply = request(server.url, "/redirect?to=/image.png", method="HEAD")

    assert reply.status == 302
    assert reply.headers["Location"] == f"{server.url}/image.png"


@pytest.mark.parametrize("path", ["/", "/articles", "/favicon.ico", "/image.png/x", "/Status/404"])
def test_unknown_paths_are_not_found(server: ArticleServer, path: str) -> None:
    assert request(server.url, path).status == 404


@pytest.mark.parametrize("path", ["/slow?seconds=soon", "/big?mb=nan", "/big?mb=lots"])
def test_malformed_parameters_are_a_bad_request(server: ArticleServer, path: str) -> None:
    assert request(server.url, path).status == 400


def test_other_methods_are_refused(server: ArticleServer) -> None:
    reply = request(server.url, f"/articles/{SEED}", method="POST")

    assert reply.status == 405
    assert reply.headers["Allow"] == "GET, HEAD"


def test_requests_are_logged_in_order(sandbox: ArticleServer) -> None:
    sandbox.clear_requests()
    request(sandbox.url, "/articles/story.html?utm_source=slack")
    request(sandbox.url, "/image.png", method="HEAD")
    request(sandbox.url, "/nowhere")

    log = sandbox.requests
    assert log == [
        ("GET", "/articles/story.html?utm_source=slack"),
        ("HEAD", "/image.png"),
        ("GET", "/nowhere"),
    ]
    log.clear()
    assert len(sandbox.requests) == 3  # callers get a copy, not the live list


def test_stopped_server_releases_its_port(tmp_path: Path) -> None:
    server = ArticleServer(tmp_path).start()
    url = server.url
    with pytest.raises(RuntimeError):
        server.start()
    server.stop()
    server.stop()  # idempotent

    with pytest.raises(RuntimeError):
        _ = server.url
    port = urlsplit(url).port
    assert port is not None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_missing_seeds_folder_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ArticleServer(tmp_path / "nope").start()


def test_command_line_serves_and_prints_article_urls(tmp_path: Path) -> None:
    (tmp_path / "story.html").write_text("<p>hello</p>", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "standin.articles", "--port", "0", "--quiet", "--seeds", tmp_path],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        article = process.stdout.readline().strip()
        assert banner.startswith("Serving ")
        assert article.startswith("http://127.0.0.1:")
        assert article.endswith("/articles/story.html")
        assert httpx.get(article).text == "<p>hello</p>"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _extract(name: str) -> dict[str, Any]:
    document = trafilatura.bare_extraction(
        (SEEDS / name).read_bytes(),
        url=f"http://127.0.0.1:8901/articles/{name}",
        include_comments=False,
        with_metadata=True,
    )
    assert document is not None, name
    fields: dict[str, Any] = document if isinstance(document, dict) else document.as_dict()
    return fields


def test_seed_page_carries_the_seed_paragraphs_and_nothing_else() -> None:
    # The .txt is the test case: its paragraphs (typos included) sit between the caption and
    # the [ad_2] marker, and extraction must give back exactly those, in order.
    lines = (SEEDS / "000_e55cb495c0a959b5.txt").read_text(encoding="utf-8").split("\n")
    paragraphs = lines[lines.index("Russian invasion of Ukraine Credit: Shutterstock") + 1 :]
    paragraphs = paragraphs[: paragraphs.index("[ad_2]")]

    fields = _extract(SEED)

    assert fields["text"].split("\n") == paragraphs
    assert fields["title"] == lines[2]
    assert fields["author"] == "Clara Whitfield"
    assert fields["date"] == "2024-10-23"
    assert fields["sitename"] == "The Meridian Post"


def test_long_article_is_over_five_thousand_words() -> None:
    assert len(_extract("long-article.html")["text"].split()) > 5000


@pytest.mark.parametrize("name", ["paywall.html", "video-gallery.html"])
def test_pages_without_an_article_yield_almost_no_text(name: str) -> None:
    assert len(_extract(name)["text"].split()) < 60
