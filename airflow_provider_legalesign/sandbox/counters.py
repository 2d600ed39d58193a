"""Thread-safe request counters, one table per server side."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

SIDES = ("cognito", "graphql", "files")


class RequestCounter:
    """
    Counts requests per side (``cognito``, ``graphql``, ``files``) and per operation.

    One HTTP request adds 1 to its side's total and 1 to each operation it names, so a GraphQL
    request with two root fields adds to two operations but counts once in the total.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._operations: dict[str, Counter[str]] = {side: Counter() for side in SIDES}
        self._totals: Counter[str] = Counter()
        # Requests that reached the side's normal handling: all received ones except those that an
        # injected fault answered or dropped unprocessed.
        self._processed: dict[str, Counter[str]] = {side: Counter() for side in SIDES}
        self._processed_totals: Counter[str] = Counter()

    def record(self, side: str, operations: list[str] | tuple[str, ...]) -> None:
        """Count one request on ``side`` that carried ``operations``."""
        with self._lock:
            self._totals[side] += 1
            self._operations[side].update(operations)

    def record_processed(self, side: str, operations: list[str] | tuple[str, ...]) -> None:
        """Count one request on ``side`` that the sandbox processed, after :meth:`record` counted it."""
        with self._lock:
            self._processed_totals[side] += 1
            self._processed[side].update(operations)

    def snapshot(self) -> dict[str, Any]:
        """
        Return the counts as plain dicts.

        The shape is ``{"cognito": {op: n}, "graphql": {op: n}, "files": {op: n},
        "totals": {"cognito": n, "graphql": n, "files": n}, "processed": {...}}``, where
        ``processed`` has the same shape (without its own ``processed``) for processed requests.
        """
        with self._lock:
            counts: dict[str, Any] = {side: dict(self._operations[side]) for side in SIDES}
            counts["totals"] = {side: self._totals[side] for side in SIDES}
            processed: dict[str, Any] = {side: dict(self._processed[side]) for side in SIDES}
            processed["totals"] = {side: self._processed_totals[side] for side in SIDES}
            counts["processed"] = processed
        return counts

    def reset(self) -> None:
        """Set every count back to zero."""
        with self._lock:
            for side in SIDES:
                self._operations[side].clear()
                self._processed[side].clear()
            self._totals.clear()
            self._processed_totals.clear()
