"""
A scripted stand-in for Cognito and the GraphQL endpoint on 127.0.0.1, for unit tests of one case.

By default it logs users in and answers GraphQL with fixed data, checking the bearer token the way
AppSync does. A test queues ``Reply`` objects to make the next requests of one side fail in a chosen
way, then asserts on the requests recorded at the server.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USER = {"id": "dXNyZmFrZQ==", "email": "fake.user@example.com", "firstName": "Fake", "lastName": "User"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Reply:
    """
    One scripted answer.

    :param status: HTTP status.
    :param body: a dict or list is sent as JSON, a str or bytes as it is.
    :param headers: extra response headers.
    :param delay: seconds to wait before answering, to provoke a client read timeout.
    :param drop: close the connection after reading the request, without answering.
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: Any


class FakeLegalesign:
    """Both sides of Legalesign on one loopback port: Cognito at ``/``, GraphQL at ``/graphql``."""

    def __init__(self, *, port: int = 0) -> None:
        self.expires_in = 3600
        self.cognito_replies: deque[Reply] = deque()
        self.graphql_replies: deque[Reply] = deque()
        self.cognito_requests: list[RecordedRequest] = []
        self.graphql_requests: list[RecordedRequest] = []
        self.file_replies: deque[Reply] = deque()
        self.file_requests: list[RecordedRequest] = []
        self.valid_tokens: set[str] = set()
        self.graphql_data: dict[str, Any] = {"user": USER}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def cognito_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def graphql_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def file_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/files/{name}"

    def start(self) -> FakeLegalesign:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def revoke_tokens(self) -> None:
        with self._lock:
            self.valid_tokens.clear()

    def connection(self, **extra: Any) -> dict[str, Any]:
        return {
            "conn_type": "legalesign",
            "host": self.graphql_url,
            "login": "fake.user@example.com",
            "password": "fake-password-8d1c",
            "extra": {"client_id": "fakeclient", "auth_endpoint": self.cognito_url, **extra},
        }

    def _login_reply(self) -> Reply:
        token = f"access-{uuid.uuid4().hex}"
        with self._lock:
            self.valid_tokens.add(token)
        return Reply(
            body={
                "AuthenticationResult": {
                    "AccessToken": token,
                    "ExpiresIn": self.expires_in,
                    "RefreshToken": f"refresh-{uuid.uuid4().hex}",
                    "IdToken": f"id-{uuid.uuid4().hex}",
                    "TokenType": "Bearer",
                }
            }
        )

    def _graphql_reply(self, headers: dict[str, str]) -> Reply:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        with self._lock:
            valid = token in self.valid_tokens
        if not valid:
            return Reply(
                status=401,
                body={"errors": [{"errorType": "UnauthorizedException", "message": "Token has expired."}]},
            )
        return Reply(body={"data": self.graphql_data})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                headers = {key.lower(): value for key, value in self.headers.items()}
                with fake._lock:
                    fake.file_requests.append(RecordedRequest(path=self.path, headers=headers, body=None))
                    scripted = fake.file_replies.popleft() if fake.file_replies else None
                if scripted is None and "authorization" in headers:
                    scripted = Reply(status=400, body="<Error><Code>InvalidArgument</Code></Error>")
                self._send(scripted or Reply(body=PDF, headers={"Content-Type": "application/pdf"}))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                headers = {key.lower(): value for key, value in self.headers.items()}
                record = RecordedRequest(path=self.path, headers=headers, body=body)
                if self.path.startswith("/graphql"):
                    with fake._lock:
                        fake.graphql_requests.append(record)
                        scripted = fake.graphql_replies.popleft() if fake.graphql_replies else None
                    reply = scripted or fake._graphql_reply(headers)
                else:
                    with fake._lock:
                        fake.cognito_requests.append(record)
                        scripted = fake.cognito_replies.popleft() if fake.cognito_replies else None
                    reply = scripted or fake._login_reply()
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if isinstance(reply.body, (dict, list)):
                    payload = json.dumps(reply.body).encode()
                    content_type = "application/json"
                elif isinstance(reply.body, str):
                    payload = reply.body.encode()
                    content_type = "text/html"
                else:
                    payload = reply.body or b""
                    content_type = reply.headers.pop("Content-Type", "application/octet-stream")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up first (a read timeout); nothing is left to answer.
                    self.close_connection = True

        return Handler


def cognito_error(code: str, message: str, *, status: int = 400, header_only: bool = False) -> Reply:
    """Return a Cognito error reply, with the code in the body (as AWS does) or only in the header."""
    body: dict[str, str] = {"message": message}
    if not header_only:
        body["__type"] = code
    return Reply(
        status=status, body=body, headers={"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/"}
    )
