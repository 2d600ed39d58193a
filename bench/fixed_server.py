"""
A minimal HTTP server on 127.0.0.1 that returns one fixed JSON body at once, so that a client's own
cost per request is what a timing shows.

It responds to a request that carries ``X-Amz-Target`` (a Cognito call) with a login result that
contains a fixed access token, to a ``GetDocument`` query with a document that stays in progress, and
to any other request with ``{"data": {"user": ...}}``. It keeps connections
open (HTTP/1.1 keep-alive), or closes each one after its response with ``--close``. Run it as
``python -m bench.fixed_server``; it prints ``port <n>`` and serves until it is terminated.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
from typing import IO

from bench.environment import REPO_ROOT, child_environment

HOST = "127.0.0.1"
ACCESS_TOKEN = "fixed-server-access-token"
USER = {"id": "dXNyZml4ZWQ=", "email": "fixed.user@example.com"}
DOCUMENT: dict[str, object] = {
    "id": "ZG9jZml4ZWQ=",
    "name": "Fixed document",
    "status": "IN_PROGRESS",
    "tags": [],
    "created": "2026-01-01T00:00:00.000Z",
    "modified": "2026-01-01T00:00:00.000Z",
    "taskId": None,
    "recipients": [],
}
MAX_HEADER_BYTES = 65536


def _response(body: object, *, close: bool) -> bytes:
    payload = json.dumps(body).encode()
    connection = "close" if close else "keep-alive"
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        f"Connection: {connection}\r\n\r\n"
    )
    return head.encode() + payload


def _serve_connection(connection: socket.socket, responses: dict[str, bytes], close: bool) -> None:
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = b""
    with connection:
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = connection.recv(65536)
                if not chunk or len(buffer) > MAX_HEADER_BYTES:
                    return
                buffer += chunk
            head, _, rest = buffer.partition(b"\r\n\r\n")
            headers = {}
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            while len(rest) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                rest += chunk
            body, buffer = rest[:length], rest[length:]
            if b"x-amz-target" in headers:
                kind = "login"
            elif b'"GetDocument"' in body:
                kind = "document"
            else:
                kind = "user"
            connection.sendall(responses[kind])
            if close:
                return


def serve(listener: socket.socket, *, close: bool) -> None:
    """Accept connections on ``listener`` forever, one thread per connection."""
    login_result = {"AccessToken": ACCESS_TOKEN, "ExpiresIn": 3600, "TokenType": "Bearer"}
    responses = {
        "login": _response({"AuthenticationResult": login_result}, close=close),
        "document": _response({"data": {"document": DOCUMENT}}, close=close),
        "user": _response({"data": {"user": USER}}, close=close),
    }
    while True:
        connection, _ = listener.accept()
        threading.Thread(
            target=_serve_connection,
            args=(connection, responses, close),
            daemon=True,
        ).start()


def main(argv: list[str] | None = None) -> int:
    """Bind a free port on 127.0.0.1, print it, and serve."""
    parser = argparse.ArgumentParser(prog="python -m bench.fixed_server", description=__doc__)
    parser.add_argument("--close", action="store_true", help="close each connection after its response")
    args = parser.parse_args(argv)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((HOST, 0))
    listener.listen(256)
    print(f"port {listener.getsockname()[1]}", flush=True)
    serve(listener, close=args.close)
    return 0


class FixedServerProcess:
    """The fixed server in a process of its own; use it as a context manager."""

    def __init__(self, *, close: bool = False) -> None:
        self.close = close
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> FixedServerProcess:
        command = [sys.executable, "-m", "bench.fixed_server"] + (["--close"] if self.close else [])
        self._process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=child_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        stdout: IO[str] | None = self._process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line.startswith("port "):
            self.stop()
            raise RuntimeError(f"The fixed server did not start; it printed {line!r}.")
        self.port = int(line.split()[1])
        return self

    def connection(self) -> dict[str, object]:
        """Return an Airflow connection whose GraphQL and Cognito endpoints are both this server."""
        return {
            "conn_type": "legalesign",
            "host": f"http://{HOST}:{self.port}/graphql",
            "login": "fixed.user@example.com",
            "password": "not-checked",
            "extra": {"client_id": "fixed-client", "auth_endpoint": f"http://{HOST}:{self.port}/"},
        }

    def stop(self) -> None:
        """Terminate the server process."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit(main())
