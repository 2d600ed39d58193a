"""
Fault injection for the sandbox: make the next matching requests fail the way real networks and
services fail.

A test queues a :class:`Fault` with :meth:`FaultInjector.add` (or ``Sandbox.inject_fault``, or
``POST /_sandbox/faults``). Each server side counts a request, reads its operation names and calls
:meth:`FaultInjector.take`. If that returns a fault, the WSGI app from :meth:`FaultInjector.app`
serves the request: it responds, delays or drops the connection. Kinds:

- ``response``: answer with the given status, headers and body, without processing the request.
- ``delay``: wait ``delay`` seconds, then process the request normally.
- ``drop_before``: close the connection without processing or answering.
- ``drop_after``: process the request, then close the connection without answering.
- ``html_502``: HTTP 502 with a gateway's HTML page, not processed.
- ``throttle``: the side's throttling error, not processed. GraphQL: HTTP 429 with ``Retry-After``.
  Cognito: HTTP 400 with ``__type`` ``TooManyRequestsException``. Files: S3's HTTP 503 ``SlowDown``.
- ``expired_token``: the side's expired-credential error, not processed. GraphQL: HTTP 401 with
  ``errorType`` ``UnauthorizedException``. Files: S3's HTTP 403 ``AccessDenied`` "Request has
  expired". Cognito has no such fault, because a password login carries no token.

Dropping a connection needs werkzeug's development server, which puts the client socket in
``environ["werkzeug.socket"]``.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = logging.getLogger(__name__)

SIDES = ("cognito", "graphql", "files")
KINDS = ("response", "delay", "drop_before", "drop_after", "html_502", "throttle", "expired_token")

# Kinds after which the sandbox has run the request's normal handling.
PROCESSING_KINDS = frozenset({"delay", "drop_after"})

# The optional parameters that each kind reads. Any other parameter is rejected, so that a test
# that passes one by mistake fails at once instead of injecting a different fault.
KIND_PARAMETERS: dict[str, frozenset[str]] = {
    "response": frozenset({"status", "headers", "body"}),
    "delay": frozenset({"delay"}),
    "drop_before": frozenset(),
    "drop_after": frozenset(),
    "html_502": frozenset(),
    "throttle": frozenset({"retry_after"}),
    "expired_token": frozenset(),
}

# The fields of a fault request, as ``Sandbox.inject_fault`` and ``POST /_sandbox/faults`` take them.
FAULT_FIELDS = frozenset(
    {"side", "kind", "count", "operation", "status", "headers", "body", "delay", "retry_after"}
)

DEFAULT_RETRY_AFTER_SECONDS = 1.0
AMZ_JSON = "application/x-amz-json-1.1"

GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>sandbox gateway</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class FaultError(ValueError):
    """A fault request with an unknown side or kind, or parameters that do not fit its kind."""


@dataclass
class Fault:
    """
    One queued fault and how many more matching requests it applies to.

    :param side: ``cognito``, ``graphql`` or ``files``.
    :param kind: one of :data:`KINDS`.
    :param count: matching requests still to get this fault.
    :param operation: the Cognito action (``InitiateAuth``) or GraphQL root field (``send``) that a
        request must carry to match, or None to match any request of the side.
    :param status: HTTP status of a ``response`` fault.
    :param headers: response headers of a ``response`` fault.
    :param body: body of a ``response`` fault. A str is sent as it is, anything else as JSON.
    :param delay: seconds a ``delay`` fault waits before processing the request.
    :param retry_after: seconds a GraphQL ``throttle`` fault puts in ``Retry-After``.
    """

    side: str
    kind: str
    count: int = 1
    operation: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float | None = None
    retry_after: float | None = None

    def describe(self) -> str:
        """Return a short label such as ``drop_after on graphql send`` for log lines."""
        return f"{self.kind} on {self.side} {self.operation or '(any operation)'}"


def build_fault(
    side: str,
    kind: str,
    *,
    count: int = 1,
    operation: str | None = None,
    status: int | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    delay: float | None = None,
    retry_after: float | None = None,
) -> Fault:
    """
    Check the arguments of one fault and return it.

    :raises FaultError: naming the invalid argument and the values it accepts.
    """
    if side not in SIDES:
        raise FaultError(f"side must be one of {', '.join(SIDES)}, got {side!r}")
    if kind not in KINDS:
        raise FaultError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "expired_token" and side == "cognito":
        raise FaultError(
            "expired_token does not apply to the cognito side, because a password login sends no token."
            ' Use kind "response" with a NotAuthorizedException body to reject a login'
        )
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise FaultError(f"count must be a whole number of 1 or more, got {count!r}")
    if operation is not None and (not isinstance(operation, str) or not operation):
        raise FaultError(f"operation must be a non-empty string or None, got {operation!r}")

    passed = {
        name
        for name, value in (
            ("status", status),
            ("headers", headers),
            ("body", body),
            ("delay", delay),
            ("retry_after", retry_after),
        )
        if value is not None
    }
    unused = sorted(passed - KIND_PARAMETERS[kind])
    if unused:
        raise FaultError(f"kind {kind!r} does not use {', '.join(unused)}")

    if kind == "response":
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise FaultError(f'kind "response" needs status, an HTTP status from 100 to 599, got {status!r}')
        if headers is not None and (
            not isinstance(headers, dict)
            or not all(isinstance(key, str) and isinstance(value, str) for key, value in headers.items())
        ):
            raise FaultError("headers must be a dict of header names to string values")
    if kind == "delay" and not _at_least(delay, 0, inclusive=False):
        raise FaultError(f'kind "delay" needs delay, a positive number of seconds, got {delay!r}')
    if retry_after is not None and not _at_least(retry_after, 0, inclusive=True):
        raise FaultError(f"retry_after must be a number of seconds, 0 or more, got {retry_after!r}")

    return Fault(
        side=side,
        kind=kind,
        count=count,
        operation=operation,
        status=status,
        headers=dict(headers or {}),
        body=body,
        delay=float(delay) if delay is not None else None,
        retry_after=float(retry_after) if retry_after is not None else None,
    )


def _at_least(value: Any, minimum: float, *, inclusive: bool) -> bool:
    # bool is an int subclass, so it is excluded explicitly.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return value >= minimum if inclusive else value > minimum


class FaultInjector:
    """
    The queue of pending faults of one sandbox, shared by its servers' request threads.

    Faults apply in the order they were added: a request gets the first pending fault of its side
    whose ``operation`` it carries, and that fault's ``count`` goes down by one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        # Requests that a delay or drop_after fault still processes, so tests can wait for them.
        self._in_progress = 0
        self._idle = threading.Condition(self._lock)

    def add(self, side: str, kind: str, **parameters: Any) -> Fault:
        """
        Queue a fault. The parameters are those of :func:`build_fault`.

        :raises FaultError: if an argument is invalid.
        """
        fault = build_fault(side, kind, **parameters)
        with self._lock:
            self._faults.append(fault)
        log.info("Injected fault %s for the next %d matching request(s)", fault.describe(), fault.count)
        return fault

    def clear(self) -> None:
        """Drop every pending fault. Requests already being delayed carry on."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict[str, Any]]:
        """Return the pending faults as dicts, with ``count`` the requests each still applies to."""
        with self._lock:
            return [asdict(fault) for fault in self._faults]

    def take(self, side: str, operations: Iterable[str]) -> Fault | None:
        """Return the fault for one request of ``side`` carrying ``operations``, or None."""
        names = set(operations)
        with self._lock:
            for fault in self._faults:
                if fault.side == side and (fault.operation is None or fault.operation in names):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    if fault.kind in PROCESSING_KINDS:
                        self._in_progress += 1
                    return fault
        return None

    def wait_until_idle(self, timeout: float) -> bool:
        """
        Wait until no request is held by a ``delay`` or ``drop_after`` fault.

        :param timeout: the maximum wait in seconds.
        :return: whether every such request has finished processing.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._in_progress == 0, timeout=timeout)

    def _finish(self) -> None:
        with self._idle:
            self._in_progress -= 1
            self._idle.notify_all()

    def app(self, fault: Fault, process: WSGIApp) -> WSGIApp:
        """
        Return the WSGI app that serves one request with ``fault``.

        :param process: the side's normal handling of the request, run for ``delay`` and
            ``drop_after`` faults.
        """

        def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            log.info(
                "Applying fault %s to %s %s", fault.describe(), environ.get("REQUEST_METHOD"), _path(environ)
            )
            if fault.kind == "delay":
                assert fault.delay is not None
                try:
                    time.sleep(fault.delay)
                    # The body is read here, inside the guard, so idle means processed.
                    return _run(process, environ, start_response)
                finally:
                    self._finish()
            if fault.kind == "drop_after":
                try:
                    _run(process, environ, _discard_start_response)
                finally:
                    self._finish()
                return _drop_connection(environ, start_response)
            if fault.kind == "drop_before":
                return _drop_connection(environ, start_response)
            status, headers, body = canned_response(fault)
            start_response(status, headers)
            return [body]

        return serve


