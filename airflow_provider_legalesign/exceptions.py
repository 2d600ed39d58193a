"""
Exceptions raised by the Legalesign provider.

Every failure that the hook, the operators or the sensor raise is a :class:`LegalesignError`, so a DAG
author can catch one type. The exception that caused it (a ``requests`` error, a JSON decoding error)
is chained as ``__cause__``. After exhausted retries it is the last attempt's error.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException


class LegalesignError(AirflowException):
    """
    Base class of every error raised by this provider.

    :param message: what failed and what to do about it. It never contains a secret.
    :param retryable: whether repeating the same request may succeed. The hook's retry policy reads it,
        and Airflow's own task retries are not affected by it.
    :param retry_after: seconds the server asked the client to wait before the next attempt, if any.
    """

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class LegalesignConfigurationError(LegalesignError, AirflowFailException):
    """
    Invalid connection field or operator argument, found before any request is sent.

    It is an :class:`~airflow.exceptions.AirflowFailException`, so Airflow fails the task without
    retrying: the same configuration would fail again.
    """


class LegalesignAuthError(LegalesignError, AirflowFailException):
    """
    Cognito rejected the login or responded with a challenge (new password, MFA) instead of tokens.

    It is an :class:`~airflow.exceptions.AirflowFailException`, so Airflow does not retry the task:
    every failed login extends Cognito's lockout of the account.

    :param error_code: Cognito's error code (``NotAuthorizedException``, ...) or the challenge name.
    """

    def __init__(self, message: str, *, error_code: str | None = None) -> None:
        super().__init__(message)
        self.error_code = error_code


class LegalesignAPIError(LegalesignError):
    """
    HTTP-level failure: a network error, a timeout, or a response that is not a usable GraphQL response.

    :param status_code: HTTP status of the response, or ``None`` when no response arrived.
    :param error_code: service error code where the response names one (Cognito's ``__type``, AppSync's
        ``errorType``).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, retryable=retryable, retry_after=retry_after)
        # AirflowException declares status_code as an HTTPStatus for Airflow's REST API. Here it is the
        # status of Legalesign's response, which may be absent.
        self.status_code = status_code  # type: ignore[assignment]
        self.error_code = error_code


class LegalesignGraphQLError(LegalesignError):
    """
    The GraphQL endpoint responded with ``errors``. Any partial ``data`` is not treated as success.

    :param errors: the ``errors`` list exactly as returned, each entry with ``message`` and, where
        AppSync sets them, ``errorType``, ``path`` and ``locations``.
    :param data: the partial ``data`` returned next to the errors, if any.
    :param status_code: HTTP status of the response (200 for resolver errors, 400 for invalid queries).
    """

    def __init__(
        self,
        message: str,
        *,
        errors: list[dict[str, Any]],
        data: Any = None,
        status_code: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.errors = errors
        self.data = data
        self.status_code = status_code  # type: ignore[assignment]

    @property
    def error_types(self) -> list[str]:
        """Return the ``errorType`` of each error that has one, in order."""
        return [str(error["errorType"]) for error in self.errors if error.get("errorType")]


class LegalesignStateError(LegalesignError, AirflowFailException):
    """
    Legalesign reports a final state that the caller treats as failure.

    Examples are a send task whose report is ``FAILED``, and a document whose status is in a sensor's
    ``failure_statuses`` (``rejected`` by default). It is an
    :class:`~airflow.exceptions.AirflowFailException`, because a retry cannot change that state.

    :param status: the state Legalesign reported.
    :param details: the object as Legalesign returned it (the task report or the document).
    """

    def __init__(self, message: str, *, status: str | None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.details = details or {}
