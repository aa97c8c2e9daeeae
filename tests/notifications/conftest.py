"""Real local receivers for notification tests: an SMTP server and an HTTP webhook endpoint.

Both listen on 127.0.0.1 on a free port and record what they receive, so tests exercise the
actual protocols (smtplib, urllib) rather than mocks. Fixtures:

- ``smtp_server``: ``.host``, ``.port``, ``.messages`` (parsed ``EmailMessage``s),
  ``.raw_messages``, ``.envelopes``, ``.reject_recipient(address, reply)``,
  ``.queue_data_reply(reply)``, and AUTH PLAIN/LOGIN accepting ``.username`` / ``.password``.
- ``webhook_server``: ``.url``, ``.requests`` (``RecordedRequest``), and
  ``.queue_response(status, body, delay)`` to script the next answers (default: 200 with
  ``{"errcode": 0, "errmsg": "ok"}``, which satisfies plain JSON, WeCom and DingTalk senders).
- ``unused_tcp_port``: a port nothing listens on, for "connection refused" cases.

To reuse them outside tests/notifications, move them to a higher conftest or list this module
in the root conftest's ``pytest_plugins``.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LOCALHOST = "127.0.0.1"


def _free_port() -> int:
    # aiosmtpd's Controller connects to its own port to check it started, so it cannot be
    # given port 0; take a free one from the OS (the tiny race is acceptable in tests).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCALHOST, 0))
        return probe.getsockname()[1]


@pytest.fixture
def unused_tcp_port() -> int:
    return _free_port()


# --- SMTP -------------------------------------------------------------------------------------


@dataclass
class ReceivedEnvelope:
    mail_from: str
    rcpt_tos: list[str]
    #: Login of an authenticated session, None when the client did not AUTH.
    authenticated_as: str | None


@dataclass
class LocalSMTPServer:
    host: str
    port: int
    username: str = "notifier"
    password: str = "s3cret-pass"
    messages: list[EmailMessage] = field(default_factory=list)
    #: The bytes as received, to check the wire format (ASCII-only headers and bodies).
    raw_messages: list[bytes] = field(default_factory=list)
    envelopes: list[ReceivedEnvelope] = field(default_factory=list)
    _rejected: dict[str, str] = field(default_factory=dict)
    _data_replies: deque[str] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reject_recipient(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        """Answer RCPT TO for ``address`` with ``reply`` (a 4xx reply means "try later")."""
        self._rejected[address] = reply

    def queue_data_reply(self, reply: str) -> None:
        """Answer the next DATA with ``reply`` (e.g. "451 4.3.0 Try again later")."""
        self._data_replies.append(reply)

    # aiosmtpd handler hooks, run on the server's event-loop thread.

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self._rejected:
            return self._rejected[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self._data_replies:
                return self._data_replies.popleft()
            message = BytesParser(policy=policy.default).parsebytes(envelope.content)
            self.messages.append(message)
            self.raw_messages.append(envelope.content)
            self.envelopes.append(
                ReceivedEnvelope(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    authenticated_as=session.auth_data if session.authenticated else None,
                )
            )
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        ):
            return AuthResult(success=True, auth_data=self.username)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[LocalSMTPServer]:
    server = LocalSMTPServer(host=LOCALHOST, port=_free_port())
    controller = Controller(
        server,
        hostname=server.host,
        port=server.port,
        authenticator=server.authenticate,
        # Plain-text AUTH is fine on loopback; real relays get STARTTLS or SSL.
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


# --- webhooks ---------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    #: Header names lower-cased.
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _ScriptedResponse:
    status: int
    body: bytes
    delay: float


_DEFAULT_BOT_REPLY = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()


class LocalWebhookServer:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._responses: deque[_ScriptedResponse] = deque()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((LOCALHOST, 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A client that timed out leaves a handler writing to a closed socket; that is the
        # scenario under test, not an error worth printing.
        self._httpd.handle_error = lambda request, client_address: None
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}/hook"
        # A short poll interval keeps shutdown() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def queue_response(
        self, status: int = 200, body: dict | bytes | None = None, delay: float = 0.0
    ) -> None:
        """Script the next answer; ``delay`` seconds before answering simulates a slow peer."""
        if body is None:
            raw = _DEFAULT_BOT_REPLY
        elif isinstance(body, bytes):
            raw = body
        else:
            raw = json.dumps(body, ensure_ascii=False).encode()
        with self._lock:
            self._responses.append(_ScriptedResponse(status, raw, delay))

    def _next_response(self) -> _ScriptedResponse:
        with self._lock:
            if self._responses:
                return self._responses.popleft()
        return _ScriptedResponse(200, _DEFAULT_BOT_REPLY, 0.0)

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(self.rfile.read(length))

            def do_GET(self) -> None:
                self._answer(b"")

            def _answer(self, body: bytes) -> None:
                parts = urlsplit(self.path)
                owner._record(
                    RecordedRequest(
                        method=self.command,
                        path=parts.path,
                        query=parse_qs(parts.query),
                        headers={name.lower(): value for name, value in self.headers.items()},
                        body=body,
                    )
                )
                response = owner._next_response()
                if response.delay:
                    time.sleep(response.delay)
                self.send_response(response.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def webhook_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalWebhookServer]:
    # A developer's or CI's HTTP proxy must not intercept requests to loopback.
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, ",".join(filter(None, [os.environ.get(name), LOCALHOST])))
    server = LocalWebhookServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
