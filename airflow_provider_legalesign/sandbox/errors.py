"""
GraphQL errors in AWS AppSync's response shape, which Legalesign's GraphQL endpoint uses.

Each entry of ``errors`` has ``message``, ``errorType``, ``path``, ``locations``, ``data`` and
``errorInfo``. Request-level failures (HTTP 400 and 401) carry only ``errorType`` and
``message``, as AppSync sends them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphql import GraphQLError

log = logging.getLogger(__name__)

# errorType values used by the sandbox.
UNAUTHORIZED = "Unauthorized"
UNAUTHORIZED_EXCEPTION = "UnauthorizedException"
VALIDATION_ERROR = "ValidationError"
NOT_FOUND = "NotFound"
MALFORMED_REQUEST = "MalformedHttpRequestException"
INTERNAL_FAILURE = "InternalFailure"


class ResolverError(Exception):
    """
    A failure inside one resolver, which becomes one entry of ``errors`` next to partial data.

    :param message: the human-readable ``message``.
    :param error_type: the AppSync ``errorType``.
    :param error_info: optional structured details, returned as ``errorInfo``.
    """

    def __init__(self, message: str, error_type: str, error_info: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.error_info = error_info


def unauthorized(type_name: str, field_name: str) -> ResolverError:
    """Build the resolver-level authorisation error that AppSync returns with HTTP 200."""
    return ResolverError(f"Not Authorized to access {field_name} on type {type_name}", UNAUTHORIZED)


def format_execution_error(error: GraphQLError) -> dict[str, Any]:
    """Convert one graphql-core execution error into AppSync's error entry."""
    original = error.original_error
    error_info = None
    if isinstance(original, ResolverError):
        error_type = original.error_type
        error_info = original.error_info
    elif original is None:
        # graphql-core raised it itself, e.g. a null returned for a non-null field.
        error_type = VALIDATION_ERROR
    else:
        error_type = INTERNAL_FAILURE
        log.error("Resolver for %s failed", error.path, exc_info=original)
    return {
        "message": error.message,
        "errorType": error_type,
        "path": error.path,
        "locations": format_locations(error),
        "data": None,
        "errorInfo": error_info,
    }


def format_request_error(error: GraphQLError, error_type: str) -> dict[str, Any]:
    """Convert a parse, validation or variable error into the entry of an HTTP 400 response."""
    return {
        "message": error.message,
        "errorType": error_type,
        "path": None,
        "locations": format_locations(error),
        "data": None,
        "errorInfo": None,
    }


def format_locations(error: GraphQLError) -> list[dict[str, Any]] | None:
    """Return the error's source locations with AppSync's extra ``sourceName`` key."""
    if not error.locations:
        return None
    return [
        {"line": location.line, "column": location.column, "sourceName": None} for location in error.locations
    ]


def request_error_body(error_type: str, message: str) -> dict[str, Any]:
    """Build the body of a request-level failure, e.g. an HTTP 401 or a non-JSON request."""
    return {"errors": [{"errorType": error_type, "message": message}]}
