"""
The fault matrix: what the hook does for each sandbox fault, request type and side.

Each row is one test in ``test_fault_matrix.py`` and one line of the table in
``docs/reliability.md``, so the published table always matches what the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Outcomes, as a user sees them.
RETRIED = "retried, then succeeded"
NEW_LOGIN = "logged in again, replayed once, succeeded"
FAILED_AT_ONCE = "failed at once"
NOT_REPLAYED = "failed at once, not replayed"
EXHAUSTED = "retried, failed after all attempts"
NOT_APPLICABLE = "not applicable: inject_fault rejects it"
NEW_LINK = "requested a new link once, succeeded"

SUCCESS_OUTCOMES = frozenset({RETRIED, NEW_LOGIN, NEW_LINK})

# The error text that warns a user that a mutation may have been applied.
MAY_HAVE_BEEN_APPLIED = "may or may not have been applied"

VALIDATION_400 = {
    "data": None,
    "errors": [
        {
            "errorType": "ValidationError",
            "message": "Validation error of type FieldUndefined: Field 'nickname' in type 'User' is undefined",
        }
    ],
}
FORBIDDEN_403 = {"errors": [{"errorType": "UnauthorizedException", "message": "You are not authorized."}]}
INTERNAL_500 = {"errors": [{"errorType": "InternalFailure", "message": "An internal failure occurred."}]}
NOT_AUTHORIZED = {"__type": "NotAuthorizedException", "message": "Incorrect username or password."}
COGNITO_INTERNAL = {"__type": "InternalErrorException", "message": "Internal error."}


@dataclass(frozen=True)
class FaultCase:
    """
    One fault, what the hook must do about it, and the server-side counts that prove it.

    :param side: the faulted side: ``cognito`` (the login), ``graphql`` or ``files``.
    :param kind: a sandbox fault kind, or ``refused`` for an endpoint where nothing listens.
    :param request: ``query`` (``{ user }``), ``mutation`` (``send``) or ``download`` (the PDF).
    :param outcome: one of the outcome constants above.
    :param logins: InitiateAuth requests that reached Cognito.
    :param requests: requests of the operation (the GraphQL root field, or the file download)
        that reached the sandbox.
    :param processed: those requests that the sandbox processed. For the mutation this is also
        the number of documents created.
    :param retries: retry pauses the hook took.
    :param error: the exception class a user sees, for failures.
    :param message: text the error message contains, for failures.
    :param fault: further ``inject_fault`` arguments (count, status, body, retry_after).
    :param variant: a label telling apart rows of one kind, such as ``500``.
    """

    side: str
    kind: str
    request: str
    outcome: str
    logins: int
    requests: int
    processed: int
    retries: int
    error: str = ""
    message: str = ""
    fault: dict[str, Any] = field(default_factory=dict)
    variant: str = ""

    @property
    def case_id(self) -> str:
        kind = f"{self.kind}-{self.variant}" if self.variant else self.kind
        return f"{self.side}-{kind}-{self.request}"

    @property
    def fault_label(self) -> str:
        return f"{self.kind} ({self.variant})" if self.variant else self.kind


def _both(side: str, kind: str, outcome: str, **counts: Any) -> list[FaultCase]:
    """Return the query and the mutation row of a fault that treats both alike."""
    return [FaultCase(side, kind, request, outcome, **counts) for request in ("query", "mutation")]


GRAPHQL_CASES = [
    *_both(
        "graphql",
        "response",
        FAILED_AT_ONCE,
        variant="400 ValidationError",
        fault={"status": 400, "body": VALIDATION_400},
        logins=1,
        requests=1,
        processed=0,
        retries=0,
        error="LegalesignGraphQLError",
        message="[ValidationError] Validation error of type FieldUndefined",
    ),
    *_both(
        "graphql",
        "response",
        FAILED_AT_ONCE,
        variant="403",
        fault={"status": 403, "body": FORBIDDEN_403},
        logins=1,
        requests=1,
        processed=0,
        retries=0,
        error="LegalesignGraphQLError",
        message="You are not authorized.",
    ),
    FaultCase(
        "graphql",
        "response",
        "query",
        RETRIED,
        variant="500",
        fault={"status": 500, "body": INTERNAL_500},
        logins=1,
        requests=2,
        processed=1,
        retries=1,
    ),
    FaultCase(
        "graphql",
        "response",
        "mutation",
        NOT_REPLAYED,
        variant="500",
        fault={"status": 500, "body": INTERNAL_500},
        logins=1,
        requests=1,
        processed=0,
        retries=0,
        error="LegalesignAPIError",
        message=MAY_HAVE_BEEN_APPLIED,
    ),
    FaultCase("graphql", "delay", "query", RETRIED, logins=1, requests=2, processed=2, retries=1),
    FaultCase(
        "graphql",
        "delay",
        "mutation",
        NOT_REPLAYED,
        logins=1,
        requests=1,
        processed=1,
        retries=0,
        error="LegalesignAPIError",
        message=MAY_HAVE_BEEN_APPLIED,
    ),
    FaultCase("graphql", "drop_before", "query", RETRIED, logins=1, requests=2, processed=1, retries=1),
    FaultCase(
        "graphql",
        "drop_before",
        "mutation",
        NOT_REPLAYED,
        logins=1,
        requests=1,
        processed=0,
        retries=0,
        error="LegalesignAPIError",
        message=MAY_HAVE_BEEN_APPLIED,
    ),
    FaultCase("graphql", "drop_after", "query", RETRIED, logins=1, requests=2, processed=2, retries=1),
    FaultCase(
        "graphql",
        "drop_after",
        "mutation",
        NOT_REPLAYED,
        logins=1,
        requests=1,
        processed=1,
        retries=0,
        error="LegalesignAPIError",
        message=MAY_HAVE_BEEN_APPLIED,
    ),
    FaultCase("graphql", "html_502", "query", RETRIED, logins=1, requests=2, processed=1, retries=1),
    FaultCase(
        "graphql",
        "html_502",
        "mutation",
        NOT_REPLAYED,
        logins=1,
        requests=1,
        processed=0,
        retries=0,
        error="LegalesignAPIError",
        message=MAY_HAVE_BEEN_APPLIED,
    ),
    *_both("graphql", "throttle", RETRIED, logins=1, requests=2, processed=1, retries=1),
    *_both("graphql", "expired_token", NEW_LOGIN, logins=2, requests=2, processed=1, retries=0),
    *_both(
        "graphql",
        "expired_token",
        FAILED_AT_ONCE,
        variant="twice",
        fault={"count": 2},
        logins=2,
        requests=2,
        processed=0,
        retries=0,
        error="LegalesignAPIError",
        message="The token came from a fresh login",
    ),
    *_both(
        "graphql",
        "throttle",
        FAILED_AT_ONCE,
        variant="Retry-After 600 s",
        fault={"retry_after": 600},
        logins=1,
        requests=1,
        processed=0,
        retries=0,
        error="LegalesignAPIError",
        message="It asked to wait 600 s (Retry-After), longer than the 300 s this hook waits",
    ),
    FaultCase(
        "graphql",
        "html_502",
        "query",
        EXHAUSTED,
        variant="every attempt",
        fault={"count": 3},
        logins=1,
        requests=3,
        processed=0,
        retries=2,
        error="LegalesignAPIError",
        message="HTTP 502: 502 Bad Gateway",
    ),
    *_both(
        "graphql",
        "refused",
        EXHAUSTED,
        logins=1,
        requests=0,
        processed=0,
        retries=2,
        error="LegalesignAPIError",
        message="Could not connect to the Legalesign GraphQL endpoint",
    ),
]

# A fault on the Cognito side hits the login that comes before the query or mutation.
COGNITO_CASES = [
    *_both(
        "cognito",
        "response",
        FAILED_AT_ONCE,
        variant="400 NotAuthorizedException",
        fault={"status": 400, "body": NOT_AUTHORIZED},
        logins=1,
        requests=0,
        processed=0,
        retries=0,
        error="LegalesignAuthError",
        message="Cognito rejected the login",
    ),
    *_both(
        "cognito",
        "response",
        RETRIED,
        variant="500 InternalErrorException",
        fault={"status": 500, "body": COGNITO_INTERNAL},
        logins=2,
        requests=1,
        processed=1,
        retries=1,
    ),
    *_both("cognito", "delay", RETRIED, logins=2, requests=1, processed=1, retries=1),
    *_both("cognito", "drop_before", RETRIED, logins=2, requests=1, processed=1, retries=1),
    *_both("cognito", "drop_after", RETRIED, logins=2, requests=1, processed=1, retries=1),
    *_both("cognito", "html_502", RETRIED, logins=2, requests=1, processed=1, retries=1),
    *_both("cognito", "throttle", RETRIED, logins=2, requests=1, processed=1, retries=1),
    *_both(
        "cognito",
        "throttle",
        EXHAUSTED,
        variant="every attempt",
        fault={"count": 3},
        logins=3,
        requests=0,
        processed=0,
        retries=2,
        error="LegalesignAPIError",
        message="TooManyRequestsException",
    ),
    *_both("cognito", "expired_token", NOT_APPLICABLE, logins=0, requests=0, processed=0, retries=0),
    *_both(
        "cognito",
        "refused",
        EXHAUSTED,
        logins=0,
        requests=0,
        processed=0,
        retries=2,
        error="LegalesignAPIError",
        message="failed before a response arrived",
    ),
]

# A fault on the files side hits the PDF download of LegalesignDownloadDocumentOperator, after its
# GraphQL request for the short-lived link. A GET has no side effect, so every failure may be retried.
FILES_CASES = [
    FaultCase("files", "delay", "download", RETRIED, logins=1, requests=2, processed=2, retries=1),
    FaultCase("files", "drop_before", "download", RETRIED, logins=1, requests=2, processed=1, retries=1),
    FaultCase("files", "drop_after", "download", RETRIED, logins=1, requests=2, processed=2, retries=1),
    FaultCase("files", "html_502", "download", RETRIED, logins=1, requests=2, processed=1, retries=1),
    FaultCase("files", "throttle", "download", RETRIED, logins=1, requests=2, processed=1, retries=1),
    FaultCase("files", "expired_token", "download", NEW_LINK, logins=1, requests=2, processed=1, retries=0),
    FaultCase(
        "files",
        "response",
        "download",
        FAILED_AT_ONCE,
        variant="404",
        fault={"status": 404, "body": "<Error><Code>NoSuchKey</Code></Error>"},
        logins=1,
        requests=1,
        processed=0,
        retries=0,
        error="LegalesignAPIError",
        message="HTTP 404",
    ),
]

FAULT_CASES = GRAPHQL_CASES + COGNITO_CASES + FILES_CASES
