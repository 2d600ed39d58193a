"""
The fault matrix: every sandbox fault, on the login and on GraphQL, for a query and a mutation.

Each case checks what a user sees (the data, or the error and its message) and what the sandbox
counted: logins, requests received, requests processed, and documents the mutation created.
"""

from __future__ import annotations

import socket
import uuid
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_legalesign import exceptions
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook
from airflow_provider_legalesign.operators.legalesign import LegalesignDownloadDocumentOperator
from airflow_provider_legalesign.queries import SEND_DOCUMENT
from airflow_provider_legalesign.sandbox.faults import FaultError
from tests.reliability.conftest import DELAY, MAX_ATTEMPTS, TIMEOUT
from tests.reliability.fault_cases import FAULT_CASES, NOT_APPLICABLE, SUCCESS_OUTCOMES, FaultCase
from tests.sandbox.conftest import send_input

pytestmark = pytest.mark.integration

QUERY = "query Me { user { id email } }"
# The operation that each request type counts under, on its side of the sandbox.
OPERATIONS = {"query": "user", "mutation": "send", "download": "download"}
SIDES = {"query": "graphql", "mutation": "graphql", "download": "files"}


def closed_port_url(path: str) -> str:
    """Return a URL on a 127.0.0.1 port where nothing listens, so connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def inject(sandbox, case: FaultCase, set_connection) -> None:
    if case.kind == "refused":
        connection = sandbox.connection(timeout=TIMEOUT, max_attempts=MAX_ATTEMPTS)
        if case.side == "graphql":
            connection["host"] = closed_port_url("/graphql")
        else:
            connection["extra"]["auth_endpoint"] = closed_port_url("/")
        set_connection(connection)
        return
    operation = "InitiateAuth" if case.side == "cognito" else OPERATIONS[case.request]
    parameters = dict(case.fault)
    if case.kind == "delay":
        parameters["delay"] = DELAY
    sandbox.inject_fault(case.side, case.kind, operation=operation, **parameters)


def run(case: FaultCase, sandbox, tag: str, folder: Path) -> Any:
    hook = LegalesignHook()
    if case.request == "query":
        return hook.run_query(QUERY)
    if case.request == "download":
        operator = LegalesignDownloadDocumentOperator(
            task_id="download", document_id=sandbox.documents()[0]["id"], destination=f"{folder}/"
        )
        return Path(operator.execute({})).read_bytes()
    return hook.run_query(SEND_DOCUMENT, {"input": send_input(sandbox, tag=tag)}, "SendDocument")


def check_result(case: FaultCase, result: Any) -> None:
    if case.request == "download":
        assert result.startswith(b"%PDF-")
    else:
        assert OPERATIONS[case.request] in result


@pytest.mark.parametrize("case", FAULT_CASES, ids=[case.case_id for case in FAULT_CASES])
def test_fault(case, faulty, set_connection, waits, tmp_path):
    if case.outcome == NOT_APPLICABLE:
        with pytest.raises(FaultError):
            faulty.inject_fault(case.side, case.kind)
        return
    tag = f"matrix-{uuid.uuid4().hex[:12]}"
    inject(faulty, case, set_connection)

    if case.outcome in SUCCESS_OUTCOMES:
        check_result(case, run(case, faulty, tag, tmp_path))
    else:
        with pytest.raises(exceptions.LegalesignError) as failure:
            run(case, faulty, tag, tmp_path)
        assert type(failure.value).__name__ == case.error
        assert case.message in str(failure.value)

    faulty.wait_for_faults()
    counts = faulty.request_counts()
    side, operation = SIDES[case.request], OPERATIONS[case.request]
    assert counts["cognito"].get("InitiateAuth", 0) == case.logins
    assert counts[side].get(operation, 0) == case.requests
    assert counts["processed"][side].get(operation, 0) == case.processed
    assert len(waits) == case.retries
    if case.request == "mutation":
        assert len(faulty.documents(tag)) == case.processed


def test_every_kind_covered():
    from airflow_provider_legalesign.sandbox.faults import KINDS

    cells = {(case.side, case.kind, case.request) for case in FAULT_CASES}
    expected = {
        (side, kind, request)
        for side in ("cognito", "graphql")
        for kind in (*KINDS, "refused")
        for request in ("query", "mutation")
    }
    expected |= {("files", kind, "download") for kind in KINDS}
    assert expected - cells == set()


def test_throttle_waits_retry_after(faulty, waits):
    faulty.inject_fault("graphql", "throttle", retry_after=4)

    LegalesignHook().run_query(QUERY)

    assert waits == [4.0]


def test_not_replayed_names_mutation(faulty, waits):
    faulty.inject_fault("graphql", "drop_after", operation="send")

    with pytest.raises(exceptions.LegalesignAPIError) as failure:
        LegalesignHook().run_query(SEND_DOCUMENT, {"input": send_input(faulty)}, "SendDocument")

    assert "mutation SendDocument (send)" in str(failure.value)
    assert "Check its effect in Legalesign" in str(failure.value)
