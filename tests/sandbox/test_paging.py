from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_legalesign.sandbox import Sandbox
from tests.sandbox.conftest import graphql, login

pytestmark = pytest.mark.integration

SEEDED = 2500
PAGE = """
query Page($group: ID!, $first: Int, $after: ID, $email: String, $from: AWSDateTime, $to: AWSDateTime,
           $archived: Boolean) {
  group(id: $group) {
    documentConnection(first: $first, after: $after, email: $email, from: $from, to: $to, archived: $archived) {
      documents { id name status created modified }
      totalCount
      pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
    }
  }
}
"""


@pytest.fixture(scope="module")
def big_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed_documents=SEEDED) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def big_token(big_sandbox: Sandbox) -> str:
    return login(big_sandbox)


def page(sandbox: Sandbox, token: str, **variables: Any) -> dict[str, Any]:
    response = graphql(sandbox, token, PAGE, {"group": sandbox.group_id, **variables})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["group"]["documentConnection"]


def test_paging_after_zero_returns_created_order(big_sandbox: Sandbox, big_token: str) -> None:
    names: list[str] = []
    created: list[str] = []
    cursor = "0"
    pages = 0
    while True:
        connection = page(big_sandbox, big_token, first=1000, after=cursor)
        pages += 1
        names += [document["name"] for document in connection["documents"]]
        created += [document["created"] for document in connection["documents"]]
        assert connection["totalCount"] == SEEDED + 3
        if not connection["pageInfo"]["hasNextPage"]:
            break
        cursor = connection["pageInfo"]["endCursor"]

    assert pages == 3
    assert len(names) == SEEDED + 3
    assert len(set(names)) == len(names)
    assert names[:4] == [
        "Seeded NDA 1 (completed)",
        "Seeded NDA 2 (inprogress)",
        "Seeded NDA 3 (rejected)",
        "Seeded document 1",
    ]
    assert names[-1] == f"Seeded document {SEEDED}"
    assert created == sorted(created)


def test_paging_without_after_returns_modified_order(big_sandbox: Sandbox, big_token: str) -> None:
    oldest_in_progress = big_sandbox.documents(tag="sandbox-seed")[1]
    assert oldest_in_progress["status"] == "inprogress"
    big_sandbox.sign_document(oldest_in_progress["id"])

    first_page = page(big_sandbox, big_token, first=5)
    assert first_page["documents"][0]["id"] == oldest_in_progress["id"]
    modified = [document["modified"] for document in first_page["documents"]]
    assert modified == sorted(modified, reverse=True)
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert first_page["pageInfo"]["hasPreviousPage"] is False

    second_page = page(big_sandbox, big_token, first=5, after=first_page["pageInfo"]["endCursor"])
    first_ids = {document["id"] for document in first_page["documents"]}
    assert first_ids.isdisjoint(document["id"] for document in second_page["documents"])
    assert second_page["documents"][0]["modified"] <= first_page["documents"][-1]["modified"]
    assert second_page["pageInfo"]["hasPreviousPage"] is True


def test_paging_first_over_1000_is_an_error(big_sandbox: Sandbox, big_token: str) -> None:
    response = graphql(big_sandbox, big_token, PAGE, {"group": big_sandbox.group_id, "first": 1001})
    body = response.json()
    assert response.status_code == 200
    assert body["data"]["group"]["documentConnection"] is None
    assert body["errors"][0]["errorType"] == "ValidationError"
    assert "1000" in body["errors"][0]["message"]


def test_paging_invalid_cursor_is_an_error(big_sandbox: Sandbox, big_token: str) -> None:
    response = graphql(big_sandbox, big_token, PAGE, {"group": big_sandbox.group_id, "after": "bm9wZQ=="})
    assert response.json()["errors"][0]["message"] == "Invalid cursor 'bm9wZQ=='"


def test_filter_by_email(big_sandbox: Sandbox, big_token: str) -> None:
    connection = page(big_sandbox, big_token, email="SIGNER7@example.com")
    assert [document["name"] for document in connection["documents"]] == ["Seeded document 7"]
    assert connection["totalCount"] == 1


def test_filter_by_created_range(big_sandbox: Sandbox, big_token: str) -> None:
    everything = page(big_sandbox, big_token, first=1000, after="0")["documents"]
    start, end = everything[10]["created"], everything[14]["created"]
    connection = page(big_sandbox, big_token, after="0", **{"from": start, "to": end})
    assert [document["created"] for document in connection["documents"]] == [
        document["created"] for document in everything[10:15]
    ]


def test_archived_documents_listed_only_when_asked(big_sandbox: Sandbox, big_token: str) -> None:
    document_id = big_sandbox.documents(tag="sandbox-seed")[0]["id"]
    archive = "mutation A($id: ID!) { archiveDocument(input: {documentId: $id}) }"
    assert "errors" not in graphql(big_sandbox, big_token, archive, {"id": document_id}).json()

    archived = page(big_sandbox, big_token, archived=True)
    assert [document["id"] for document in archived["documents"]] == [document_id]
    active = page(big_sandbox, big_token, first=1000, after="0")
    assert document_id not in {document["id"] for document in active["documents"]}


def test_ten_thousand_documents_page_quickly() -> None:
    started = time.monotonic()
    with Sandbox(seed_documents=10_000) as sandbox:
        startup = time.monotonic() - started
        token = login(sandbox)
        total = 0
        cursor = "0"
        while cursor:
            connection = page(sandbox, token, first=1000, after=cursor)
            total += len(connection["documents"])
            cursor = connection["pageInfo"]["endCursor"] if connection["pageInfo"]["hasNextPage"] else ""
    elapsed = time.monotonic() - started
    assert total == 10_003
    # Generous bounds for a 2-core CI machine, meant to catch quadratic behaviour, not small slowdowns.
    assert startup < 15
    assert elapsed < 60


BACKWARD = """
query Back($group: ID!, $last: Int, $before: ID) {
  group(id: $group) {
    documentConnection(last: $last, before: $before) {
      documents { name }
      pageInfo { hasNextPage hasPreviousPage }
    }
  }
}
"""


def test_paging_backward_with_last_and_before(big_sandbox: Sandbox, big_token: str) -> None:
    forward = page(big_sandbox, big_token, first=6, after="0")
    before = forward["pageInfo"]["endCursor"]
    variables = {"group": big_sandbox.group_id, "last": 2, "before": before}
    body = graphql(big_sandbox, big_token, BACKWARD, variables).json()
    assert "errors" not in body, body
    connection = body["data"]["group"]["documentConnection"]
    expected = [document["name"] for document in forward["documents"][3:5]]
    assert [document["name"] for document in connection["documents"]] == expected
    assert connection["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": True}
