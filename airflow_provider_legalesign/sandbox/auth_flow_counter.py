"""Counts of the Cognito InitiateAuth requests by AuthFlow, so tests can tell password logins from refreshes."""

from __future__ import annotations

import threading
from collections import Counter


class AuthFlowCounter:
    """Thread-safe counts of InitiateAuth requests per ``AuthFlow`` value."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, auth_flow: str) -> None:
        """Count one InitiateAuth request with ``auth_flow``."""
        with self._lock:
            self._counts[auth_flow] += 1

    def snapshot(self) -> dict[str, int]:
        """Return the counts as a plain dict, e.g. ``{"USER_PASSWORD_AUTH": 1, "REFRESH_TOKEN_AUTH": 2}``."""
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        """Set every count back to zero."""
        with self._lock:
            self._counts.clear()
