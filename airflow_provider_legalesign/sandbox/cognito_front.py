"""
A WSGI middleware in front of moto's Cognito that adds the checks real Cognito makes.

moto 5.2 accepts ``InitiateAuth`` with USER_PASSWORD_AUTH without checking ``SECRET_HASH`` and
without checking the app client's ``ExplicitAuthFlows``, and always issues tokens that live
3600 s. Real Cognito rejects both cases with HTTP 400, so this front does the same for clients
of the sandbox's pool, and rewrites ``AuthenticationResult.ExpiresIn`` to the sandbox's
``access_token_ttl``. SRP logins go through :mod:`~airflow_provider_legalesign.sandbox.cognito_srp`,
which checks the password proof that moto skips. It also counts every request by its ``X-Amz-Target`` action, and applies
the faults injected for the ``cognito`` side.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from airflow_provider_legalesign.sandbox.cognito_admin import INTERNAL_REQUEST_HEADER
from airflow_provider_legalesign.sandbox.faults import FaultInjector
from airflow_provider_legalesign.sandbox.srp_verifier import SrpRejected

if TYPE_CHECKING:
    from airflow_provider_legalesign.sandbox.auth_flow_counter import AuthFlowCounter
    from airflow_provider_legalesign.sandbox.cognito_admin import AppClient, CognitoAdmin
    from airflow_provider_legalesign.sandbox.cognito_srp import SrpFront
    from airflow_provider_legalesign.sandbox.counters import RequestCounter

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

AMZ_JSON = "application/x-amz-json-1.1"
INTERNAL_REQUEST_ENVIRON_KEY = "HTTP_" + INTERNAL_REQUEST_HEADER.upper().replace("-", "_")
# Actions whose successful responses can carry AuthenticationResult.ExpiresIn.
TOKEN_ACTIONS = frozenset(
    {"InitiateAuth", "RespondToAuthChallenge", "AdminInitiateAuth", "AdminRespondToAuthChallenge"}
)
# Actions after which a cached app client may be out of date.
CLIENT_CHANGING_ACTIONS = frozenset({"UpdateUserPoolClient", "DeleteUserPoolClient"})
# Flows that check SECRET_HASH against the USERNAME auth parameter.
USERNAME_SECRET_FLOWS = frozenset({"USER_PASSWORD_AUTH", "USER_SRP_AUTH"})
# Cognito's legacy ExplicitAuthFlows names, and the flow each one enables.
LEGACY_FLOW_NAMES = {
    "USER_PASSWORD_AUTH": "USER_PASSWORD_AUTH",
    "ADMIN_NO_SRP_AUTH": "ADMIN_USER_PASSWORD_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY": "CUSTOM_AUTH",
}


class CognitoError(Exception):
    """An AWS JSON protocol error that the front returns without calling moto."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def compute_secret_hash(client_id: str, client_secret: str, username: str) -> str:
    """Return Cognito's SECRET_HASH: Base64(HMAC-SHA256(key=client secret, msg=username + client id))."""
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def enabled_flows(explicit_auth_flows: Iterable[str]) -> set[str]:
    """
    Return the AuthFlow values that a client's ExplicitAuthFlows allow.

    With no flows configured, Cognito enables SRP, custom auth and refresh. The legacy names
    (without ``ALLOW_``) always leave SRP and refresh enabled.
    """
    configured = list(explicit_auth_flows)
    if not configured:
        return {"USER_SRP_AUTH", "CUSTOM_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"}
    flows = {name.removeprefix("ALLOW_") for name in configured if name.startswith("ALLOW_")}
    legacy = [LEGACY_FLOW_NAMES[name] for name in configured if name in LEGACY_FLOW_NAMES]
    if legacy:
        flows.update(legacy)
        flows.update({"USER_SRP_AUTH", "REFRESH_TOKEN_AUTH"})
    if "REFRESH_TOKEN_AUTH" in flows:
        flows.add("REFRESH_TOKEN")
    return flows


