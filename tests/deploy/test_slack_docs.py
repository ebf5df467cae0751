"""docs/slack.md against the code, the manifests and the stand-in's table of methods.

The methods Factdesk calls are read from the code (every slack_sdk WebClient method named
in bot/, workers/ and factdesk/), the events it listens to from its registered Bolt
listeners; the docs must list them, and every manifest must grant and subscribe them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.web.base_client import BaseClient

from bot.listeners import register_listeners
from standin.slack_methods import (
    APP_TOKEN_SCOPES,
    EVENT_SCOPES,
    METHODS,
    Tier,
    manifest_bot_scopes,
    manifest_events,
)
from tests.deploy.files import DEPLOY, ROOT

DOCS = ROOT / "docs" / "slack.md"
SOCKET_MANIFESTS = [
    DEPLOY / "slack-app-manifest.yml",
    DEPLOY / "slack" / "manifest.socket-mode.yml",
]
OAUTH_MANIFEST = DEPLOY / "slack" / "manifest.http-oauth.yml"
MANIFESTS = [*SOCKET_MANIFESTS, OAUTH_MANIFEST]
CODE = ("bot", "workers", "factdesk")
# WebClient helpers that call more than one Web API method.
COMPOSITE = {"files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}
# A Bolt `message` listener is fed by whichever message.* events the app subscribes to.
MESSAGE_EVENTS = {"message.channels", "message.groups", "message.im", "message.mpim"}
_TICKED = re.compile(r"`([^`]+)`")


# -- reading docs/slack.md ----------------------------------------------------------------


def _section(heading: str) -> list[list[str]]:
    """The rows (cells) of the first table under `## heading` (or ###)."""
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip("#").strip() == heading)
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # past the header and its rule


@dataclass(frozen=True)
class DocumentedMethod:
    name: str
    scopes: frozenset[str]
    tier: str


def documented_methods() -> dict[str, DocumentedMethod]:
    found = {}
    for row in _section("Web API methods"):
        (name,) = _TICKED.findall(row[0])
        found[name] = DocumentedMethod(name, frozenset(_TICKED.findall(row[1])), row[2])
    return found


def documented_scopes() -> set[str]:
    return {_TICKED.findall(row[0])[0] for row in _section("Bot scopes")}


def documented_events() -> set[str]:
    return {name for row in _section("Events") for name in _TICKED.findall(row[0])}


# -- reading the code -----------------------------------------------------------------------


def web_api_methods() -> set[str]:
    return set(dir(WebClient)) - set(dir(BaseClient))


def called_methods() -> dict[str, set[str]]:
    """Slack method -> the files that name it through a WebClient method."""
    api = web_api_methods()
    found: dict[str, set[str]] = {}
    for package in CODE:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in api:
                    names = COMPOSITE.get(node.attr) or (node.attr.replace("_", "."),)
                    for name in names:
                        found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


@dataclass
class ListenerRecorder:
    """Stands in for a Bolt App while `register_listeners` runs, noting what it registers."""

    oauth: bool
    events: set[str] = field(default_factory=set)

    @property
    def installation_store(self) -> object | None:
        return object() if self.oauth else None

    def event(self, event: str | dict[str, Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        name = event if isinstance(event, str) else event.get("type")
        assert isinstance(name, str), f"an event listener this check can't read: {event!r}"
        self.events.add(name)
        return lambda listener: listener

    def __getattr__(self, name: str) -> Callable[..., Callable[..., Any]]:
        # actions, commands, shortcuts, views, middleware: registered, not events.
        return lambda *args, **kwargs: lambda listener: listener


def listened_events(*, oauth: bool) -> set[str]:
    recorder = ListenerRecorder(oauth=oauth)
    register_listeners(recorder)  # type: ignore[arg-type]
    return recorder.events


def _subscription_covers(event: str, subscribed: frozenset[str]) -> bool:
    if event == "message":
        return bool(subscribed & MESSAGE_EVENTS)
    return event in subscribed


def _ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(DEPLOY)) for path in paths]


# -- the checks ------------------------------------------------------------------------------


def test_the_docs_list_every_method_the_code_calls() -> None:
    called = called_methods()
    assert {"chat.postMessage", "conversations.open", "files.getUploadURLExternal"} <= set(
        called
    ), "the scan of the code found too little to be trusted"

    missing = {name: sorted(files) for name, files in called.items()}
    for name in documented_methods():
        missing.pop(name, None)
    assert missing == {}, "called in the code but not in docs/slack.md"


