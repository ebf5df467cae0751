"""The Slack app manifests: the Socket Mode variant and the HTTP/OAuth variant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.server import EVENTS_PATH
from factdesk.ids import CallbackId
from tests.deploy.files import DEPLOY, load_yaml

ORIGINAL = DEPLOY / "slack-app-manifest.yml"
SOCKET = DEPLOY / "slack" / "manifest.socket-mode.yml"
HTTP = DEPLOY / "slack" / "manifest.http-oauth.yml"
OAUTH_EVENTS = {"app_uninstalled", "tokens_revoked"}

Manifest = dict[str, Any]


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted key path, value) in a manifest."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")
    else:
        yield path, node


def keys(manifest: Manifest) -> set[str]:
    return {path.rsplit(".", 1)[-1] for path, _ in walk(manifest)}


@pytest.mark.parametrize("path", [SOCKET, HTTP], ids=["socket-mode", "http-oauth"])
def test_variant_has_every_feature_of_the_original(path: Any) -> None:
    original, variant = load_yaml(ORIGINAL), load_yaml(path)
    assert variant["display_information"]["name"] == original["display_information"]["name"]
    assert variant["features"]["app_home"]["home_tab_enabled"] is True
    assert variant["features"]["bot_user"] == original["features"]["bot_user"]
    shortcuts = {s["callback_id"] for s in variant["features"]["shortcuts"]}
    assert shortcuts == {s["callback_id"] for s in original["features"]["shortcuts"]}
    assert shortcuts <= set(CallbackId)
    commands = {c["command"] for c in variant["features"]["slash_commands"]}
    assert commands == {c["command"] for c in original["features"]["slash_commands"]}
    scopes = variant["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == sorted(original["oauth_config"]["scopes"]["bot"])
    events = set(variant["settings"]["event_subscriptions"]["bot_events"])
    assert events >= set(original["settings"]["event_subscriptions"]["bot_events"])
    assert variant["settings"]["interactivity"]["is_enabled"] is True


def test_socket_mode_variant_needs_no_public_url() -> None:
    manifest = load_yaml(SOCKET)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert not {"request_url", "url", "redirect_urls"} & keys(manifest)
    assert not [value for _, value in walk(manifest) if str(value).startswith("http")]


def test_http_variant_points_every_request_at_the_bot() -> None:
    manifest = load_yaml(HTTP)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        *(command["url"] for command in manifest["features"]["slash_commands"]),
    ]
    for url in urls:
        assert url.startswith("https://"), url
        assert url.endswith(EVENTS_PATH), url


def test_http_variant_is_set_up_for_oauth_installs() -> None:
    manifest = load_yaml(HTTP)
    (redirect,) = manifest["oauth_config"]["redirect_urls"]
    assert redirect.startswith("https://")
    assert redirect.endswith("/slack/oauth_redirect")
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) >= OAUTH_EVENTS
    text = HTTP.read_text(encoding="utf-8")
    # The install page has no manifest field; the header names it, and what it depends on.
    assert "/slack/install" in text
    assert "SLACK_CLIENT_ID" in text
