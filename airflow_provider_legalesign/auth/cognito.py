"""
Login to Legalesign through AWS Cognito's ``InitiateAuth`` API, spoken over plain ``requests``.

Two login flows are supported. ``USER_PASSWORD_AUTH`` is the exchange of Legalesign's Python tutorial:
one request with the password. ``USER_SRP_AUTH`` is the flow of Legalesign's own SDKs: InitiateAuth
with ``SRP_A``, then RespondToAuthChallenge with a proof of the password (see
:mod:`airflow_provider_legalesign.auth.srp`). Both return a refresh token, which ``REFRESH_TOKEN_AUTH``
exchanges for new access tokens without a password login. Errors are classified by Cognito's error code
(:mod:`airflow_provider_legalesign.auth.cognito_errors`), with the error handling that an unattended
pipeline needs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests

from airflow_provider_legalesign.auth.cognito_errors import (
    LOGIN_REJECTED_ERROR_CODES,
    RETRYABLE_ERROR_CODES,
    challenge_advice,
    error_code,
    fix_for,
)
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
RESPOND_TO_AUTH_CHALLENGE_TARGET = "AWSCognitoIdentityProviderService.RespondToAuthChallenge"

USER_PASSWORD_AUTH = "USER_PASSWORD_AUTH"
USER_SRP_AUTH = "USER_SRP_AUTH"
REFRESH_TOKEN_AUTH = "REFRESH_TOKEN_AUTH"

# The challenge parameters that an SRP login needs from Cognito's PASSWORD_VERIFIER challenge.
PASSWORD_VERIFIER_PARAMETERS = ("SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP")


@dataclass(frozen=True)
class CognitoTokens:
    """
    Tokens from a successful login or refresh. Only ``expires_in`` and ``cognito_username`` appear in ``repr``.

    :param access_token: the token sent as ``Authorization: Bearer``.
    :param expires_in: seconds the access token is valid, from Cognito's ``ExpiresIn``.
    :param refresh_token: the token that ``REFRESH_TOKEN_AUTH`` exchanges for new access tokens.
    :param id_token: the OpenID Connect id token, which this provider does not send.
    :param cognito_username: the user's username inside the pool (``USER_ID_FOR_SRP``, or the access
        token's ``username`` claim). It differs from the login name in pools that take the email as an
        alias, and a refresh's SECRET_HASH must be computed with it.
    """

    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    cognito_username: str | None = None


class RefreshTokenRejectedError(LegalesignAuthError):
    """
    Cognito rejected a refresh token: it was revoked, it expired, or its SECRET_HASH did not match.

    The hook then logs in once with the password, so this error reaches a task only if that login fails too.
    """


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """Compute Cognito's SECRET_HASH: Base64(HMAC-SHA256(key=client secret, message=username + client id))."""
    digest = hmac.new(
        client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


class CognitoClient:
    """
    Minimal client of Cognito's ``InitiateAuth`` and ``RespondToAuthChallenge`` for one app client.

    :param endpoint: Cognito endpoint URL, ``https://cognito-idp.<region>.amazonaws.com/``.
    :param client_id: the app client id.
    :param client_secret: the app client secret, if the client has one; SECRET_HASH is then sent.
    :param timeout: seconds for connect and for read, per HTTP request.
    :param max_attempts: attempts per login, the first included.
    :param session: the ``requests`` session to send with.
    :param register_secret: called with every secret this client derives (SECRET_HASH, the SRP
        signature, tokens) so the caller can have it masked in logs.
    :param auth_flow: the flow of :meth:`login`, ``USER_PASSWORD_AUTH`` or ``USER_SRP_AUTH``.
    :param user_pool_id: the user pool id, which ``USER_SRP_AUTH`` needs.
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
        auth_flow: str = USER_PASSWORD_AUTH,
        user_pool_id: str | None = None,
    ) -> None:
        if auth_flow not in (USER_PASSWORD_AUTH, USER_SRP_AUTH):
            raise ValueError(f"auth_flow must be {USER_PASSWORD_AUTH} or {USER_SRP_AUTH}, not {auth_flow!r}")
        if auth_flow == USER_SRP_AUTH and not user_pool_id:
            raise ValueError(f"{USER_SRP_AUTH} needs the user pool id")
        self.endpoint = endpoint
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.session = session
        self.register_secret = register_secret
        self.auth_flow = auth_flow
        self.user_pool_id = user_pool_id

    def login(self, username: str, password: str) -> CognitoTokens:
        """
        Log in with the client's ``auth_flow`` and return the tokens.

        :raises LegalesignAuthError: Cognito rejected the credentials or asked for a challenge. Not retried.
        :raises LegalesignAPIError: Cognito could not be reached or kept failing after every attempt.
        """
        if self.auth_flow == USER_SRP_AUTH:
            return self.srp_login(username, password)
        return self.password_login(username, password)

    def password_login(self, username: str, password: str) -> CognitoTokens:
        """
        Log in with ``USER_PASSWORD_AUTH`` and return the tokens.

        :raises LegalesignAuthError: Cognito rejected the credentials or asked for a challenge. Not retried.
        :raises LegalesignAPIError: Cognito could not be reached or kept failing after every attempt.
        """
        parameters = {"USERNAME": username, "PASSWORD": password}
        if self.client_secret:
            parameters["SECRET_HASH"] = self._secret_hash(username)
        request_body = {
            "AuthFlow": USER_PASSWORD_AUTH,
            "ClientId": self.client_id,
            "AuthParameters": parameters,
        }

        log.info(
            "Logging in to Legalesign through Cognito as %s (app client %s, %s).",
            username,
            self.client_id,
            USER_PASSWORD_AUTH,
        )
        answer = call_with_retries(
            lambda: self._post(INITIATE_AUTH_TARGET, request_body, username, USER_PASSWORD_AUTH),
            max_attempts=self.max_attempts,
            logger=log,
        )
        return self._tokens_from(answer, username, USER_PASSWORD_AUTH)

    def srp_login(self, username: str, password: str) -> CognitoTokens:
        """
        Log in with ``USER_SRP_AUTH``: InitiateAuth with ``SRP_A``, then the PASSWORD_VERIFIER challenge.

        A transient failure of either request repeats both, with a new ``SRP_A``, because Cognito pairs
        its challenge with one ``SRP_A`` and may not accept a second response to it.

        :raises LegalesignAuthError: Cognito rejected the credentials or asked for another challenge.
        :raises LegalesignAPIError: Cognito could not be reached, kept failing, or sent a challenge that
            SRP cannot use.
        """
        log.info(
            "Logging in to Legalesign through Cognito as %s (app client %s, user pool %s, %s).",
            username,
            self.client_id,
            self.user_pool_id,
            USER_SRP_AUTH,
        )
        return call_with_retries(
            lambda: self._srp_exchange(username, password),
            max_attempts=self.max_attempts,
            logger=log,
        )

    def refresh(self, tokens: CognitoTokens, username: str) -> CognitoTokens:
        """
        Exchange ``tokens.refresh_token`` for a new access token with ``REFRESH_TOKEN_AUTH``.

        Cognito does not return a new refresh token unless the pool rotates them, so the old one is kept
        in that case.

        :param username: the login name, for log lines and messages.
        :raises RefreshTokenRejectedError: Cognito rejected the refresh token; log in again instead.
        :raises LegalesignAPIError: Cognito could not be reached or kept failing after every attempt.
        """
        if not tokens.refresh_token:
            raise ValueError("These tokens have no refresh token")
        parameters = {"REFRESH_TOKEN": tokens.refresh_token}
        if self.client_secret:
            # Cognito checks a refresh's SECRET_HASH against the username inside the pool, not the
            # alias (email) that the login used.
            parameters["SECRET_HASH"] = self._secret_hash(tokens.cognito_username or username)
        request_body = {
            "AuthFlow": REFRESH_TOKEN_AUTH,
            "ClientId": self.client_id,
            "AuthParameters": parameters,
        }
        try:
            answer = call_with_retries(
                lambda: self._post(INITIATE_AUTH_TARGET, request_body, username, REFRESH_TOKEN_AUTH),
                max_attempts=self.max_attempts,
                logger=log,
            )
            renewed = self._tokens_from(answer, username, REFRESH_TOKEN_AUTH, tokens.cognito_username)
        except RefreshTokenRejectedError:
            raise
        except LegalesignAuthError as error:
            raise RefreshTokenRejectedError(error.message, error_code=error.error_code) from error
        return replace(renewed, refresh_token=renewed.refresh_token or tokens.refresh_token)

    def _secret_hash(self, username: str) -> str:
        assert self.client_secret is not None
        value = secret_hash(self.client_secret, username, self.client_id)
        self.register_secret(value)
        return value

    def _srp_exchange(self, username: str, password: str) -> CognitoTokens:
        # Imported here so that only connections that use SRP load the module.
        from airflow_provider_legalesign.auth.srp import SrpChallengeError, SrpLogin, cognito_timestamp

        assert self.user_pool_id is not None
        srp = SrpLogin(self.user_pool_id)
        parameters = {"USERNAME": username, "SRP_A": srp.srp_a}
        if self.client_secret:
            parameters["SECRET_HASH"] = self._secret_hash(username)
        initiate_body = {"AuthFlow": USER_SRP_AUTH, "ClientId": self.client_id, "AuthParameters": parameters}
        answer = self._post(INITIATE_AUTH_TARGET, initiate_body, username, USER_SRP_AUTH)
        if answer.get("ChallengeName") != "PASSWORD_VERIFIER":
            # Tokens without a challenge, or a challenge that this provider cannot respond to.
            return self._tokens_from(answer, username, USER_SRP_AUTH)

        challenge = answer.get("ChallengeParameters")
        challenge = challenge if isinstance(challenge, dict) else {}
        missing = [name for name in PASSWORD_VERIFIER_PARAMETERS if not isinstance(challenge.get(name), str)]
        if missing:
            raise LegalesignAPIError(
                f"Cognito's PASSWORD_VERIFIER challenge for user {username!r} has no {', '.join(missing)}. "
                "Check that the extra field auth_endpoint points at Cognito.",
                status_code=200,
            )
        user_id = challenge["USER_ID_FOR_SRP"]
        timestamp = cognito_timestamp(datetime.now(UTC))
        try:
            signature = srp.password_claim_signature(
                user_id_for_srp=user_id,
                password=password,
                salt=challenge["SALT"],
                srp_b=challenge["SRP_B"],
                secret_block=challenge["SECRET_BLOCK"],
                timestamp=timestamp,
            )
        except SrpChallengeError as error:
            raise LegalesignAPIError(
                f"Cognito's PASSWORD_VERIFIER challenge for user {username!r} has an invalid value: {error}",
                status_code=200,
            ) from error
        self.register_secret(signature)

        # AWS's SDKs respond as USER_ID_FOR_SRP, the username inside the pool, and compute the
        # SECRET_HASH with it. In a pool where users log in with their email, a hash of the email fails.
        responses = {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": challenge["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": signature,
            "TIMESTAMP": timestamp,
        }
        if self.client_secret:
            responses["SECRET_HASH"] = self._secret_hash(user_id)
        respond_body: dict[str, Any] = {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": self.client_id,
            "ChallengeResponses": responses,
        }
        if isinstance(answer.get("Session"), str):
            respond_body["Session"] = answer["Session"]
        result = self._post(RESPOND_TO_AUTH_CHALLENGE_TARGET, respond_body, username, USER_SRP_AUTH)
        return self._tokens_from(result, username, USER_SRP_AUTH, user_id)

    def _post(self, target: str, request_body: dict[str, Any], username: str, flow: str) -> dict[str, Any]:
        """Send one Cognito request and return its JSON body, or raise a classified error."""
        purpose = "token refresh" if flow == REFRESH_TOKEN_AUTH else "login"
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
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
                f"Cognito {purpose} for user {username!r} failed before a response arrived from "
                f"{self.endpoint} ({describe_transport_error(error)}).",
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

        code = error_code(response, body)
        message = str((body or {}).get("message") or (body or {}).get("Message") or "").strip()
        # Cognito's messages usually end with a full stop, and the sentences below add their own.
        sentence = message.rstrip(".") or "no message"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))

        if code in LOGIN_REJECTED_ERROR_CODES:
            if flow == REFRESH_TOKEN_AUTH:
                raise RefreshTokenRejectedError(
                    f"Cognito rejected the refresh token of user {username!r} (app client {self.client_id}): "
                    f"{code}: {sentence}.",
                    error_code=code,
                )
            raise LegalesignAuthError(
                f"Cognito rejected the login for user {username!r} (app client {self.client_id}, {flow}): "
                f"{code}: {sentence}. {fix_for(code, message, flow)}",
                error_code=code,
            )
        retryable = (
            code in RETRYABLE_ERROR_CODES or response.status_code == 429 or response.status_code >= 500
        )
        detail = f"{code}: {message}" if code else body_excerpt(response)
        raise LegalesignAPIError(
            f"Cognito {purpose} for user {username!r} failed with HTTP {response.status_code} from "
            f"{self.endpoint}: {detail}",
            status_code=response.status_code,
            error_code=code,
            retryable=retryable,
            retry_after=retry_after,
        )

    def _tokens_from(
        self, answer: dict[str, Any], username: str, flow: str, cognito_username: str | None = None
    ) -> CognitoTokens:
        challenge = answer.get("ChallengeName")
        if challenge:
            raise LegalesignAuthError(
                f"Cognito responded to the login for user {username!r} with the challenge {challenge} instead "
                f"of tokens. {challenge_advice(str(challenge))}",
                error_code=str(challenge),
            )
        result = answer.get("AuthenticationResult")
        access_token = result.get("AccessToken") if isinstance(result, dict) else None
        if not isinstance(result, dict) or not isinstance(access_token, str) or not access_token:
            raise LegalesignAPIError(
                f"Cognito's response to the {flow} request for user {username!r} has no "
                f"AuthenticationResult.AccessToken (keys: {sorted(answer)}). Check that the extra field "
                "auth_endpoint points at Cognito.",
                status_code=200,
            )
        tokens = CognitoTokens(
            access_token=access_token,
            expires_in=_expires_in(result.get("ExpiresIn")),
            refresh_token=result.get("RefreshToken") or None,
            id_token=result.get("IdToken") or None,
            cognito_username=cognito_username or _username_claim(access_token) or username,
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


def _username_claim(access_token: str) -> str | None:
    """
    Return the ``username`` claim of a Cognito access token, or None if the token does not carry one.

    The signature is not checked: the token came straight from Cognito, and the claim only names the
    user for the SECRET_HASH of a later refresh, which Cognito checks itself.
    """
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    username = claims.get("username") if isinstance(claims, dict) else None
    return username if isinstance(username, str) and username else None
