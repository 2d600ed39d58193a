"""
Parse the example DAG files the way Airflow's DAG processor does (``DagBag``), in a process whose
sockets cannot connect, and print what was parsed and every connection attempt as JSON.

Run as ``python -m bench.parse_probe``. A DAG file that logs in, queries or resolves a host name at
parse time shows up in ``connect_attempts`` or ``name_lookups`` (and in ``import_errors``, because
each attempt raises).
"""

from __future__ import annotations

import json
import socket
import sys
from typing import Any

from bench.environment import DAGS_FOLDER


class NetworkDisabledError(OSError):
    """A socket tried to connect while DAG files were being parsed."""


def _block_network(connect_attempts: list[str], name_lookups: list[str]) -> None:
    def raise_on_connect(sock: socket.socket, address: Any, *args: Any) -> None:
        connect_attempts.append(repr(address))
        raise NetworkDisabledError(f"connect to {address!r} during DAG parsing")

    def raise_on_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        name_lookups.append(repr(host))
        raise NetworkDisabledError(f"name lookup of {host!r} during DAG parsing")

    # asyncio and every HTTP library in the venv connect through these, so patching them covers all.
    socket.socket.connect = raise_on_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = raise_on_connect  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = raise_on_lookup
    socket.gethostbyname = raise_on_lookup


def main() -> int:
    """Parse ``dags/`` with the network blocked and print the result as JSON."""
    connect_attempts: list[str] = []
    name_lookups: list[str] = []
    _block_network(connect_attempts, name_lookups)

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    print(
        json.dumps(
            {
                "dag_ids": sorted(bag.dag_ids),
                "import_errors": {str(path): str(error) for path, error in bag.import_errors.items()},
                "connect_attempts": connect_attempts,
                "name_lookups": name_lookups,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
