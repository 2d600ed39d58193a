"""
SRP logins, and the refreshes that follow them, as the sandbox's Cognito front handles them.

moto 5.2 responds to ``USER_SRP_AUTH`` with a random ``SALT`` and ``SRP_B`` and accepts any
``PASSWORD_CLAIM_SIGNATURE``. For clients of the sandbox's pool, :class:`SrpFront` makes the exchange
real with :class:`~airflow_provider_legalesign.sandbox.srp_verifier.SrpVerifier`:

- InitiateAuth ``USER_SRP_AUTH``: moto checks the user and opens its session, then the front replaces
  ``SALT``, ``SRP_B`` and ``SECRET_BLOCK`` with the verifier's values.
- RespondToAuthChallenge ``PASSWORD_VERIFIER``: the front checks ``SECRET_HASH`` against the response's
  ``USERNAME`` and the signature against the stored password. Only a valid response reaches moto, rewritten
  to moto's session and to the username that moto stores.
- InitiateAuth ``REFRESH_TOKEN_AUTH`` with the refresh token of an SRP login, from a client with a secret:
  Cognito checks a refresh's ``SECRET_HASH`` against the username inside the pool, which is
  ``USER_ID_FOR_SRP``, while moto checks it against the login name. The front checks the former and
  passes moto the latter.

The sandbox's ``USER_ID_FOR_SRP`` is moto's user id (the ``sub``), as in a pool that takes the email as
an alias, so a client that uses the login name where Cognito wants ``USER_ID_FOR_SRP`` fails here too.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from typing import TYPE_CHECKING, Any

from airflow_provider_legalesign.sandbox.cognito_front import compute_secret_hash
from airflow_provider_legalesign.sandbox.srp_verifier import SrpRejected

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_legalesign.sandbox.cognito_admin import AppClient
    from airflow_provider_legalesign.sandbox.srp_verifier import SrpVerifier

    # A response as (status line, headers, body).
    MotoResponse = tuple[str, list[tuple[str, str]], bytes]
    # Sends a request payload to moto and returns its response.
    MotoCall = Callable[[dict[str, Any]], MotoResponse]

log = logging.getLogger(__name__)

REFRESH_FLOWS = frozenset({"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"})


class SrpFront:
    """
    Handles the Cognito requests of SRP logins in front of moto.

    :param verifier: issues the challenges and checks the responses.
    :param find_app_client: returns an app client of the sandbox's pool by id, or None.
    """

    def __init__(self, verifier: SrpVerifier, find_app_client: Callable[[str], AppClient | None]) -> None:
        self.verifier = verifier
        self.find_app_client = find_app_client
        self._lock = threading.Lock()
        # Refresh token of an SRP login -> (username as moto stores it, USER_ID_FOR_SRP).
        self._srp_refresh_tokens: dict[str, tuple[str, str]] = {}

    def handle(self, action: str, payload: dict[str, Any], call_moto: MotoCall) -> MotoResponse | None:
        """
        Handle an SRP request and return the response, or None if it is not one and moto should handle it.

        :raises SrpRejected: the request fails a check that Cognito makes.
        """
        if action == "InitiateAuth" and payload.get("AuthFlow") == "USER_SRP_AUTH":
            return self._initiate(payload, call_moto)
        if action == "RespondToAuthChallenge" and payload.get("ChallengeName") == "PASSWORD_VERIFIER":
            return self._respond(payload, call_moto)
        if action == "InitiateAuth" and payload.get("AuthFlow") in REFRESH_FLOWS:
            return self._refresh(payload, call_moto)
        return None

    def _initiate(self, payload: dict[str, Any], call_moto: MotoCall) -> MotoResponse:
        status, headers, body = call_moto(payload)
        answer = _json_object(body)
        if (
            not status.startswith("200")
            or answer is None
            or answer.get("ChallengeName") != "PASSWORD_VERIFIER"
        ):
            return status, headers, body
        moto_challenge = answer.get("ChallengeParameters") or {}
        parameters = payload.get("AuthParameters") or {}
        answer["ChallengeParameters"] = self.verifier.begin(
            client_id=str(payload.get("ClientId")),
            username=str(moto_challenge.get("USERNAME")),
            user_id=str(moto_challenge.get("USER_ID_FOR_SRP")),
            srp_a=str(parameters.get("SRP_A") or ""),
            moto_session=str(moto_challenge.get("SECRET_BLOCK")),
        )
        return status, headers, json.dumps(answer).encode()

    def _respond(self, payload: dict[str, Any], call_moto: MotoCall) -> MotoResponse | None:
        client_id = str(payload.get("ClientId"))
        client = self.find_app_client(client_id)
        if client is None:
            return None  # moto reports the unknown client itself.
        responses = payload.get("ChallengeResponses")
        responses = responses if isinstance(responses, dict) else {}
        if client.secret is not None:
            _check_secret_hash(
                client, client.secret, responses.get("SECRET_HASH"), str(responses.get("USERNAME"))
            )
        pending = self.verifier.finish(client_id=client_id, responses=responses)
        log.info("SRP proof accepted for user %s (client %s)", pending.username, client_id)

        moto_responses = dict(responses)
        moto_responses["USERNAME"] = pending.username
        moto_responses["PASSWORD_CLAIM_SECRET_BLOCK"] = pending.moto_session
        moto_responses.pop("SECRET_HASH", None)
        status, headers, body = call_moto({**payload, "ChallengeResponses": moto_responses})

        answer = _json_object(body)
        result = answer.get("AuthenticationResult") if answer else None
        refresh_token = result.get("RefreshToken") if isinstance(result, dict) else None
        if status.startswith("200") and isinstance(refresh_token, str):
            with self._lock:
                self._srp_refresh_tokens[refresh_token] = (pending.username, pending.user_id)
        return status, headers, body

    def _refresh(self, payload: dict[str, Any], call_moto: MotoCall) -> MotoResponse | None:
        parameters = payload.get("AuthParameters")
        parameters = parameters if isinstance(parameters, dict) else {}
        with self._lock:
            identity = self._srp_refresh_tokens.get(str(parameters.get("REFRESH_TOKEN")))
        client_id = str(payload.get("ClientId"))
        client = self.find_app_client(client_id)
        if identity is None or client is None or client.secret is None:
            return None
        username, user_id = identity
        _check_secret_hash(client, client.secret, parameters.get("SECRET_HASH"), user_id)
        moto_parameters = {
            **parameters,
            "SECRET_HASH": compute_secret_hash(client_id, client.secret, username),
        }
        return call_moto({**payload, "AuthParameters": moto_parameters})


def _check_secret_hash(client: AppClient, secret: str, received: Any, username: str) -> None:
    if not received:
        raise SrpRejected(
            "NotAuthorizedException",
            f"Client {client.client_id} is configured with secret but SECRET_HASH was not received",
        )
    expected = compute_secret_hash(client.client_id, secret, username)
    if not hmac.compare_digest(str(received), expected):
        raise SrpRejected(
            "NotAuthorizedException", f"Unable to verify secret hash for client {client.client_id}"
        )


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
