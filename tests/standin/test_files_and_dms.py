"""files_upload_v2's three steps and conversations.open, as the stand-in answers them."""

from __future__ import annotations

import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from standin.slack_api import SlackStandIn


def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as failed:
        call()  # type: ignore[operator]
    return str(failed.value.response["error"])


def test_files_upload_v2_shares_the_bytes_in_a_thread(
    standin: SlackStandIn, client: WebClient
) -> None:
    root = client.chat_postMessage(channel="C0NEWSDESK", text="digest")["ts"]

    done = client.files_upload_v2(
        channel="C0NEWSDESK",
        thread_ts=root,
        file=b"\x89PNG-bytes",
        filename="chart.png",
        title="Chart",
        alt_txt="A chart",
        initial_comment="Here it is",
    )

    [stored] = standin.files()
    assert done["file"] == {"id": stored["id"], "title": "Chart"}
    assert stored["content"] == b"\x89PNG-bytes"
    assert (stored["name"], stored["filetype"], stored["alt_txt"]) == (
        "chart.png",
        "png",
        "A chart",
    )
    [reply] = standin.thread("C0NEWSDESK", root)
    assert reply["text"] == "Here it is"
    assert reply["files"][0]["id"] == stored["id"]
    assert [c.method for c in standin.calls] == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_upload_arguments_are_checked(standin: SlackStandIn, client: WebClient) -> None:
    assert _error(lambda: client.api_call("files.getUploadURLExternal", params={"filename": "a"}))
    assert (
        _error(lambda: client.files_getUploadURLExternal(filename="a.csv", length=0))
        == "missing_argument"
    )
    assert (
        _error(
            lambda: client.files_getUploadURLExternal(
                filename="a.csv", length=3, alt_txt="x" * 1001
            )
        )
        == "alt_txt_too_large"
    )
    pending = client.files_getUploadURLExternal(filename="a.csv", length=3)
    # Completing before the bytes arrive finds no file.
    assert (
        _error(lambda: client.files_completeUploadExternal(files=[{"id": pending["file_id"]}]))
        == "file_not_found"
    )
    wrong = urllib.request.Request(pending["upload_url"], data=b"toolong", method="POST")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(wrong, timeout=5)  # the stand-in, on loopback
    right = urllib.request.Request(pending["upload_url"], data=b"a,b", method="POST")
    assert urllib.request.urlopen(right, timeout=5).status == 200
    standin.add_channel("C0OUTSIDE", "outside", is_member=False)
    assert (
        _error(
            lambda: client.files_completeUploadExternal(
                files=[{"id": pending["file_id"]}], channel_id="C0OUTSIDE"
            )
        )
        == "not_in_channel"
    )
    client.files_completeUploadExternal(files=[{"id": pending["file_id"]}], channel_id="C0GENERAL")
    # It can be completed once.
    assert (
        _error(lambda: client.files_completeUploadExternal(files=[{"id": pending["file_id"]}]))
        == "file_not_found"
    )
    assert _error(lambda: client.api_call("files.completeUploadExternal", params={})) == (
        "invalid_arguments"
    )


def test_conversations_open_gives_one_dm_per_person(
    standin: SlackStandIn, client: WebClient
) -> None:
    first = client.conversations_open(users="U0ANA")
    again = client.conversations_open(users="U0ANA")
    dm = first["channel"]["id"]

    assert dm.startswith("D")
    assert again["channel"]["id"] == dm
    assert again["already_open"] is True
    assert standin.dm_channel("U0ANA") == dm
    client.chat_postMessage(channel=dm, text="psst")
    assert standin.messages(dm)[0]["text"] == "psst"
    assert _error(lambda: client.conversations_open(users="U0NOBODY")) == "user_not_found"
    assert _error(lambda: client.api_call("conversations.open", params={})) == (
        "users_list_not_supplied"
    )