def _run(process: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    result = process(environ, start_response)
    try:
        return list(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def _discard_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return lambda _data: None


def _drop_connection(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    client = environ.get("werkzeug.socket")
    if client is None:
        raise RuntimeError("Dropping a connection needs werkzeug's development server (werkzeug.socket)")
    try:
        client.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # The client has already gone, which is the same outcome.
    # werkzeug's attempt to send this status fails on the closed socket and ends the request
    # quietly as a dropped connection, so nothing reaches the client.
    start_response("500 Connection Dropped", [("Content-Length", "0")])
    return []


def _path(environ: dict[str, Any]) -> str:
    return str(environ.get("PATH_INFO", ""))


def canned_response(fault: Fault) -> tuple[str, list[tuple[str, str]], bytes]:
    """Return the status line, headers and body of a fault that responds without processing."""
    if fault.kind == "response":
        assert fault.status is not None
        body, content_type = _encode_body(fault.body, fault.side)
        headers = dict(fault.headers)
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = content_type
        return _status_line(fault.status), _with_length(list(headers.items()), body), body
    if fault.kind == "html_502":
        body = GATEWAY_PAGE.encode()
        return "502 Bad Gateway", _with_length([("Content-Type", "text/html")], body), body
    if fault.kind == "throttle":
        return _throttle_response(fault)
    if fault.kind == "expired_token":
        return _expired_response(fault)
    raise AssertionError(f"fault kind {fault.kind!r} has no canned response")


def _throttle_response(fault: Fault) -> tuple[str, list[tuple[str, str]], bytes]:
    if fault.side == "cognito":
        return _cognito_error("TooManyRequestsException", "Too many requests")
    if fault.side == "files":
        return _s3_error("503 Slow Down", "SlowDown", "Please reduce your request rate.")
    retry_after = DEFAULT_RETRY_AFTER_SECONDS if fault.retry_after is None else fault.retry_after
    body = json.dumps(
        {"errors": [{"errorType": "TooManyRequestsException", "message": "Rate exceeded"}]}
    ).encode()
    headers = [("Content-Type", "application/json"), ("Retry-After", f"{retry_after:g}")]
    return "429 Too Many Requests", _with_length(headers, body), body


def _expired_response(fault: Fault) -> tuple[str, list[tuple[str, str]], bytes]:
    if fault.side == "files":
        return _s3_error("403 Forbidden", "AccessDenied", "Request has expired")
    body = json.dumps({"errors": [{"errorType": "UnauthorizedException", "message": "Token has expired."}]})
    return (
        "401 Unauthorized",
        _with_length([("Content-Type", "application/json")], body.encode()),
        body.encode(),
    )


def _cognito_error(error_type: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    body = json.dumps({"__type": error_type, "message": message}).encode()
    headers = [
        ("Content-Type", AMZ_JSON),
        ("x-amzn-ErrorType", error_type),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    return "400 Bad Request", _with_length(headers, body), body


def _s3_error(status: str, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    ).encode()
    return status, _with_length([("Content-Type", "application/xml")], body), body


def _encode_body(body: Any, side: str) -> tuple[bytes, str]:
    if body is None:
        return b"", "text/plain; charset=utf-8"
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), AMZ_JSON if side == "cognito" else "application/json"


def _status_line(status: int) -> str:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Injected Fault"
    return f"{status} {reason}"


def _with_length(headers: list[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    without_length = [(name, value) for name, value in headers if name.lower() != "content-length"]
    return [*without_length, ("Content-Length", str(len(body)))]
