from __future__ import annotations

import pytest
import requests

from airflow_provider_legalesign.sandbox import Sandbox
from tests.sandbox.conftest import SEND, TIMEOUT, graphql, initiate_auth, login, send_input

pytestmark = pytest.mark.integration


def test_counts_start_at_zero_after_seeding(fresh_sandbox: Sandbox) -> None:
    zero = {"cognito": {}, "graphql": {}, "files": {}, "totals": {"cognito": 0, "graphql": 0, "files": 0}}
    assert fresh_sandbox.request_counts() == {**zero, "processed": zero}


def test_counts_per_side_and_operation(fresh_sandbox: Sandbox) -> None:
    token = login(fresh_sandbox)
    initiate_auth(fresh_sandbox, password="wrong-password")
    graphql(fresh_sandbox, token, "{ user { id } }")
    graphql(fresh_sandbox, token, "query Two { user { id } group(id: null) { id } }")
    graphql(fresh_sandbox, token, SEND, {"input": send_input(fresh_sandbox)})
    graphql(fresh_sandbox, None, "{ user { id } }")
    graphql(fresh_sandbox, token, "{ user {")

    counts = fresh_sandbox.request_counts()
    assert counts["cognito"] == {"InitiateAuth": 2}
    assert counts["graphql"] == {"user": 3, "group": 1, "send": 1, "(invalid request)": 1}
    assert counts["totals"] == {"cognito": 2, "graphql": 5, "files": 0}


def test_counts_follow_fragments_and_operation_name(fresh_sandbox: Sandbox) -> None:
    token = login(fresh_sandbox)
    fresh_sandbox.reset_counts()
    query = """
    query A { ...Me }
    query B { task(id: "dHNreA==") { id } }
    fragment Me on Query { user { id } }
    """
    response = requests.post(
        fresh_sandbox.graphql_url,
        json={"query": query, "operationName": "A"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert fresh_sandbox.request_counts()["graphql"] == {"user": 1}


def test_reset_counts(fresh_sandbox: Sandbox) -> None:
    login(fresh_sandbox)
    fresh_sandbox.reset_counts()
    assert fresh_sandbox.request_counts()["totals"] == {"cognito": 0, "graphql": 0, "files": 0}


def test_counts_control_endpoints(fresh_sandbox: Sandbox) -> None:
    login(fresh_sandbox)
    counts = requests.get(f"{fresh_sandbox.base_url}/_sandbox/counts", timeout=TIMEOUT).json()
    assert counts["cognito"] == {"InitiateAuth": 1}
    reset = requests.post(f"{fresh_sandbox.base_url}/_sandbox/counts/reset", timeout=TIMEOUT).json()
    assert reset["totals"] == {"cognito": 0, "graphql": 0, "files": 0}
    # Control requests are not counted, so that tests can read counts without changing them.
    assert fresh_sandbox.request_counts()["totals"] == {"cognito": 0, "graphql": 0, "files": 0}


def test_file_downloads_are_counted(fresh_sandbox: Sandbox) -> None:
    token = login(fresh_sandbox)
    document_id = fresh_sandbox.documents()[0]["id"]
    link = graphql(
        fresh_sandbox, token, "query L($id: ID!) { document(id: $id) { link } }", {"id": document_id}
    )
    url = link.json()["data"]["document"]["link"]
    requests.get(url, timeout=TIMEOUT)
    requests.get(url, headers={"Authorization": "x"}, timeout=TIMEOUT)
    assert fresh_sandbox.request_counts()["files"] == {"download": 2}
