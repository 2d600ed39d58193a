"""
Process-wide cache of access tokens, so that a worker logs in once per token lifetime and connection.

Cognito throttles logins and locks accounts after repeated failures, so concurrent callers of one
connection must share one login: the first caller logs in while the others wait on the entry's lock.
A token near expiry is renewed with its refresh token where the caller can, because a refresh sends no
password and so cannot add to a lockout. A full login is the fallback.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow_provider_legalesign.auth.cognito import CognitoTokens

# Renew a token when less than this many seconds of its lifetime are left. Short lifetimes (tests,
# custom pools) use a quarter of the lifetime instead, so a token is never renewed on every call.
RENEWAL_MARGIN_SECONDS = 60.0

# Tests replace this to move time forward without waiting.
clock: Callable[[], float] = time.monotonic


def renewal_margin(lifetime_seconds: float) -> float:
    """Return how many seconds before expiry a token of ``lifetime_seconds`` is renewed."""
    return min(RENEWAL_MARGIN_SECONDS, lifetime_seconds / 4)


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: CognitoTokens | None = None
    renew_at: float = 0.0
    logins: int = 0
    refreshes: int = 0


class TokenCache:
    """Access tokens keyed by a fingerprint of the connection settings that produced them."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._entries_lock = threading.Lock()

    def _entry(self, key: str) -> _Entry:
        with self._entries_lock:
            return self._entries.setdefault(key, _Entry())

    def get(
        self,
        key: str,
        login: Callable[[], CognitoTokens],
        refresh: Callable[[CognitoTokens], CognitoTokens | None] | None = None,
    ) -> str:
        """
        Return a valid access token for ``key``, renewing it first if none is cached or it is near expiry.

        A cached token near expiry that has a refresh token is renewed with ``refresh``. When ``refresh``
        returns None, because Cognito rejected the refresh token, ``login`` runs once instead. Without a
        cached token, or without ``refresh``, ``login`` runs. Exceptions from either propagate and leave
        the cache unchanged.
        """
        entry = self._entry(key)
        with entry.lock:
            if entry.tokens is not None and clock() < entry.renew_at:
                return entry.tokens.access_token
            tokens: CognitoTokens | None = None
            if entry.tokens is not None and entry.tokens.refresh_token and refresh is not None:
                tokens = refresh(entry.tokens)
                if tokens is not None:
                    entry.refreshes += 1
            if tokens is None:
                tokens = login()
                entry.logins += 1
            entry.tokens = tokens
            entry.renew_at = clock() + tokens.expires_in - renewal_margin(tokens.expires_in)
            return tokens.access_token

    def invalidate(self, key: str, access_token: str) -> None:
        """
        Drop ``access_token`` from the cache after the server rejected it.

        A token that another thread has already replaced is left alone, so that several requests
        rejected together cause one new login, not one each.
        """
        entry = self._entry(key)
        with entry.lock:
            if entry.tokens is not None and entry.tokens.access_token == access_token:
                entry.tokens = None

    def login_count(self, key: str) -> int:
        """Return how many logins this process has made for ``key``."""
        return self._entry(key).logins

    def refresh_count(self, key: str) -> int:
        """Return how many times this process has renewed the token of ``key`` with its refresh token."""
        return self._entry(key).refreshes

    def clear(self) -> None:
        """Forget every cached token."""
        with self._entries_lock:
            self._entries.clear()


# One cache per process: hooks are created per task, but workers and the triggerer run many tasks
# in one process, and those share logins.
token_cache = TokenCache()
