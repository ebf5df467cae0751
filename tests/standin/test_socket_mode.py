"""The Socket Mode stand-in, driven by slack_sdk's own Socket Mode client."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import websocket
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from standin.slack_api import SlackStandIn
from standin.socket_mode import SocketModeStandIn

APP_TOKEN = "xapp-1-A0TEST-1-test"


def _error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


def test_only_an_app_token_opens_a_connection_and_it_does_nothing_else(
    standin: SlackStandIn,
) -> None:
    with pytest.raises(SlackApiError) as switched_off:
        WebClient(base_url=standin.base_url).apps_connections_open(app_token=APP_TOKEN)
    with SocketModeStandIn() as socket_mode:
        standin.socket_mode_url = lambda: socket_mode.url
        opened = WebClient(base_url=standin.base_url).apps_connections_open(app_token=APP_TOKEN)
        with pytest.raises(SlackApiError) as bot_token:
            WebClient(base_url=standin.base_url).apps_connections_open(app_token="xoxb-bot")
        with pytest.raises(SlackApiError) as app_token_posting:
            WebClient(token=APP_TOKEN, base_url=standin.base_url).chat_postMessage(
                channel="C0NEWSDESK", text="hi"
            )

    assert _error(switched_off) == "socket_mode_not_enabled"
    assert str(opened["url"]).startswith("ws://127.0.0.1:")
    assert _error(bot_token) == "not_allowed_token_type"
    assert _error(app_token_posting) == "not_allowed_token_type"


def test_envelopes_reach_the_client_and_its_acks_come_back(standin: SlackStandIn) -> None:
    received: list[dict[str, Any]] = []
    got = threading.Event()

    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        received.append({"type": request.type, "payload": request.payload})
        answer = {"text": "ok"} if request.type == "slash_commands" else None
        client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload=answer)
        )
        got.set()

    with SocketModeStandIn() as socket_mode:
        standin.socket_mode_url = lambda: socket_mode.url
        client = SocketModeClient(
            app_token=APP_TOKEN, web_client=WebClient(base_url=standin.base_url)
        )
        client.socket_mode_request_listeners.append(listener)
        client.connect()
        try:
            socket_mode.wait_connected(timeout=10)
            event = socket_mode.send("events_api", {"type": "event_callback", "event": {}})
            command = socket_mode.send(
                "slash_commands", {"command": "/factcheck"}, accepts_response_payload=True
            )
            event_ack = socket_mode.wait_ack(event)
            command_ack = socket_mode.wait_ack(command)
        finally:
            client.close()

    assert [r["type"] for r in received] == ["events_api", "slash_commands"]
    assert event_ack.body == {"envelope_id": event}
    assert command_ack.body == {"envelope_id": command, "payload": {"text": "ok"}}
    assert 0 <= event_ack.seconds < 5


def _raw_connection(socket_mode: SocketModeStandIn) -> websocket.WebSocket:
    ws = websocket.create_connection(socket_mode.url, timeout=5)
    _, hello = ws.recv_data_frame(control_frame=True)
    assert json.loads(hello.data)["type"] == "hello"
    return ws


def test_drop_ends_the_tcp_connection_without_a_close_frame() -> None:
    with SocketModeStandIn() as socket_mode:
        ws = _raw_connection(socket_mode)
        socket_mode.drop()

        with pytest.raises(websocket.WebSocketConnectionClosedException):
            ws.recv_data_frame(control_frame=True)  # end of stream, no close frame first


def test_disconnect_says_why_still_delivers_then_closes_with_a_close_frame() -> None:
    with SocketModeStandIn() as socket_mode:
        ws = _raw_connection(socket_mode)
        told = socket_mode.disconnect("warning", close_after=0.3)
        envelope = socket_mode.send("events_api", {"type": "event_callback"}, via=told)

        frames = [ws.recv_data_frame(control_frame=True) for _ in range(3)]

    kinds = [opcode for opcode, _ in frames]
    assert kinds == [websocket.ABNF.OPCODE_TEXT] * 2 + [websocket.ABNF.OPCODE_CLOSE]
    assert json.loads(frames[0][1].data) == {
        "type": "disconnect",
        "reason": "warning",
        "debug_info": {"host": "factdesk-standin"},
    }
    assert json.loads(frames[1][1].data)["envelope_id"] == envelope


def test_a_silent_connection_answers_no_ping_and_takes_no_envelope() -> None:
    with SocketModeStandIn() as socket_mode:
        ws = _raw_connection(socket_mode)
        socket_mode.go_silent()
        ws.ping("are you there")
        ws.settimeout(0.5)

        with pytest.raises(websocket.WebSocketTimeoutException):
            ws.recv_data_frame(control_frame=True)
        with pytest.raises(RuntimeError, match="no app is connected"):
            socket_mode.send("events_api", {"type": "event_callback"})


def test_refusing_answers_handshakes_503() -> None:
    with (
        SocketModeStandIn() as socket_mode,
        socket_mode.refusing(),
        pytest.raises(websocket.WebSocketBadStatusException) as refused,
    ):
        websocket.create_connection(socket_mode.url, timeout=5)

    assert refused.value.status_code == 503
