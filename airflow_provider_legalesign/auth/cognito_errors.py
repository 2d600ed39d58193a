"""
Classification of Cognito's error responses and challenges, and the fix to suggest for each.

Cognito reports errors with an error code, in the body's ``__type`` (sometimes as ``namespace#Code``) or
only in the ``x-amzn-ErrorType`` header, and with HTTP 400 for most of them, throttling included. Errors
are therefore classified by that code, never by the status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

# Cognito codes for a server-side condition that a later attempt may get past.
RETRYABLE_ERROR_CODES = frozenset({"TooManyRequestsException", "InternalErrorException"})

MFA_CHALLENGES = frozenset(
    {"SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP", "MFA_SETUP", "SELECT_MFA_TYPE", "SMS_OTP"}
)

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


def error_code(response: requests.Response, body: dict[str, Any] | None) -> str | None:
    """Return Cognito's error code from the body's ``__type`` or the ``x-amzn-ErrorType`` header."""
    code = body.get("__type") if body else None
    if not code:
        # The header has the form "Code:http://internal.amazon.com/coral/...".
        code = response.headers.get("x-amzn-ErrorType", "").split(":", 1)[0]
    if not code:
        return None
    return str(code).rsplit("#", 1)[-1]


def fix_for(error_code: str, message: str, auth_flow: str) -> str:
    """
    Return what the user should change for a login that Cognito rejected.

    :param auth_flow: the flow of the rejected login, ``USER_PASSWORD_AUTH`` or ``USER_SRP_AUTH``.
    """
    lowered = message.lower()
    if "secret hash" in lowered or "secret_hash" in lowered:
        return (
            "Check the connection's extra field client_secret: set it to the app client's secret if the "
            "client has one, and remove it if the client has none."
        )
    if "flow not enabled" in lowered or "auth flow" in lowered:
        if auth_flow == "USER_SRP_AUTH":
            return (
                "The app client does not allow USER_SRP_AUTH. Set the connection's extra field auth_flow to "
                "USER_PASSWORD_AUTH, or ask Legalesign support for a client id that allows USER_SRP_AUTH."
            )
        return (
            "The app client does not allow USER_PASSWORD_AUTH. Set the connection's extra field auth_flow "
            "to USER_SRP_AUTH (with user_pool_id), or ask Legalesign support for a client id that allows "
            "USER_PASSWORD_AUTH and set it as the connection's extra field client_id."
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
    if error_code == "NotAuthorizedException" and auth_flow == "USER_SRP_AUTH":
        # The SRP proof is computed with the pool's name, so Cognito reports a wrong pool id the same
        # way as a wrong password.
        return (
            "Check the connection's login and password, and that the extra field user_pool_id is the pool "
            "of this app client."
        )
    if error_code == "NotAuthorizedException":
        return "Check the connection's login and password."
    return "Check the connection's login, password, client_id and client_secret."


def challenge_advice(challenge: str) -> str:
    """Return what the user should change when Cognito responds to a login with ``challenge``."""
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
