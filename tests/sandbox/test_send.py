from __future__ import annotations

import base64
import time
from typing import Any

import pytest
import requests

from airflow_provider_legalesign.sandbox import NotFoundError, Sandbox, StateError
from tests.sandbox.conftest import DOCUMENT, SEND, TASK, TIMEOUT, graphql, login, send_input

pytestmark = pytest.mark.integration


def recipient(
    order: int | None = 0, email: str | None = "signer@example.com", **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {"firstName": "Sam", "lastName": "Signer", **extra}
    if order is not None:
        entry["order"] = order
    if email is not None:
        entry["email"] = email
    return entry


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


INVALID_INPUTS = [
    pytest.param({"title": None}, "title is required", id="missing-title"),
    pytest.param({"groupId": None}, "groupId is required", id="missing-group"),
    pytest.param({"templateId": None}, "templateId is required", id="missing-template"),
    pytest.param({"recipients": []}, "recipients is required", id="no-recipients"),
    pytest.param(
        {"recipients": [recipient(index, f"s{index}@example.com") for index in range(200)]},
        "fewer than 200",
        id="200-recipients",
    ),
    pytest.param({"recipients": [recipient(email=None)]}, "recipients[0].email is required", id="no-email"),
    pytest.param({"recipients": [recipient(order=None)]}, "recipients[0].order is required", id="no-order"),
    pytest.param({"recipients": [recipient(order=2)]}, "no initial recipient", id="no-initial-recipient"),
    pytest.param({"recipients": [recipient(order=1)]}, "no initial recipient", id="order-1-without-role"),
    pytest.param(
        {"recipients": [recipient(0, ""), recipient(1, "b@example.com")]},
        "lowest-order recipient needs a non-empty email",
        id="initial-email-empty",
    ),
    pytest.param({"recipients": [recipient(email="not-an-address")]}, "not a valid email", id="bad-email"),
    pytest.param({"title": "x" * 1029}, "title has 1029 characters", id="long-title"),
    pytest.param({"tag": "t" * 251}, "tag has 251 characters", id="long-tag"),
    pytest.param({"pdfPassword": "p" * 151}, "pdfPassword has 151 characters", id="long-password"),
    pytest.param(
        {"documentCCEmail": [f"cc{index}@example.com" for index in range(11)]},
        "documentCCEmail has 11 entries",
        id="too-many-cc",
    ),
    pytest.param({"redirect": "not a uri"}, "redirect 'not a uri' is not a valid URI", id="bad-redirect"),
    pytest.param({"groupId": b64("tplabc")}, "groupId", id="group-id-wrong-prefix"),
    pytest.param({"groupId": "%%%"}, "groupId", id="group-id-not-base64"),
    pytest.param({"templateId": b64("grpabc")}, "templateId", id="template-id-wrong-prefix"),
    pytest.param(
        {"recipients": [recipient(1, roleId=b64("tplabc"))]}, "recipients[0].roleId", id="role-prefix"
    ),
    pytest.param(
        {"recipients": [recipient(1, roleId=b64("rol00000000"))]},
        "is not a role of template",
        id="role-of-other-template",
    ),
    pytest.param({"templateId": b64("tpl00000000")}, "does not exist", id="unknown-template"),
    pytest.param(
        {"senderFields": [{"id": b64("rolx"), "value": "v"}]}, "senderFields[0].id", id="field-prefix"
    ),
]


@pytest.mark.parametrize(("overrides", "message_part"), INVALID_INPUTS)
def test_send_rejects_invalid_input(
    sandbox: Sandbox, token: str, overrides: dict[str, Any], message_part: str
) -> None:
    response = graphql(sandbox, token, SEND, {"input": send_input(sandbox, **overrides)})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"send": None}
    error = body["errors"][0]
    assert error["errorType"] == "ValidationError"
    assert error["path"] == ["send"]
    assert message_part in error["message"]
    assert any(message_part in problem for problem in error["errorInfo"]["problems"])


def test_send_accepts_limits_and_optional_fields(sandbox: Sandbox, token: str) -> None:
    settings = send_input(
        sandbox,
        title="x" * 1028,
        tag="t" * 250,
        pdfPassword="p" * 150,
        documentCCEmail=[f"cc{index}@example.com" for index in range(10)],
        redirect="https://example.com/thanks",
        sequentialSigning=True,
        suppressEmails=True,
    )
    response = graphql(sandbox, token, SEND, {"input": settings})
    assert "errors" not in response.json()
    assert response.json()["data"]["send"]


def test_send_accepts_order_zero_without_role(sandbox: Sandbox, token: str) -> None:
    settings = send_input(sandbox, recipients=[recipient(0, "first@example.com"), recipient(1, "")])
    response = graphql(sandbox, token, SEND, {"input": settings})
    assert "errors" not in response.json()


def test_send_to_other_group_is_unauthorized(sandbox: Sandbox, token: str) -> None:
    [foreign] = [d for d in sandbox.documents() if d["id"] == sandbox.foreign_document_id]
    other_group = foreign["groupId"]
    assert other_group != sandbox.group_id
    response = graphql(sandbox, token, SEND, {"input": send_input(sandbox, groupId=other_group)})
    error = response.json()["errors"][0]
    assert error["errorType"] == "Unauthorized"
    assert error["message"] == "Not Authorized to access send on type Mutation"


