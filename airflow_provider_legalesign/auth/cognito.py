"""
Login to Legalesign through AWS Cognito's ``InitiateAuth`` API, spoken over plain ``requests``.

This is the exchange of Legalesign's Python tutorial (``USER_PASSWORD_AUTH``), with the error handling
an unattended pipeline needs. Cognito reports errors with an error code, in the body's ``__type``
(sometimes as ``namespace#Code``) or only in the ``x-amzn-ErrorType`` header, and with HTTP 400 for
most of them, throttling included. Errors are therefore classified by that code, never by the status.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from airflow_provider_legalesign.exceptions import LegalesignAPIError, LegalesignAuthError
from airflow_provider_legalesign.http_failures import (
    body_excerpt,
    describe_transport_error,
    parse_retry_after,
)
from airflow_provider_legalesign.retry import call_with_retries

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

INITIATE_AUTH_TARGET = "AWSCognitoIdentityProviderService.InitiateAuth"

# Cognito codes for a server-side condition that a later attempt may get past.
RETRYABLE_ERROR_CODES = frozenset({"TooManyRequestsException", "InternalErrorException"})

MFA_CHALLENGES = frozenset(
    {"SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "MFA_SETUP", "SELECT_MFA_TYPE", "SMS_OTP"}
)


@dataclass(frozen=True)
class CognitoTokens:
    """Tokens from a successful login. Only ``expires_in`` (seconds) appears in ``repr``."""

    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """Compute Cognito's SECRET_HASH: Base64(HMAC-SHA256(key=client secret, message=username + client id))."""
    digest = hmac.new(
        client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def _fix_for(error_code: str, message: str) -> str:
    """Return what the user should change for a login that Cognito rejected."""
    lowered = message.lower()
    if "secret hash" in lowered or "secret_hash" in lowered:
        return (
            "Check the connection's extra field client_secret: set it to the app client's secret if the "
            "client has one, and remove it if the client has none."
        )
    if "flow not enabled" in lowered or "auth flow" in lowered:
        return (
            "The app client does not allow USER_PASSWORD_AUTH. Ask Legalesign support for a client id "
            "that allows it, and set it as the connection's extra field client_id."
        )
    if "attempts exceeded" in lowered:
        return (
            "Cognito locks the user after repeated failed logins. Fix the connection's password, then wait "
            "for the lockout to pass before running again."
        )
    if "disabled" in lowered:
        return "The Legalesign user is disabled. Ask your Legalesign administrator to enable it."
    if error_code == "UserNotFoundException":
        return "Check the connection's login: it must be an existing Legalesign username (email)."
    if error_code == "ResourceNotFoundException":
        return (
            "The app client was not found. Check the connection's extra fields client_id, region and "
            "auth_endpoint."
        )
    if error_code == "PasswordResetRequiredException":
        return "Reset the password in Legalesign, then update the connection's password."
    if error_code == "UserNotConfirmedException":
        return "Confirm the Legalesign account first (follow the link in the invitation email)."
    if error_code == "NotAuthorizedException":
        return "Check the connection's login and password."
    return "Check the connection's login, password, client_id and client_secret."


# Codes that reject these credentials for good: retrying only extends Cognito's lockout of the user.
LOGIN_REJECTED_ERROR_CODES = frozenset(
    {
        "NotAuthorizedException",
        "UserNotFoundException",
        "ResourceNotFoundException",
        "InvalidParameterException",
        "PasswordResetRequiredException",
        "UserNotConfirmedException",
        "InvalidUserPoolConfigurationException",
        "UserLambdaValidationException",
    }
)


def _error_code(response: requests.Response, body: dict[str, Any] | None) -> str | None:
    code = body.get("__type") if body else None
    if not code:
        # The header has the form "Code:http://internal.amazon.com/coral/...".
        code = response.headers.get("x-amzn-ErrorType", "").split(":", 1)[0]
    if not code:
        return None
    return str(code).rsplit("#", 1)[-1]


def _challenge_advice(challenge: str) -> str:
    if challenge == "NEW_PASSWORD_REQUIRED":
        return (
            "The user still has a temporary password. Log in to Legalesign once in a browser to set a "
            "permanent one, then put it in the connection's password."
        )
    if challenge in MFA_CHALLENGES:
        return (
            "The user has multi-factor authentication, which an unattended pipeline cannot answer. Use a "
            "dedicated Legalesign user without MFA for Airflow."
        )
    return (
        "This provider cannot answer that challenge. Use a Legalesign user that logs in with a "
        "password alone."
    )


class CognitoClient:
    """
    Minimal client of Cognito's ``InitiateAuth`` for one app client.

    :param endpoint: Cognito endpoint URL, ``https://cognito-idp.<region>.amazonaws.com/``.
    :param client_id: the app client id.
    :param client_secret: the app client secret, if the client has one; SECRET_HASH is then sent.
    :param timeout: seconds for connect and for read, per HTTP request.
    :param max_attempts: attempts per login, the first included.
    :param session: the ``requests`` session to send with.
    :param register_secret: called with every secret this client derives (SECRET_HASH, tokens) so the
        caller can have it masked in logs.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        client_id: str,
        client_secret: str | None,
        timeout: float,
        max_attempts: int,
        session: requests.Session,
        register_secret: Callable[[str], None] = lambda secret: None,
    ) -> None:
        self.endpoint = endpoint
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.session = session
        self.register_secret = register_secret

    def password_login(self, username: str, password: str) -> CognitoTokens:
        """
        Log in with ``USER_PASSWORD_AUTH`` and return the tokens.

        :raises LegalesignAuthError: Cognito rejected the credentials or asked for a challenge. Not retried.
        :raises LegalesignAPIError: Cognito could not be reached or kept failing after every attempt.
        """
        parameters = {"USERNAME": username, "PASSWORD": password}
        if self.client_secret:
            parameters["SECRET_HASH"] = secret_hash(self.client_secret, username, self.client_id)
            self.register_secret(parameters["SECRET_HASH"])
        request_body = {
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": self.client_id,
            "AuthParameters": parameters,
        }

        log.info("Logging in to Legalesign through Cognito as %s (app client %s).", username, self.client_id)
        answer = call_with_retries(
            lambda: self._initiate_auth(request_body, username),
            max_attempts=self.max_attempts,
            logger=log,
        )
        return self._tokens_from(answer, username)

    def _initiate_auth(self, request_body: dict[str, Any], username: str) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": INITIATE_AUTH_TARGET,
        }
        try:
            response = self.session.post(
                self.endpoint,
                data=json.dumps(request_body),
                headers=headers,
                timeout=(self.timeout, self.timeout),
            )
        except requests.RequestException as error:
            # A login has no side effect worth guarding, so every transport failure may be retried.
            raise LegalesignAPIError(
                f"Cognito login for user {username!r} failed before a response arrived from {self.endpoint} "
                f"({describe_transport_error(error)}).",
                retryable=True,
            ) from error

        body: dict[str, Any] | None
        try:
            parsed = response.json()
            body = parsed if isinstance(parsed, dict) else None
        except ValueError:
            body = None

        if response.status_code == 200 and body is not None:
            return body

        code = _error_code(response, body)
        message = str((body or {}).get("message") or (body or {}).get("Message") or "").strip()
        retry_after = parse_retry_after(response.headers.get("Retry-After"))

        if code in LOGIN_REJECTED_ERROR_CODES:
            raise LegalesignAuthError(
                f"Cognito rejected the login for user {username!r} (app client {self.client_id}): "
                f"{code}: {message or 'no message'}. {_fix_for(code, message)}",
                error_code=code,
            )
        retryable = (
            code in RETRYABLE_ERROR_CODES or response.status_code == 429 or response.status_code >= 500
        )
        detail = f"{code}: {message}" if code else body_excerpt(response)
        raise LegalesignAPIError(
            f"Cognito login for user {username!r} failed with HTTP {response.status_code} from "
            f"{self.endpoint}: {detail}",
            status_code=response.status_code,
            error_code=code,
            retryable=retryable,
            retry_after=retry_after,
        )

    def _tokens_from(self, answer: dict[str, Any], username: str) -> CognitoTokens:
        challenge = answer.get("ChallengeName")
        if challenge:
            raise LegalesignAuthError(
                f"Cognito responded to the login for user {username!r} with the challenge {challenge} instead "
                f"of tokens. {_challenge_advice(str(challenge))}",
                error_code=str(challenge),
            )
        result = answer.get("AuthenticationResult")
        access_token = result.get("AccessToken") if isinstance(result, dict) else None
        if not isinstance(result, dict) or not isinstance(access_token, str) or not access_token:
            raise LegalesignAPIError(
                f"Cognito's response to the login for user {username!r} has no "
                f"AuthenticationResult.AccessToken (keys: {sorted(answer)}). Check that the extra field "
                "auth_endpoint points at Cognito.",
                status_code=200,
            )
        tokens = CognitoTokens(
            access_token=access_token,
            expires_in=_expires_in(result.get("ExpiresIn")),
            refresh_token=result.get("RefreshToken") or None,
            id_token=result.get("IdToken") or None,
        )
        for token in (tokens.access_token, tokens.refresh_token, tokens.id_token):
            if token:
                self.register_secret(token)
        return tokens


def _expires_in(value: Any) -> int:
    # Cognito's default access token lifetime is one hour; it is assumed when the field is absent.
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return 3600
    return seconds if seconds > 0 else 3600
