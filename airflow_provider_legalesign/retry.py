"""
Retry policy shared by the Cognito login and the GraphQL transport.

Whether a failure is worth another attempt is decided where it happens, by the layer that speaks the
protocol, and recorded on the exception as ``retryable`` and ``retry_after``. This module only turns
those two attributes into a tenacity policy.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, TypeVar

import tenacity

from airflow_provider_legalesign.exceptions import LegalesignError

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable

T = TypeVar("T")

# When a server requests a longer pause than this, the request fails instead of
# holding a worker slot. Airflow's own task retries can then try again later.
MAX_RETRY_AFTER_SECONDS = 300.0

# Upper bound of one exponential backoff pause, in seconds, before jitter.
MAX_BACKOFF_SECONDS = 30.0

# Tests replace this to run retries without real sleeping.
sleep: Callable[[float], None] = time.sleep


def _sleep(seconds: float) -> None:
    sleep(seconds)


def is_retryable(error: BaseException) -> bool:
    """Return whether ``error`` is a provider error that the same request may get past."""
    if not isinstance(error, LegalesignError) or not error.retryable:
        return False
    return error.retry_after is None or error.retry_after <= MAX_RETRY_AFTER_SECONDS


class wait_retry_after_or(tenacity.wait.wait_base):
    """
    Wait as long as the server's ``Retry-After`` asked for, else as long as ``fallback`` computes.

    :param fallback: the wait strategy for failures that carry no ``Retry-After``.
    """

    def __init__(self, fallback: tenacity.wait.wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, LegalesignError) and error.retry_after is not None:
            return max(0.0, error.retry_after)
        return self.fallback(retry_state)


def call_with_retries(
    function: Callable[[], T],
    *,
    max_attempts: int,
    logger: logging.Logger,
) -> T:
    """
    Call ``function`` until it succeeds, raises an error that is not retryable, or runs out of attempts.

    The caller sees the last attempt's own exception, never tenacity's ``RetryError``.

    :param max_attempts: attempts in total, the first included.
    :param logger: where each retry is logged, with the attempt, the wait and the error.
    """
    # The first attempt runs outside tenacity, because setting up its retry loop costs about 30 us per
    # call (5% of a round trip to a loopback server, measured by bench/) and most calls succeed at once.
    first_failure: Exception | None = None
    try:
        return function()
    except Exception as error:
        if max_attempts <= 1 or not is_retryable(error):
            raise
        first_failure = error

    def attempt() -> T:
        nonlocal first_failure
        if first_failure is not None:
            # Tenacity receives the first failure as its attempt 1, so waits, logs and counts stay as before.
            failure, first_failure = first_failure, None
            raise failure
        return function()

    def log_retry(retry_state: tenacity.RetryCallState) -> None:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        wait = retry_state.upcoming_sleep
        # The error message already names the request and its target, so it is the whole reason.
        logger.warning(
            "Attempt %d of %d failed: %s Retrying in %.1f s.",
            retry_state.attempt_number,
            max_attempts,
            error,
            wait,
        )

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max_attempts),
        wait=wait_retry_after_or(tenacity.wait_random_exponential(multiplier=0.5, max=MAX_BACKOFF_SECONDS)),
        retry=tenacity.retry_if_exception(is_retryable),
        before_sleep=log_retry,
        sleep=_sleep,
        reraise=True,
    )
    return retrying(attempt)
