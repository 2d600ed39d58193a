"""Threaded WSGI servers on 127.0.0.1 that start and stop cleanly from a background thread."""

from __future__ import annotations

import errno
import logging
import socket
import threading
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler, make_server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


class PortInUseError(OSError):
    """The requested port on 127.0.0.1 is already taken by another program."""


class _QuietRequestHandler(WSGIRequestHandler):
    # HTTP/1.0 closes each connection after its response, so that no keep-alive connection
    # outlives stop() and keeps talking to a stopped sandbox.
    protocol_version = "HTTP/1.0"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # werkzeug logs each request at INFO, which floods the CLI output, so requests go to DEBUG.
        # The query string is left out because a download link's query carries its signature.
        log.debug("%s %s -> %s", self.command, self.path.partition("?")[0], code)


def bind_socket(port: int, purpose: str) -> socket.socket:
    """
    Bind and listen on ``127.0.0.1:port``, where port 0 picks a free port.

    :param purpose: what the port serves, for the error message.
    :raises PortInUseError: if the port is taken.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Lets a restarted sandbox reuse its port while old connections sit in TIME_WAIT. On Linux
    # this still fails with EADDRINUSE when another socket is listening on the port.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUseError(
                errno.EADDRINUSE,
                f"Port {port} on {HOST} ({purpose}) is already in use. Stop the program that uses it,"
                " or choose another port (0 picks a free one)",
            ) from error
        raise
    return sock


class BackgroundServer:
    """
    A threaded werkzeug server for one WSGI app, on a socket bound by :func:`bind_socket`.

    :param name: a label for logs and the thread name.
    :param app: the WSGI application.
    :param sock: a bound, listening socket, which the server takes ownership of.
    """

    def __init__(
        self,
        name: str,
        app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]],
        sock: socket.socket,
    ) -> None:
        self.name = name
        self.port: int = sock.getsockname()[1]
        # werkzeug duplicates the descriptor, so the original socket is closed right after.
        self._server = make_server(
            HOST, self.port, app, threaded=True, request_handler=_QuietRequestHandler, fd=sock.fileno()
        )
        sock.close()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # shutdown() waits up to one poll interval, so 0.05 s keeps stop() fast.
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{name}",
            daemon=True,
        )

    def start(self) -> None:
        """Start serving in a daemon thread."""
        self._thread.start()
        log.info("Started %s server on %s:%d", self.name, HOST, self.port)

    def stop(self) -> None:
        """Stop accepting requests, close the listening socket and wait for the thread."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()
        log.info("Stopped %s server on %s:%d", self.name, HOST, self.port)
