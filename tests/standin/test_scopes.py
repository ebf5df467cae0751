"""The stand-in grants a token exactly its app's scopes, and refuses as Slack does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from standin.slack_api import SlackStandIn
from standin.slack_methods import (
    DEFAULT_MANIFEST,
    METHODS,
    OAUTH_MANIFEST,
    Conversation,
    Tier,
    manifest_bot_scopes,
)

VIEW = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Hi"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}],
}


def _client(standin: SlackStandIn, token: str = "xoxb-test") -> WebClient:
    return WebClient(token=token, base_url=standin.base_url, retry_handlers=[])


def _refused(exc: pytest.ExceptionInfo[SlackApiError]) -> dict[str, object]:
    return dict(exc.value.response.data)


def test_the_bot_token_holds_exactly_the_socket_mode_manifests_scopes(
    standin: SlackStandIn,
) -> None:
    manifest = yaml.safe_load(DEFAULT_MANIFEST.read_text(encoding="utf-8"))

    assert standin.manifest == DEFAULT_MANIFEST
    assert set(standin.bot_scopes) == set(manifest["oauth_config"]["scopes"]["bot"])


def test_a_missing_scope_is_answered_with_needed_and_provided() -> None:
    with SlackStandIn(scopes=["chat:write", "commands"]) as standin:
        with pytest.raises(SlackApiError) as refused:
            _client(standin).conversations_open(users="U0ANA")

        call = standin.calls_to("conversations.open")[0]

    assert refused.value.response.status_code == 200
    assert _refused(refused) == {
        "ok": False,
        "error": "missing_scope",
        "needed": "im:write",
        "provided": "chat:write,commands",
    }
    assert call.response == _refused(refused)
    assert standin.dm_channel("U0ANA") is None  # refused before anything was done


def test_a_file_upload_needs_files_write() -> None:
    with SlackStandIn(scopes=["chat:write", "im:write"]) as standin:
        with pytest.raises(SlackApiError) as refused:
            _client(standin).files_upload_v2(channel="C0GENERAL", content=b"x", filename="a.txt")

        assert standin.files() == []

    assert _refused(refused)["needed"] == "files:write"


def test_methods_that_need_no_scope_work_with_none() -> None:
    with SlackStandIn(scopes=[]) as standin:
        client = _client(standin)
        client.auth_test()
        client.views_open(trigger_id="1.2.3", view=VIEW)
        client.views_publish(user_id="U0ANA", view={**VIEW, "type": "home"})
        posted = standin.add_message("C0GENERAL", "hi", user="U0ANA")
        client.chat_getPermalink(channel="C0GENERAL", message_ts=posted)

        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="C0GENERAL", text="hi")

    assert _refused(refused)["needed"] == "chat:write"
    assert _refused(refused)["provided"] == ""


def test_conversations_methods_need_the_scope_of_the_conversations_type() -> None:
    with SlackStandIn(scopes=["groups:history", "channels:read", "im:write"]) as standin:
        client = _client(standin)
        dm = client.conversations_open(users="U0ANA")["channel"]["id"]
        with pytest.raises(SlackApiError) as public:
            client.conversations_history(channel="C0GENERAL")
        with pytest.raises(SlackApiError) as direct:
            client.conversations_replies(channel=dm, ts="1.000001")
        with pytest.raises(SlackApiError) as private:
            client.users_conversations(types="public_channel,private_channel")
        client.users_conversations(types="public_channel")

    assert _refused(public)["needed"] == "channels:history"
    assert _refused(direct)["needed"] == "im:history"
    assert _refused(private)["needed"] == "groups:read"


def test_a_group_dm_needs_mpim_write() -> None:
    with SlackStandIn(scopes=["im:write"]) as standin, pytest.raises(SlackApiError) as refused:
        _client(standin).conversations_open(users="U0ANA,U0BEN")

    assert _refused(refused)["needed"] == "mpim:write"


def test_the_scopes_come_from_the_manifest_the_stand_in_is_given(tmp_path: Path) -> None:
    manifest = yaml.safe_load(DEFAULT_MANIFEST.read_text(encoding="utf-8"))
    manifest["oauth_config"]["scopes"]["bot"] = ["chat:write", "reactions:write"]
    path = tmp_path / "narrow.yml"
    path.write_text(yaml.safe_dump(manifest), encoding="utf-8")

    with SlackStandIn(manifest=path) as standin:
        ts = _client(standin).chat_postMessage(channel="C0GENERAL", text="hi")["ts"]
        _client(standin).reactions_add(channel="C0GENERAL", timestamp=ts, name="eyes")
        with pytest.raises(SlackApiError) as refused:
            _client(standin).users_info(user="U0ANA")

    assert _refused(refused)["needed"] == "users:read"
    assert _refused(refused)["provided"] == "chat:write,reactions:write"


def test_a_missing_manifest_is_an_error_not_every_scope(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no Slack app manifest"):
        SlackStandIn(manifest=tmp_path / "absent.yml")


def test_scopes_granted_lasts_for_its_block(standin: SlackStandIn) -> None:
    before = standin.bot_scopes

    with standin.scopes_granted(["chat:write"]), pytest.raises(SlackApiError) as refused:
        _client(standin).users_info(user="U0ANA")
    _client(standin).users_info(user="U0ANA")

    assert _refused(refused)["provided"] == "chat:write"
    assert standin.bot_scopes == before


def test_an_oauth_token_holds_the_scopes_its_install_asked_for() -> None:
    with SlackStandIn(manifest=OAUTH_MANIFEST) as standin:
        asked = standin.authorize_code("T0NARROW", scopes="chat:write")
        default = standin.authorize_code("T0WIDE")
        client = _client(standin, "")
        narrow = client.oauth_v2_access(
            client_id=standin.oauth_client_id,
            client_secret=standin.oauth_client_secret,
            code=asked,
        )
        wide = client.oauth_v2_access(
            client_id=standin.oauth_client_id,
            client_secret=standin.oauth_client_secret,
            code=default,
        )
        ts = _client(standin, narrow["access_token"]).chat_postMessage(
            channel="C0GENERAL", text="hi"
        )["ts"]
        with pytest.raises(SlackApiError) as refused:
            _client(standin, narrow["access_token"]).reactions_add(
                channel="C0GENERAL", timestamp=ts, name="eyes"
            )
        _client(standin, wide["access_token"]).reactions_add(
            channel="C0GENERAL", timestamp=ts, name="eyes"
        )

    assert narrow["scope"] == "chat:write"
    assert set(wide["scope"].split(",")) == manifest_bot_scopes(OAUTH_MANIFEST)
    assert _refused(refused) == {
        "ok": False,
        "error": "missing_scope",
        "needed": "reactions:write",
        "provided": "chat:write",
    }


def test_an_app_level_token_holds_connections_write(standin: SlackStandIn) -> None:
    standin.socket_mode_url = lambda: "ws://127.0.0.1:9/socket"

    opened = _client(standin, "xapp-1-test").apps_connections_open(app_token="xapp-1-test")

    assert opened["url"] == "ws://127.0.0.1:9/socket"


# -- the table of methods ---------------------------------------------------------------


def test_every_method_the_stand_in_serves_has_its_scopes_and_tier(
    standin: SlackStandIn,
) -> None:
    served = set(standin._methods)

    assert served <= set(METHODS)
    for name in served:
        method = METHODS[name]
        assert method.source == f"https://docs.slack.dev/reference/methods/{name}"
        assert isinstance(method.tier, Tier)
        if method.by_conversation:
            assert set(method.by_conversation.values()) == set(method.scopes)


def test_tiers_say_how_many_calls_a_minute() -> None:
    assert [tier.per_minute for tier in Tier] == [1, 20, 50, 100, None]
    history = METHODS["conversations.history"]
    assert (history.tier, history.outside_marketplace_tier) == (Tier.TIER_3, Tier.TIER_1)
    assert history.outside_marketplace_page_limit == 15


def test_a_method_with_scopes_per_conversation_type_needs_the_one_of_the_type() -> None:
    info = METHODS["conversations.info"]

    assert info.missing(["groups:read"], [Conversation.PRIVATE]) is None
    assert info.missing(["groups:read"], [Conversation.PUBLIC]) == "channels:read"
    assert info.missing(["im:read"]) is None  # type unknown: any of its scopes
    assert info.missing([]) == "channels:read,groups:read,im:read,mpim:read"