def test_the_docs_name_the_files_that_call_each_method() -> None:
    documented = {row[0]: row[3] for row in _section("Web API methods")}
    for name, files in called_methods().items():
        cell = documented[f"`{name}`"]
        for path in files:
            assert f"`{path}`" in cell, f"{name} is called from {path}"


def test_the_docs_agree_with_the_stand_ins_table() -> None:
    for name, documented in documented_methods().items():
        assert name in METHODS, f"{name} is missing from standin/slack_methods.py"
        method = METHODS[name]
        assert documented.scopes <= set(method.scopes), name
        assert bool(documented.scopes) == bool(method.scopes), name
        assert documented.tier.startswith(method.tier.value), name
        if method.outside_marketplace_tier is not None:
            assert method.outside_marketplace_tier is Tier.TIER_1
            assert "Tier 1" in documented.tier, name
            assert f"{method.outside_marketplace_page_limit} messages a page" in DOCS.read_text(
                encoding="utf-8"
            )


def test_the_docs_explain_every_scope_the_manifests_grant() -> None:
    needed = {
        scope
        for method in documented_methods().values()
        if not METHODS[method.name].app_token
        for scope in method.scopes
    }
    explained = documented_scopes()

    assert needed <= explained
    for path in MANIFESTS:
        assert manifest_bot_scopes(path) == explained, path.name


@pytest.mark.parametrize("path", MANIFESTS, ids=_ids(MANIFESTS))
def test_each_manifest_grants_every_scope_in_the_methods_table(path: Path) -> None:
    granted = manifest_bot_scopes(path)
    for method in documented_methods().values():
        if METHODS[method.name].app_token:
            assert method.scopes <= APP_TOKEN_SCOPES, method.name
            continue
        assert method.scopes <= granted, f"{path.name} lacks {method.scopes - granted}"


@pytest.mark.parametrize(
    ("path", "oauth"),
    [*((path, False) for path in SOCKET_MANIFESTS), (OAUTH_MANIFEST, True)],
    ids=_ids(MANIFESTS),
)
def test_each_manifest_subscribes_every_event_the_bot_listens_to(path: Path, oauth: bool) -> None:
    subscribed = manifest_events(path)
    listened = listened_events(oauth=oauth)
    assert {"message", "app_home_opened"} <= listened

    assert [e for e in sorted(listened) if not _subscription_covers(e, subscribed)] == []


@pytest.mark.parametrize("path", MANIFESTS, ids=_ids(MANIFESTS))
def test_each_manifest_grants_the_scopes_its_events_need(path: Path) -> None:
    granted = manifest_bot_scopes(path)
    for event in manifest_events(path):
        scope = EVENT_SCOPES.get(event)
        assert scope is None or scope in granted, f"{event} needs {scope}"


def test_the_docs_list_every_event_the_bot_listens_to() -> None:
    documented = documented_events()
    listened = listened_events(oauth=True)

    assert "app_mention" in documented  # the manifests subscribe it
    for event in listened:
        assert _subscription_covers(event, frozenset(documented)), event
    for path in MANIFESTS:
        assert manifest_events(path) <= documented, path.name


def _interactions(heading: str) -> set[str]:
    return {name for row in _section(heading) for name in _TICKED.findall(row[0])}


def test_the_docs_list_every_action_shortcut_and_view() -> None:
    from factdesk.ids import CallbackId

    registered = _registered_ids()

    assert registered["action"] <= _interactions("Block actions")
    assert registered["shortcut"] <= _interactions("Shortcuts")
    assert registered["view"] <= _interactions("View submissions")
    assert set(registered["shortcut"]) | set(registered["view"]) <= set(CallbackId)


def _registered_ids() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"action": set(), "shortcut": set(), "view": set()}

    class Recorder(ListenerRecorder):
        def __getattr__(self, kind: str) -> Callable[..., Callable[..., Any]]:
            def register(constraint: Any = None, *args: Any, **kwargs: Any) -> Any:
                if kind in found and isinstance(constraint, str):
                    found[kind].add(constraint)
                return lambda listener: listener

            return register

    register_listeners(Recorder(oauth=True))  # type: ignore[arg-type]
    return found


def test_the_docs_point_at_files_that_exist() -> None:
    text = DOCS.read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:bot|workers|factdesk|standin|deploy)/[\w./-]+)`", text))
    assert paths
    assert [p for p in sorted(paths) if not (ROOT / p).exists()] == []


def test_the_table_of_methods_says_where_it_comes_from() -> None:
    text = (ROOT / "standin" / "slack_methods.py").read_text(encoding="utf-8")
    assert "https://docs.slack.dev/reference/methods/" in text
    assert all(m.source.startswith("https://docs.slack.dev/") for m in METHODS.values())
