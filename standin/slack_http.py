"""The stand-in's HTTP plumbing: the server, body decoding and the routes to `SlackStandIn`.

Every route answers what Slack's would: `/api/<method>` the Web API (JSON or form bodies,
the token as a bearer header or a form field), `/oauth/v2/authorize` the consent page,
`/response/<key>` a `response_url`, `/upload/v1/<file>` files_upload_v2's upload URL; the
`/_standin/*` routes let a person inspect or reset the stand-in with curl.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from standin.slack_api import SlackStandIn

logger = logging.getLogger("standin.slack_api")

# Form-encoded requests carry nested structures as JSON strings (slack_sdk does this for
# every method it does not send as JSON); these are the ones we need to look inside.
_JSON_FIELDS = ("blocks", "attachments", "view", "metadata")


class StandInHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], standin: SlackStandIn) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.standin = standin
        super().__init__(address, _Handler)


def _parse_body(content_type: str, body: bytes) -> dict[str, Any] | None:
    """Decode a JSON or form body; ``None`` means it could not be read."""
    if not body:
        return {}
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if kind == "application/json":
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            return None
        return decoded if isinstance(decoded, dict) else None
    if kind in ("application/x-www-form-urlencoded", ""):
        return dict(parse_qsl(text, keep_blank_values=True))
    return None


def _decode_json_fields(args: dict[str, Any]) -> None:
    for key in _JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                args[key] = json.loads(value)
            except json.JSONDecodeError:
                # Leave the string; the method reports it with Slack's *_format error.
                continue


class _Handler(BaseHTTPRequestHandler):
    server_version = "SlackStandIn/1.0"

    @property
    def standin(self) -> SlackStandIn:
        return cast(StandInHTTPServer, self.server).standin

    def log_message(self, format: str, *args: Any) -> None:
        if self.standin.log_requests:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch(body=b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._dispatch(body=self.rfile.read(length) if length > 0 else b"")

    def _dispatch(self, body: bytes) -> None:
        try:
            self._route(body)
        except Exception:
            logger.exception("slack stand-in failed on %s %s", self.command, self.path)
            self._send_json(500, {"ok": False, "error": "internal_error"})

    def _route(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if path == "/api/oauth.v2.access":
            self._oauth_access(query, body)
        elif path == "/oauth/v2/authorize" and self.command == "GET":
            self._oauth_authorize(query)
        elif path.startswith("/api/"):
            self._api(unquote(path[len("/api/") :]), query, body)
        elif path.startswith("/response/") and self.command == "POST":
            status, text = self.standin._handle_response_url(body, path)
            self._send(status, text.encode(), "text/plain; charset=utf-8")
        elif path == "/_standin/calls" and self.command == "GET":
            self._send_json(200, self.standin._calls_json())
        elif path == "/_standin/messages" and self.command == "GET":
            messages = self.standin._messages_json(query.get("channel"))
            if messages is None:
                self._send_json(404, {"ok": False, "error": "channel_not_found"})
            else:
                self._send_json(200, messages)
        elif path.startswith("/upload/v1/") and self.command == "POST":
            status, text = self.standin._handle_upload(body, path)
            self._send(status, text.encode(), "text/plain; charset=utf-8")
        elif path == "/_standin/reset" and self.command == "POST":
            self.standin.reset()
            self._send_json(200, {"ok": True})
        else:
            self._send_json(404, {"ok": False, "error": "not_found"})

    def _oauth_access(self, query: dict[str, str], body: bytes) -> None:
        """oauth.v2.access: the app's credentials (HTTP Basic, or in the form) and a code."""
        args: dict[str, Any] = dict(query)
        args.update(_parse_body(self.headers.get("Content-Type", ""), body) or {})
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            try:
                user, _, password = (
                    base64.b64decode(authorization[len("Basic ") :]).decode().partition(":")
                )
            except (ValueError, UnicodeDecodeError):
                user, password = "", ""
            args.setdefault("client_id", user)
            args.setdefault("client_secret", password)
        status, reply = self.standin._oauth_v2_access(args, self.path)
        self._send_json(status, reply)

    def _oauth_authorize(self, query: dict[str, str]) -> None:
        """The consent page, as if an admin clicked Allow: back to the redirect URL."""
        location = self.standin._oauth_consent(query)
        if location is None:
            self._send_json(400, {"ok": False, "error": "bad_redirect_uri"})
            return
        self._send(302, b"", "text/plain; charset=utf-8", {"Location": location})

    def _api(self, method: str, query: dict[str, str], body: bytes) -> None:
        parsed = _parse_body(self.headers.get("Content-Type", ""), body)
        args: dict[str, Any] = dict(query)
        if parsed is not None:
            args.update(parsed)
        _decode_json_fields(args)
        token: str | None = None
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization[len("Bearer ") :].strip() or None
        form_token = args.pop("token", None)
        if token is None and isinstance(form_token, str) and form_token:
            token = form_token
        body_error: str | None = None
        if parsed is None:
            is_json = "json" in self.headers.get("Content-Type", "")
            body_error = "invalid_json" if is_json else "invalid_form_data"
        status, reply, headers = self.standin._handle_api(
            method,
            args,
            token,
            self.path,
            body_error=body_error,
            user_agent=self.headers.get("User-Agent", ""),
        )
        self._send_json(status, reply, headers)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(
            status,
            json.dumps(payload).encode("utf-8"),
            "application/json; charset=utf-8",
            headers,
        )

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


# -- command line ---------------------------------------------------------------------
