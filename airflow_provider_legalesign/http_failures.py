"""Classification of HTTP transport failures, shared by the Cognito login and the GraphQL transport."""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

_TAG = re.compile(r"<[^>]*>")
_WHITESPACE = re.compile(r"\s+")

EXCERPT_LENGTH = 200


def failed_before_sending(error: requests.RequestException) -> bool:
    """
    Return whether ``error`` happened before any byte of the request reached the server.

    Only then is a non-idempotent request (a GraphQL mutation) safe to send again: the connection was
    refused, the name did not resolve, or the TCP connect timed out. A read timeout or a connection
    dropped after sending may come after the server processed the request.
    """
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        reason = error.args[0] if error.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return False


def parse_retry_after(value: str | None) -> float | None:
    """Return the seconds a ``Retry-After`` header requests (delta-seconds or HTTP-date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def body_excerpt(response: requests.Response) -> str:
    """Return the start of a response body as one short line, with HTML tags removed."""
    text = response.content[: EXCERPT_LENGTH * 20].decode(response.encoding or "utf-8", errors="replace")
    text = _WHITESPACE.sub(" ", _TAG.sub(" ", text)).strip()
    if len(text) > EXCERPT_LENGTH:
        text = text[:EXCERPT_LENGTH] + "..."
    return text or "(empty body)"


def describe_transport_error(error: requests.RequestException) -> str:
    """Return a one-line reason for a ``requests`` failure, without the library's nested reprs."""
    if isinstance(error, requests.Timeout):
        kind = "connect timeout" if isinstance(error, requests.ConnectTimeout) else "read timeout"
        return kind
    reason: object = error.args[0] if error.args else error
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    text = str(reason)
    # urllib3 prefixes its messages with the connection object's repr, which tells the reader nothing.
    text = re.sub(r"^<[^>]*>:\s*", "", text)
    return f"{type(reason).__name__}: {text}" if text else type(reason).__name__
