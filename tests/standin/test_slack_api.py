"""The stand-in driven through the real slack_sdk.WebClient, over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from standin.slack_api import SlackStandIn

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Claim 1*"}}


def _button(action_id: str, text: str = "Approve") -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": "v",
    }


def _error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


# -- basics ---------------------------------------------------------------------


def test_auth_test(client: WebClient, standin: SlackStandIn) -> None:
    response = client.auth_test()

    assert response.status_code == 200
    assert response.data == {
        "ok": True,
        "url": "https://factdesk-demo.slack.com/",
        "team": "Factdesk Demo",
        "user": "factdesk",
        "team_id": "T0FACTDESK",
        "user_id": "UFACTBOT",
        "bot_id": "BFACTBOT",
        "is_enterprise_install": False,
    }
    assert "warning" not in response.data
    assert standin.calls_to("auth.test")[0].token == "xoxb-test"


def test_base_url_shape(standin: SlackStandIn) -> None:
    assert standin.base_url == f"http://127.0.0.1:{standin.port}/api/"
    assert standin.url == f"http://127.0.0.1:{standin.port}"
    assert standin.response_url("abc") == f"{standin.url}/response/abc"


def test_refuses_non_loopback_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        SlackStandIn(host="0.0.0.0")


def test_missing_and_unknown_tokens() -> None:
    with SlackStandIn(tokens=["xoxb-good"]) as server:
        WebClient(token="xoxb-good", base_url=server.base_url).auth_test()
        with pytest.raises(SlackApiError) as bad:
            WebClient(token="xoxb-bad", base_url=server.base_url).auth_test()
        with pytest.raises(SlackApiError) as missing:
            WebClient(base_url=server.base_url).auth_test()

    assert _error(bad) == "invalid_auth"
    assert _error(missing) == "not_authed"


def test_any_xoxb_or_xoxp_token_by_default(standin: SlackStandIn) -> None:
    WebClient(token="xoxp-someone", base_url=standin.base_url).auth_test()
    with pytest.raises(SlackApiError) as exc:
        WebClient(token="not-a-token", base_url=standin.base_url).auth_test()
    assert _error(exc) == "invalid_auth"


def test_token_in_form_field(standin: SlackStandIn) -> None:
    request = urllib.request.Request(
        standin.base_url + "auth.test",
        data=b"token=xoxb-form",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["ok"] is True
    call = standin.calls_to("auth.test")[0]
    assert call.token == "xoxb-form"
    assert "token" not in call.args


def test_unknown_method_is_404(client: WebClient, standin: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.teleport", json={"channel": "C0GENERAL"})

    assert exc.value.response.status_code == 404
    assert exc.value.response.data == {"ok": False, "error": "unknown_method"}
    assert standin.calls_to("chat.teleport")[0].status == 404


def test_a_poller_pages_through_the_calls_in_order(
    client: WebClient, standin: SlackStandIn
) -> None:
    client.auth_test()
    seen = standin.calls_since(0)
    client.chat_postMessage(channel="C0GENERAL", text="one")
    client.chat_postMessage(channel="C0GENERAL", text="two")

    page = standin.calls_since(len(seen))

    assert [c.method for c in seen] == ["auth.test"]
    assert [c.args["text"] for c in page] == ["one", "two"]
    assert standin.calls_since(len(seen) + len(page)) == []


# -- messages -------------------------------------------------------------------


def test_post_update_and_thread(client: WebClient, standin: SlackStandIn) -> None:
    parent = standin.add_message("C0NEWSDESK", "look at https://example.org/x", user="U0ANA")

    posted = client.chat_postMessage(
        channel="C0NEWSDESK", text="Claim 1", blocks=[SECTION], thread_ts=parent
    )
    second = client.chat_postMessage(channel="C0NEWSDESK", text="Claim 2", thread_ts=parent)
    updated = client.chat_update(channel="C0NEWSDESK", ts=posted["ts"], text="Claim 1 (checked)")

    assert posted["channel"] == "C0NEWSDESK"
    assert posted["message"]["thread_ts"] == parent
    assert posted["message"]["user"] == "UFACTBOT"
    assert posted["message"]["bot_id"] == "BFACTBOT"
    assert posted["ts"] < second["ts"]
    assert updated["text"] == "Claim 1 (checked)"
    assert updated["message"]["blocks"] == [SECTION]  # update without blocks keeps them

    stored = standin.message("C0NEWSDESK", posted["ts"])
    assert stored["text"] == "Claim 1 (checked)"
    assert stored["edited"]["user"] == "UFACTBOT"
    assert [m["text"] for m in standin.thread("C0NEWSDESK", parent)] == [
        "Claim 1 (checked)",
        "Claim 2",
    ]
    assert [m["ts"] for m in standin.messages("C0NEWSDESK")] == [
        parent,
        posted["ts"],
        second["ts"],
    ]
    root = standin.message("C0NEWSDESK", parent)
    assert root["reply_count"] == 2
    assert root["latest_reply"] == second["ts"]


def test_ts_format_and_order(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0GENERAL", text=str(i))["ts"] for i in range(5)]

    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 5


def test_channel_by_name(client: WebClient) -> None:
    assert client.chat_postMessage(channel="#newsdesk", text="hi")["channel"] == "C0NEWSDESK"


def test_channel_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0NOPE", text="hello")

    assert _error(exc) == "channel_not_found"
    assert exc.value.response.status_code == 200


def test_not_in_channel(client: WebClient, standin: SlackStandIn) -> None:
    standin.add_channel("C0PRIVATE", "private", is_member=False)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0PRIVATE", text="hello")
    assert _error(exc) == "not_in_channel"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param(
            {"text": ""},
            "no_text",
            # slack_sdk itself warns about the missing text before sending it.
            marks=pytest.mark.filterwarnings("ignore:The top-level `text` argument"),
        ),
        ({"text": "x" * 40_001}, "msg_too_long"),
        ({"text": "reply", "thread_ts": "1.000001"}, "thread_not_found"),
    ],
)
def test_post_message_errors(client: WebClient, kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", **kwargs)
    assert _error(exc) == error


def test_update_errors(client: WebClient, standin: SlackStandIn) -> None:
    human = standin.add_message("C0GENERAL", "mine", user="U0BEN")

    with pytest.raises(SlackApiError) as not_found:
        client.chat_update(channel="C0GENERAL", ts="1.000001", text="x")
    with pytest.raises(SlackApiError) as not_ours:
        client.chat_update(channel="C0GENERAL", ts=human, text="x")

    assert _error(not_found) == "message_not_found"
    assert _error(not_ours) == "cant_update_message"


def test_ephemeral(client: WebClient, standin: SlackStandIn) -> None:
    response = client.chat_postEphemeral(channel="C0GENERAL", user="U0ANA", text="only you")

    assert response["message_ts"]
    assert standin.messages("C0GENERAL") == []
    assert standin.ephemeral_messages("C0GENERAL")[0]["user"] == "U0ANA"
    assert standin.calls_to("chat.postEphemeral")[0].args["text"] == "only you"
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel="C0GENERAL", user="U0GHOST", text="x")
    assert _error(exc) == "user_not_found"


def test_permalink(client: WebClient, standin: SlackStandIn) -> None:
    ts = standin.add_message("C0GENERAL", "hi", user="U0ANA", ts="1732480000.000100")
    reply = standin.add_message("C0GENERAL", "re", user="U0BEN", thread_ts=ts)

    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=ts)
    reply_link = client.chat_getPermalink(channel="C0GENERAL", message_ts=reply)

    assert link["permalink"] == (
        "https://factdesk-demo.slack.com/archives/C0GENERAL/p1732480000000100"
    )
    assert reply_link["permalink"].endswith(f"?thread_ts={ts}&cid=C0GENERAL")
    with pytest.raises(SlackApiError) as exc:
        client.chat_getPermalink(channel="C0GENERAL", message_ts="1.000001")
    assert _error(exc) == "message_not_found"


def test_reactions(client: WebClient, standin: SlackStandIn) -> None:
    ts = standin.add_message("C0NEWSDESK", "a link", user="U0ANA")

    client.reactions_add(channel="C0NEWSDESK", timestamp=ts, name="eyes")
    assert standin.message("C0NEWSDESK", ts)["reactions"] == [
        {"name": "eyes", "users": ["UFACTBOT"], "count": 1}
    ]
    with pytest.raises(SlackApiError) as again:
        client.reactions_add(channel="C0NEWSDESK", timestamp=ts, name="eyes")
    client.reactions_remove(channel="C0NEWSDESK", timestamp=ts, name="eyes")
    assert standin.message("C0NEWSDESK", ts)["reactions"] == []
    with pytest.raises(SlackApiError) as gone:
        client.reactions_remove(channel="C0NEWSDESK", timestamp=ts, name="eyes")
    with pytest.raises(SlackApiError) as bad_name:
        client.reactions_add(channel="C0NEWSDESK", timestamp=ts, name="Not An Emoji!")
    with pytest.raises(SlackApiError) as missing:
        client.reactions_add(channel="C0NEWSDESK", timestamp="1.000001", name="eyes")

    assert _error(again) == "already_reacted"
    assert _error(gone) == "no_reaction"
    assert _error(bad_name) == "invalid_name"
    assert _error(missing) == "message_not_found"


# -- views ----------------------------------------------------------------------

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "claim_edit",
    "title": {"type": "plain_text", "text": "Edit claim"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "claim",
            "label": {"type": "plain_text", "text": "Claim"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


def test_views_open_and_update(client: WebClient, standin: SlackStandIn) -> None:
    opened = client.views_open(trigger_id="123.456.abc", view=MODAL)
    view = opened["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    assert view["callback_id"] == "claim_edit"

    changed = {**MODAL, "title": {"type": "plain_text", "text": "Edited"}}
    updated = client.views_update(view_id=view["id"], view=changed, hash=view["hash"])
    assert updated["view"]["id"] == view["id"]
    assert updated["view"]["title"]["text"] == "Edited"
    assert standin.view(view["id"])["title"]["text"] == "Edited"

    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=view["id"], view=MODAL, hash=view["hash"])
    with pytest.raises(SlackApiError) as unknown:
        client.views_update(view_id="V0NOPE", view=MODAL)
    assert _error(stale) == "hash_conflict"
    assert _error(unknown) == "not_found"


def test_views_update_by_external_id(client: WebClient) -> None:
    opened = client.views_open(trigger_id="t", view={**MODAL, "external_id": "claim-7"})
    updated = client.views_update(external_id="claim-7", view={**MODAL, "external_id": "claim-7"})
    assert updated["view"]["id"] == opened["view"]["id"]


def test_views_open_errors(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as no_trigger:
        client.views_open(trigger_id="", view=MODAL)
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError) as bad_view:
        client.views_open(trigger_id="t", view=long_title)

    assert _error(no_trigger) == "invalid_trigger_id"
    assert _error(bad_view) == "invalid_arguments"
    assert bad_view.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]


def test_views_publish(client: WebClient, standin: SlackStandIn) -> None:
    home = {"type": "home", "blocks": [SECTION]}

    first = client.views_publish(user_id="U0ANA", view=home)
    second = client.views_publish(user_id="U0ANA", view={**home, "blocks": []})

    assert first["view"]["type"] == "home"
    assert second["view"]["id"] == first["view"]["id"]
    assert standin.home_view("U0ANA")["blocks"] == []
    with pytest.raises(SlackApiError) as modal:
        client.views_publish(user_id="U0ANA", view=MODAL)
    with pytest.raises(SlackApiError) as nobody:
        client.views_publish(user_id="U0GHOST", view=home)
    assert _error(modal) == "invalid_arguments"
    assert _error(nobody) == "user_not_found"


# -- users and conversations ----------------------------------------------------


def test_users_info(client: WebClient, standin: SlackStandIn) -> None:
    standin.add_user("U0EDITOR", "eve", real_name="Eve Editor", is_admin=True, tz="Europe/Lisbon")

    ana = client.users_info(user="U0ANA")["user"]
    eve = client.users_info(user="U0EDITOR")["user"]
    bot = client.users_info(user="UFACTBOT")["user"]

    assert ana["name"] == "ana"
    assert ana["real_name"] == "Ana Lima"
    assert ana["profile"]["real_name"] == "Ana Lima"
    assert ana["team_id"] == "T0FACTDESK"
    assert eve["is_admin"] is True
    assert eve["tz"] == "Europe/Lisbon"
    assert bot["is_bot"] is True
    with pytest.raises(SlackApiError) as exc:
        client.users_info(user="U0GHOST")
    assert _error(exc) == "user_not_found"


def test_conversations_info(client: WebClient) -> None:
    channel = client.conversations_info(channel="C0NEWSDESK")["channel"]

    assert channel["id"] == "C0NEWSDESK"
    assert channel["name"] == "newsdesk"
    assert channel["is_channel"] is True
    assert channel["is_member"] is True
    with pytest.raises(SlackApiError) as exc:
        client.conversations_info(channel="C0NOPE")
    assert _error(exc) == "channel_not_found"


# -- Block Kit errors through the API --------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([{"type": "divider"}] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
        (
            [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [_button("go", "x" * 76)]}],
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [_button("go"), _button("go")]}],
            "duplicate action_id: go [json-pointer:/blocks/0/elements/1/action_id]",
        ),
        (
            [{"type": "section", "text": {"type": "mrkdwn"}}],
            "missing required field: text [json-pointer:/blocks/0/text]",
        ),
    ],
    ids=["51-blocks", "3001-char-section", "76-char-button", "duplicate-action-id", "no-text"],
)
def test_invalid_blocks(
    client: WebClient, standin: SlackStandIn, blocks: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="fallback", blocks=blocks)

    data = exc.value.response.data
    assert isinstance(data, dict)
    assert data["error"] == "invalid_blocks"
    assert message in data["errors"]
    assert f"[ERROR] {message}" in data["response_metadata"]["messages"]
    assert standin.messages("C0GENERAL") == []
    assert standin.calls_to("chat.postMessage")[0].response == data


def test_form_encoded_blocks_are_decoded(standin: SlackStandIn) -> None:
    client = WebClient(token="xoxb-test", base_url=standin.base_url)
    # api_call with params= sends a form body, so blocks travel as a JSON string.
    client.api_call(
        "chat.postMessage",
        params={"channel": "C0GENERAL", "text": "t", "blocks": json.dumps([SECTION])},
    )
    call = standin.calls_to("chat.postMessage")[0]
    assert call.args["blocks"] == [SECTION]
    assert standin.messages("C0GENERAL")[0]["blocks"] == [SECTION]


def test_undecodable_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.postMessage", params={"channel": "C0GENERAL", "blocks": "[not json"})
    assert _error(exc) == "invalid_blocks_format"


# -- rate limiting and injected failures -----------------------------------------


def test_ratelimited_without_retry(standin: SlackStandIn, client: WebClient) -> None:
    standin.set_rate_limit(True, per_second=0.5, burst=2)

    client.chat_postMessage(channel="C0GENERAL", text="1")
    client.chat_postMessage(channel="C0GENERAL", text="2")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="3")

    response = exc.value.response
    assert response.status_code == 429
    assert response.data == {"ok": False, "error": "ratelimited"}
    assert int(response.headers["Retry-After"]) >= 1
    # Another channel has its own bucket.
    client.chat_postMessage(channel="C0NEWSDESK", text="elsewhere")
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [200, 200, 429, 200]


def test_ratelimited_with_sdk_retry_handler(standin: SlackStandIn) -> None:
    standin.set_rate_limit(True, per_second=10, burst=2)
    client = WebClient(
        token="xoxb-test",
        base_url=standin.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)],
    )

    started = time.monotonic()
    for i in range(4):
        client.chat_postMessage(channel="C0GENERAL", text=f"post {i}")

    assert [m["text"] for m in standin.messages("C0GENERAL")] == [f"post {i}" for i in range(4)]
    assert 429 in [c.status for c in standin.calls_to("chat.postMessage")]
    assert time.monotonic() - started >= 1  # the SDK honoured Retry-After


def test_fail_next(client: WebClient, standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", "internal_error")
    standin.fail_next("chat.update", "ratelimited", status=429)

    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0GENERAL", text="1")
    posted = client.chat_postMessage(channel="C0GENERAL", text="2")
    with pytest.raises(SlackApiError) as limited:
        client.chat_update(channel="C0GENERAL", ts=posted["ts"], text="2b")

    assert _error(exc) == "internal_error"
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert [m["text"] for m in standin.messages("C0GENERAL")] == ["2"]


# -- recording, control API, response_url ------------------------------------------


def test_calls_record_bodies(client: WebClient, standin: SlackStandIn) -> None:
    client.chat_postMessage(channel="C0GENERAL", text="hello", blocks=[SECTION])
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0NOPE", text="lost")

    ok, failed = standin.calls_to("chat.postMessage")
    assert ok.args == {"channel": "C0GENERAL", "text": "hello", "blocks": [SECTION]}
    assert ok.token == "xoxb-test"
    assert ok.status == 200
    assert ok.response["ok"] is True
    assert failed.args["channel"] == "C0NOPE"
    assert failed.response == {"ok": False, "error": "channel_not_found"}
    assert ok.at <= failed.at
    assert [c.method for c in standin.calls] == ["chat.postMessage", "chat.postMessage"]


def test_wait_for(standin: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C0GENERAL", text="done")
    standin.wait_for(lambda s: s.messages("C0GENERAL")[0]["text"] == "done", timeout=1)

    def never(s: SlackStandIn) -> bool:
        return bool(s.messages("C0NEWSDESK"))

    with pytest.raises(TimeoutError, match=r"never still false.*chat\.postMessage->ok"):
        standin.wait_for(never, timeout=0.1)


def test_reset_keeps_workspace(client: WebClient, standin: SlackStandIn) -> None:
    standin.add_channel("C0EXTRA", "extra")
    client.chat_postMessage(channel="C0EXTRA", text="x")

    standin.reset()

    assert standin.calls == []
    assert standin.messages("C0EXTRA") == []
    client.chat_postMessage(channel="C0EXTRA", text="still here")


def test_http_control_api(client: WebClient, standin: SlackStandIn) -> None:
    client.chat_postMessage(channel="C0GENERAL", text="inspect me")

    calls = _get_json(f"{standin.url}/_standin/calls")
    messages = _get_json(f"{standin.url}/_standin/messages?channel=C0GENERAL")
    assert calls[0]["method"] == "chat.postMessage"
    assert calls[0]["args"]["text"] == "inspect me"
    assert messages[0]["text"] == "inspect me"

    reset = urllib.request.Request(f"{standin.url}/_standin/reset", data=b"", method="POST")
    with urllib.request.urlopen(reset, timeout=5) as response:
        assert json.load(response) == {"ok": True}
    assert _get_json(f"{standin.url}/_standin/calls") == []


def test_response_url(standin: SlackStandIn) -> None:
    webhook = WebhookClient(standin.response_url("T0/123/abc"))

    response = webhook.send(text="Checked!", replace_original=True)

    assert response.status_code == 200
    assert response.body == "ok"
    call = standin.calls_to("response_url")[0]
    assert call.args == {"text": "Checked!", "replace_original": True}
    assert call.path == "/response/T0/123/abc"
    assert call.token is None


def test_cli_prints_base_url_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "standin.slack_api", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/api/")
        response = WebClient(token="xoxb-cli", base_url=base_url).auth_test()
        assert response["user_id"] == "UFACTBOT"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_history_and_replies_return_metadata_only_when_asked(slack: SlackStandIn) -> None:
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-test", base_url=slack.base_url)
    parent = client.chat_postMessage(
        channel="C0NEWSDESK",
        text="parent",
        metadata={"event_type": "factdesk_post", "event_payload": {"key": "p"}},
    )["ts"]
    client.chat_postMessage(
        channel="C0NEWSDESK",
        thread_ts=parent,
        text="reply",
        metadata={"event_type": "factdesk_post", "event_payload": {"key": "r"}},
    )

    replies = client.conversations_replies(
        channel="C0NEWSDESK", ts=parent, include_all_metadata=True
    )["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply"]
    assert replies[1]["metadata"]["event_payload"] == {"key": "r"}

    history = client.conversations_history(channel="C0NEWSDESK", oldest=parent)["messages"]
    assert [m["text"] for m in history] == ["parent"], "history leaves thread replies out"
    assert "metadata" not in history[0]