class CognitoFront:
    """
    WSGI middleware around moto's Cognito app.

    :param app: moto's Cognito WSGI application.
    :param admin: reads app-client settings from the sandbox's pool and marks internal calls.
    :param counter: counts requests on the ``cognito`` side.
    :param access_token_ttl: the ``ExpiresIn`` value, in seconds, written into token responses.
    :param faults: the faults to apply to requests from clients. None injects none.
    :param srp: handles SRP logins and their refreshes. None leaves them to moto, which checks no proof.
    :param auth_flows: counts processed InitiateAuth requests by AuthFlow. None counts nothing.
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        admin: CognitoAdmin,
        counter: RequestCounter,
        access_token_ttl: int,
        faults: FaultInjector | None = None,
        srp: SrpFront | None = None,
        auth_flows: AuthFlowCounter | None = None,
    ) -> None:
        self.app = app
        self.admin = admin
        self.counter = counter
        self.access_token_ttl = access_token_ttl
        self.faults = faults if faults is not None else FaultInjector()
        self.srp = srp
        self.auth_flows = auth_flows

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Handle one request: count it, then apply a pending fault or process it."""
        action = _action(environ)
        if environ.get(INTERNAL_REQUEST_ENVIRON_KEY) == self.admin.internal_marker:
            return self.app(environ, start_response)

        self.counter.record("cognito", [action])
        fault = self.faults.take("cognito", [action])
        if fault is not None:
            return self.faults.app(fault, self.process)(environ, start_response)
        return self.process(environ, start_response)

    def process(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Process one counted request: check InitiateAuth, pass it to moto, fix ExpiresIn."""
        action = _action(environ)
        self.counter.record_processed("cognito", [action])
        body = _read_body(environ)
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = None

        if action == "InitiateAuth" and isinstance(payload, dict):
            if self.auth_flows is not None:
                self.auth_flows.record(str(payload.get("AuthFlow")))
            try:
                self._check_initiate_auth(payload)
            except CognitoError as error:
                log.info(
                    "Rejected InitiateAuth for client %s: %s (%s)",
                    payload.get("ClientId"),
                    error.error_type,
                    error.message,
                )
                return _error_response(start_response, error)
        if self.srp is not None and isinstance(payload, dict):
            try:
                handled = self.srp.handle(
                    action, payload, lambda moto_payload: self._call_moto(environ, moto_payload)
                )
            except SrpRejected as rejected:
                log.info(
                    "Rejected %s for client %s: %s (%s)",
                    action,
                    payload.get("ClientId"),
                    rejected.error_type,
                    rejected.message,
                )
                return _error_response(start_response, CognitoError(rejected.error_type, rejected.message))
            if handled is not None:
                return _send(start_response, *handled)
        if action in CLIENT_CHANGING_ACTIONS and isinstance(payload, dict):
            self.admin.forget_app_client(str(payload.get("ClientId")))
        if action in TOKEN_ACTIONS:
            return self._call_with_ttl(environ, start_response)
        return self.app(environ, start_response)

    def _check_initiate_auth(self, payload: dict[str, Any]) -> None:
        client_id = payload.get("ClientId")
        flow = payload.get("AuthFlow")
        if not isinstance(client_id, str) or not isinstance(flow, str):
            return  # moto reports missing parameters itself.
        client = self.admin.find_app_client(client_id)
        if client is None:
            raise CognitoError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")
        if flow not in enabled_flows(client.explicit_auth_flows):
            raise CognitoError("InvalidParameterException", f"{flow} flow not enabled for this client")
        if client.secret is not None and flow in USERNAME_SECRET_FLOWS:
            self._check_secret_hash(client, payload.get("AuthParameters") or {})

    @staticmethod
    def _check_secret_hash(client: AppClient, parameters: dict[str, Any]) -> None:
        assert client.secret is not None
        received = parameters.get("SECRET_HASH")
        if not received:
            raise CognitoError(
                "NotAuthorizedException",
                f"Client {client.client_id} is configured with secret but SECRET_HASH was not received",
            )
        expected = compute_secret_hash(client.client_id, client.secret, str(parameters.get("USERNAME", "")))
        if not hmac.compare_digest(str(received), expected):
            raise CognitoError(
                "NotAuthorizedException", f"Unable to verify secret hash for client {client.client_id}"
            )

    def _call_with_ttl(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return _send(start_response, *self._call_moto(environ))

    def _call_moto(
        self, environ: dict[str, Any], payload: dict[str, Any] | None = None
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        """Pass the request to moto, with ``payload`` as its body if given, and fix ExpiresIn in the response."""
        if payload is not None:
            body = json.dumps(payload).encode()
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], Any]:
            captured["status"] = status
            captured["headers"] = headers
            return lambda _data: None

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

        if captured["status"].startswith("200"):
            body = self._rewrite_expires_in(body)
        return captured["status"], captured["headers"], body

    def _rewrite_expires_in(self, body: bytes) -> bytes:
        try:
            response_body = json.loads(body)
        except ValueError:
            return body
        result = response_body.get("AuthenticationResult") if isinstance(response_body, dict) else None
        if not isinstance(result, dict) or "ExpiresIn" not in result:
            return body
        result["ExpiresIn"] = self.access_token_ttl
        return json.dumps(response_body).encode()


def _action(environ: dict[str, Any]) -> str:
    return environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2] or "(no X-Amz-Target)"


def _read_body(environ: dict[str, Any]) -> bytes:
    # The body is read once here and put back, because moto reads it again.
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _send(
    start_response: Callable[..., Any], status: str, headers: list[tuple[str, str]], body: bytes
) -> list[bytes]:
    headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    start_response(status, headers)
    return [body]


def _error_response(start_response: Callable[..., Any], error: CognitoError) -> list[bytes]:
    body = json.dumps({"__type": error.error_type, "message": error.message}).encode()
    start_response(
        "400 Bad Request",
        [
            ("Content-Type", AMZ_JSON),
            ("Content-Length", str(len(body))),
            ("x-amzn-ErrorType", error.error_type),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )
    return [body]
