"""
GraphQL over HTTP to Legalesign's AppSync endpoint: send, classify the failure, retry or not.

AppSync responds with these shapes, each turned into one exception here:

- HTTP 401 with ``errorType`` ``UnauthorizedException``: the access token is missing, invalid or expired.
- HTTP 200 with ``errors`` (resolver errors, possibly with partial ``data``) or HTTP 400 with ``errors``
  (a query that does not parse or validate): :class:`LegalesignGraphQLError`.
- HTTP 429 and 5xx, or a body that is not JSON (a gateway's HTML page): :class:`LegalesignAPIError`.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import requests

from airflow_provider_legalesign.exceptions import LegalesignAPIError, LegalesignGraphQLError
from airflow_provider_legalesign.http_failures import (
    body_excerpt,
    describe_transport_error,
    failed_before_sending,
    parse_retry_after,
)
from airflow_provider_legalesign.retry import MAX_RETRY_AFTER_SECONDS, call_with_retries

if TYPE_CHECKING:
    from airflow_provider_legalesign.graphql_operation import GraphQLOperation

log = logging.getLogger(__name__)

# At most this many errors are spelt out in an exception message; all of them stay in ``errors``.
MAX_ERRORS_IN_MESSAGE = 5

# One encoder for every request: json.dumps builds a new one per call when given allow_nan.
_JSON_ENCODER = json.JSONEncoder(allow_nan=False)

MAY_HAVE_BEEN_APPLIED = (
    "The mutation may or may not have been applied, so it was not sent again. Check its effect in "
    "Legalesign before running it again."
)


def _is_throttling(error_type: object) -> bool:
    return isinstance(error_type, str) and "throttl" in error_type.lower()


def summarise_errors(errors: list[dict[str, Any]]) -> str:
    """Return the GraphQL ``errors`` as one line: ``[errorType] message (path: a.b)`` for each."""
    parts = []
    for error in errors[:MAX_ERRORS_IN_MESSAGE]:
        text = str(error.get("message") or "no message")
        if error.get("errorType"):
            text = f"[{error['errorType']}] {text}"
        path = error.get("path")
        if path:
            text += f" (path: {'.'.join(str(step) for step in path)})"
        parts.append(text)
    if len(errors) > MAX_ERRORS_IN_MESSAGE:
        parts.append(f"and {len(errors) - MAX_ERRORS_IN_MESSAGE} more")
    return "; ".join(parts)


class GraphQLTransport:
    """
    Sends GraphQL requests to one endpoint with the retry policy.

    :param endpoint: the GraphQL endpoint URL.
    :param timeout: seconds for connect and for read, per HTTP request.
    :param max_attempts: attempts per request, the first included.
    """

    def __init__(self, *, endpoint: str, timeout: float, max_attempts: int) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.max_attempts = max_attempts

    def execute(
        self,
        session: requests.Session,
        body: bytes,
        *,
        access_token: str,
        operation: GraphQLOperation,
    ) -> Any:
        """
        Post ``body`` (a JSON-encoded GraphQL request) and return the response's ``data``.

        Retries network failures, timeouts, HTTP 429 and 5xx. A mutation is retried only where the
        request cannot have been processed: the connection was refused, or the server responded 429.

        :raises LegalesignAPIError: an HTTP failure; ``status_code`` 401 means the token was rejected.
        :raises LegalesignGraphQLError: the response carries GraphQL ``errors``.
        """
        return call_with_retries(
            lambda: self._post_once(session, body, access_token, operation),
            max_attempts=self.max_attempts,
            logger=log,
        )

    def _post_once(
        self, session: requests.Session, body: bytes, access_token: str, operation: GraphQLOperation
    ) -> Any:
        headers = {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"}
        try:
            response = session.post(
                self.endpoint, data=body, headers=headers, timeout=(self.timeout, self.timeout)
            )
        except requests.RequestException as error:
            raise self._transport_error(error, operation) from error
        return self._data_from(response, operation)

    def _transport_error(
        self, error: requests.RequestException, operation: GraphQLOperation
    ) -> LegalesignAPIError:
        reason = describe_transport_error(error)
        if failed_before_sending(error):
            return LegalesignAPIError(
                f"Could not connect to the Legalesign GraphQL endpoint {self.endpoint} ({reason}).",
                retryable=True,
            )
        message = (
            f"The Legalesign GraphQL {operation.describe()} failed after the request was sent to "
            f"{self.endpoint} ({reason}"
            + (f" after {self.timeout:g} s" if isinstance(error, requests.Timeout) else "")
            + ")."
        )
        if operation.is_mutation:
            return LegalesignAPIError(f"{message} {MAY_HAVE_BEEN_APPLIED}", retryable=False)
        return LegalesignAPIError(message, retryable=True)

    def _data_from(self, response: requests.Response, operation: GraphQLOperation) -> Any:
        status = response.status_code
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        body = parsed if isinstance(parsed, dict) else None
        errors = body.get("errors") if body else None
        if errors is not None and not isinstance(errors, list):
            errors = [{"message": str(errors)}]

        if status == 401:
            first = errors[0] if errors and isinstance(errors[0], dict) else {}
            error_type = first.get("errorType") or "UnauthorizedException"
            raise LegalesignAPIError(
                f"Legalesign rejected the access token (HTTP 401, {error_type}: "
                f"{first.get('message') or body_excerpt(response)}).",
                status_code=401,
                error_code=str(error_type),
            )

        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            message = f"Legalesign throttled the {operation.describe()} (HTTP 429)."
            if retry_after is not None and retry_after > MAX_RETRY_AFTER_SECONDS:
                # The retry policy gives up on such a wait, so the message says why no retry followed.
                message += (
                    f" It asked to wait {retry_after:g} s (Retry-After), longer than the "
                    f"{MAX_RETRY_AFTER_SECONDS:g} s this hook waits, so the request was not sent again. "
                    "Let Airflow's task retries try it later."
                )
            raise LegalesignAPIError(message, status_code=429, retryable=True, retry_after=retry_after)

        if status >= 500:
            detail = summarise_errors(errors) if errors else body_excerpt(response)
            message = f"Legalesign responded to the {operation.describe()} with HTTP {status}: {detail}"
            if operation.is_mutation:
                raise LegalesignAPIError(f"{message} {MAY_HAVE_BEEN_APPLIED}", status_code=status)
            raise LegalesignAPIError(
                message,
                status_code=status,
                retryable=True,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )

        if errors:
            error_list = [error if isinstance(error, dict) else {"message": str(error)} for error in errors]
            throttled = any(_is_throttling(error.get("errorType")) for error in error_list)
            raise LegalesignGraphQLError(
                f"Legalesign returned {len(error_list)} GraphQL error(s) for the {operation.describe()}: "
                f"{summarise_errors(error_list)}",
                errors=error_list,
                data=body.get("data") if body else None,
                status_code=status,
                # A throttled request was not processed, so even a mutation may be sent again.
                retryable=throttled,
            )

        if body is None:
            content_type = response.headers.get("Content-Type", "no Content-Type")
            raise LegalesignAPIError(
                f"Legalesign responded to the {operation.describe()} with HTTP {status} and a body that is not a "
                f"JSON object ({content_type}): {body_excerpt(response)}",
                status_code=status,
            )

        if status >= 400 or body.get("data") is None:
            raise LegalesignAPIError(
                f"Legalesign responded to the {operation.describe()} with HTTP {status} and no data: "
                f"{body_excerpt(response)}",
                status_code=status,
            )
        return body["data"]


def encode_request(query: str, variables: dict[str, Any] | None, operation_name: str | None) -> bytes:
    """
    Encode a GraphQL request body.

    :raises TypeError: ``variables`` contains a value that JSON cannot represent.
    """
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    if operation_name is not None:
        payload["operationName"] = operation_name
    return _JSON_ENCODER.encode(payload).encode("utf-8")
