"""
Record every secret that crosses the sandbox's servers, whichever process the client runs in.

The recorder wraps the WSGI apps of both sandbox servers and reads each request and response: the
password and SECRET_HASH of logins, the tokens that Cognito issues, the bearer tokens that GraphQL
requests carry, and the signatures of download links. A leak scan then searches its outputs for
all of them, including tokens issued inside an ``airflow dags test`` subprocess.
"""

from __future__ import annotations

import io
import json
import re
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from airflow_provider_legalesign.sandbox import Sandbox

# Cognito request and response fields whose values are secrets.
SECRET_PARAMETERS = ("PASSWORD", "SECRET_HASH", "REFRESH_TOKEN")
TOKEN_FIELDS = ("AccessToken", "IdToken", "RefreshToken")
SIGNATURE = re.compile(r"X-Amz-Signature=([0-9a-f]{16,})")
BEARER = re.compile(r"^Bearer\s+(\S+)$")


class SecretRecorder:
    """The secrets seen on the wire, by kind, such as ``{"AccessToken": {...}}``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.secrets: dict[str, set[str]] = {}

    def add(self, kind: str, value: Any) -> None:
        if isinstance(value, str) and len(value) >= 8:
            with self._lock:
                self.secrets.setdefault(kind, set()).add(value)

    def all_values(self) -> dict[str, str]:
        """Return each secret with a label of its kind, for the leak scan."""
        with self._lock:
            return {value: kind for kind, values in self.secrets.items() for value in values}

    def wrap(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def recording_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length > 0 else b""
            environ["wsgi.input"] = io.BytesIO(body)
            self._read_request(environ, body)
            result = app(environ, start_response)
            try:
                chunks = list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            self._read_response(b"".join(chunks))
            return chunks

        return recording_app

    def _read_request(self, environ: dict[str, Any], body: bytes) -> None:
        bearer = BEARER.match(environ.get("HTTP_AUTHORIZATION", ""))
        if bearer:
            self.add("bearer token", bearer.group(1))
        payload = _json(body)
        for section in ("AuthParameters", "ChallengeResponses"):
            parameters = payload.get(section) if isinstance(payload, dict) else None
            if isinstance(parameters, dict):
                for name in SECRET_PARAMETERS:
                    self.add(name, parameters.get(name))

    def _read_response(self, body: bytes) -> None:
        payload = _json(body)
        result = payload.get("AuthenticationResult") if isinstance(payload, dict) else None
        if isinstance(result, dict):
            for name in TOKEN_FIELDS:
                self.add(name, result.get(name))
        for signature in SIGNATURE.findall(body.decode("utf-8", errors="replace")):
            self.add("link signature", signature)


def record_secrets(sandbox: Sandbox) -> SecretRecorder:
    """Start recording the secrets that pass through both of the sandbox's servers."""
    recorder = SecretRecorder()
    # The werkzeug servers read their app from this attribute for every request.
    for server in (sandbox._cognito_server, sandbox._graphql_server):
        assert server is not None
        wsgi_server = server._server
        wsgi_server.app = recorder.wrap(wsgi_server.app)
    return recorder


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