def wait_for_report(sandbox: Sandbox, token: str, task_id: str, timeout: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = graphql(sandbox, token, TASK, {"id": task_id}).json()["data"]["task"]
        if task["report"] is not None:
            return task
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not finish within {timeout} s")


def test_send_task_document_sign_lifecycle(sandbox: Sandbox, token: str) -> None:
    settings = send_input(sandbox, tag="lifecycle-test")
    task_id = graphql(sandbox, token, SEND, {"input": settings}).json()["data"]["send"]
    assert base64.b64decode(task_id).startswith(b"tsk")

    running = graphql(sandbox, token, TASK, {"id": task_id}).json()["data"]["task"]
    assert running["report"] is None
    assert running["status"] == "PROCESSING"

    task = wait_for_report(sandbox, token, task_id)
    assert task["status"] == "COMPLETE"
    assert task["report"]["status"] == "COMPLETED"
    assert task["report"]["errors"] == []
    [document_id] = task["report"]["documents"]

    document = graphql(sandbox, token, DOCUMENT, {"id": document_id}).json()["data"]["document"]
    assert document["status"] == "inprogress"
    assert document["name"] == "Sandbox test NDA"
    assert document["tags"] == ["lifecycle-test"]
    assert document["taskId"] == task_id
    assert document["sourceTemplateId"] == sandbox.template_id
    assert [r["email"] for r in document["recipients"]] == ["ada@example.com"]
    assert document["recipients"][0]["status"] == "sent"
    assert document["recipients"][0]["signedDateTime"] is None

    [stored] = sandbox.documents(tag="lifecycle-test")
    assert stored["id"] == document_id

    sandbox.sign_document(document_id)
    signed = graphql(sandbox, token, DOCUMENT, {"id": document_id}).json()["data"]["document"]
    assert signed["status"] == "completed"
    assert signed["recipients"][0]["status"] == "signed"
    assert signed["recipients"][0]["signedDateTime"]
    assert signed["modified"] >= document["modified"]

    with pytest.raises(StateError):
        sandbox.sign_document(document_id)


def test_reject_through_control_endpoint(sandbox: Sandbox, token: str) -> None:
    task_id = graphql(sandbox, token, SEND, {"input": send_input(sandbox, tag="reject-test")}).json()["data"][
        "send"
    ]
    [document_id] = wait_for_report(sandbox, token, task_id)["report"]["documents"]

    response = requests.post(
        f"{sandbox.base_url}/_sandbox/documents/reject", json={"documentId": document_id}, timeout=TIMEOUT
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["recipients"][0]["status"] == "rejected"

    again = requests.post(
        f"{sandbox.base_url}/_sandbox/documents/sign", json={"documentId": document_id}, timeout=TIMEOUT
    )
    assert again.status_code == 409


def test_sign_unknown_document_raises(sandbox: Sandbox) -> None:
    with pytest.raises(NotFoundError):
        sandbox.sign_document(base64.b64encode(b"docmissing").decode())
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/documents/sign",
        json={"documentId": "ZG9jbWlzc2luZw=="},
        timeout=TIMEOUT,
    )
    assert response.status_code == 404


def test_stop_listed_recipient_fails_task(sandbox: Sandbox, token: str) -> None:
    settings = send_input(sandbox, recipients=[recipient(0, "stopped@example.com")])
    task_id = graphql(sandbox, token, SEND, {"input": settings}).json()["data"]["send"]
    task = wait_for_report(sandbox, token, task_id)
    assert task["status"] == "FAILED"
    assert task["report"]["status"] == "FAILED"
    assert task["report"]["documents"] == []
    assert "stop list" in task["report"]["errors"][0]


def test_cancel_and_archive_document(sandbox: Sandbox, token: str) -> None:
    task_id = graphql(sandbox, token, SEND, {"input": send_input(sandbox, tag="cancel-test")}).json()["data"][
        "send"
    ]
    [document_id] = wait_for_report(sandbox, token, task_id)["report"]["documents"]

    cancel = "mutation C($id: ID!) { cancelDocument(input: {documentId: $id}) }"
    assert graphql(sandbox, token, cancel, {"id": document_id}).json() == {
        "data": {"cancelDocument": document_id}
    }
    assert sandbox.documents(tag="cancel-test")[0]["status"] == "cancelled"
    second = graphql(sandbox, token, cancel, {"id": document_id}).json()
    assert second["errors"][0]["errorType"] == "ValidationError"

    archive = "mutation A($id: ID!) { archiveDocument(input: {documentId: $id}) }"
    assert graphql(sandbox, token, archive, {"id": document_id}).json() == {
        "data": {"archiveDocument": document_id}
    }
    assert sandbox.documents(tag="cancel-test")[0]["archived"] is True


def test_auto_sign_after_signs_new_documents() -> None:
    with Sandbox(task_delay=0.1, auto_sign_after=0.3) as sandbox:
        token = login(sandbox)
        task_id = graphql(sandbox, token, SEND, {"input": send_input(sandbox)}).json()["data"]["send"]
        [document_id] = wait_for_report(sandbox, token, task_id)["report"]["documents"]
        time.sleep(0.35)
        document = graphql(sandbox, token, DOCUMENT, {"id": document_id}).json()["data"]["document"]
        assert document["status"] == "completed"
        assert document["recipients"][0]["status"] == "signed"
