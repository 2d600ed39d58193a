from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_legalesign.sandbox import Sandbox

# Client timeout for these tests, in seconds: short, so that a delayed request times out quickly.
TIMEOUT = 1.0
# Server-side delay of a "delay" fault: longer than TIMEOUT, so the client gives up first.
DELAY = 1.5
MAX_ATTEMPTS = 3


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    # Send tasks finish at once, so a test can count the documents that a mutation created.
    with Sandbox(task_delay=0) as running:
        yield running


@pytest.fixture
def faulty(sandbox: Sandbox, set_connection) -> Iterator[Sandbox]:
    """The module's sandbox with no faults, zero counts, and legalesign_default pointing at it."""
    sandbox.clear_faults()
    set_connection(sandbox.connection(timeout=TIMEOUT, max_attempts=MAX_ATTEMPTS))
    sandbox.reset_counts()
    yield sandbox
    sandbox.clear_faults()
    # A request still held by a delay fault would otherwise count in the next test.
    sandbox.wait_for_faults()
