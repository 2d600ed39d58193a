"""Send, wait and list against the sandbox: the e-signature workflow without Airflow's scheduler."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_legalesign.exceptions import (
    LegalesignConfigurationError,
    LegalesignError,
    LegalesignStateError,
)
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook
from airflow_provider_legalesign.operators.legalesign import LegalesignSendDocumentOperator
from airflow_provider_legalesign.send_input import send_tag
from airflow_provider_legalesign.sensors.legalesign import LegalesignDocumentSensor
from airflow_provider_legalesign.triggers.legalesign import LegalesignDocumentTrigger

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sandbox():
    from airflow_provider_legalesign.sandbox import Sandbox

    with Sandbox(task_delay=0.2, seed_documents=2500) as running:
        yield running


@pytest.fixture
def connection(sandbox, set_connection):
    set_connection(sandbox.connection())
    sandbox.reset_counts()
    return sandbox


def task_context(try_number: int = 1, run_id: str | None = None) -> dict:
    ti = SimpleNamespace(
        dag_id="contracts",
        run_id=run_id or f"manual__{datetime.now(UTC).isoformat()}",
        task_id="send",
        map_index=-1,
        try_number=try_number,
    )
    dag_run = SimpleNamespace(run_after=datetime.now(UTC) - timedelta(seconds=5), start_date=None)
    return {"ti": ti, "dag_run": dag_run}


def send_operator(sandbox, **overrides) -> LegalesignSendDocumentOperator:
    arguments = {
        "task_id": "send",
        "group_id": sandbox.group_id,
        "template_id": sandbox.template_id,
        "title": "Non-disclosure agreement",
        "recipients": [
            {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "email": "ada@example.com",
                "order": 1,
                "roleId": sandbox.role_id,
            }
        ],
        "task_poll_interval": 0.1,
        "task_timeout": 20,
    }
    arguments.update(overrides)
    return LegalesignSendDocumentOperator(**arguments)


def graphql_requests(sandbox) -> int:
    return sandbox.request_counts()["totals"]["graphql"]


def test_send_returns_task_and_documents(connection):
    context = task_context()

    result = send_operator(connection).execute(context)

    assert set(result) == {"task_id", "document_ids"}
    assert len(result["document_ids"]) == 1
    tag = send_tag("contracts", context["ti"].run_id, "send", -1)
    (document,) = connection.documents(tag=tag)
    assert document["id"] == result["document_ids"][0]
    assert document["status"] == "inprogress"
    assert document["name"] == "Non-disclosure agreement"
    assert connection.request_counts()["graphql"]["send"] == 1


def test_send_without_waiting(connection):
    result = send_operator(connection, wait_for_documents=False).execute(task_context())

    assert result["document_ids"] == []
    assert result["task_id"]
    assert connection.request_counts()["graphql"].get("task", 0) == 0


def test_send_input_passed_as_variable(connection):
    title = 'Quote " and brace } and backslash \\ in a title'

    send_operator(connection, title=title, send_options={"suppressEmails": True}).execute(task_context())

    assert any(document["name"] == title for document in connection.documents())


def test_retry_adopts_earlier_document(connection):
    context = task_context()
    first = send_operator(connection).execute(context)
    connection.reset_counts()
    context["ti"].try_number = 2

    second = send_operator(connection).execute(context)

    assert second["document_ids"] == first["document_ids"]
    assert connection.request_counts()["graphql"].get("send", 0) == 0
    assert len(connection.documents(tag=send_tag("contracts", context["ti"].run_id, "send", -1))) == 1


def test_retry_sends_when_nothing_was_sent(connection):
    context = task_context(try_number=3)

    result = send_operator(connection, duplicate_check_window=5).execute(context)

    assert len(result["document_ids"]) == 1
    assert connection.request_counts()["graphql"]["send"] == 1
    # The group was searched more than once before sending, in case an earlier send was still processing.
    assert connection.request_counts()["graphql"]["group"] >= 2


def test_failed_send_task_fails_without_retry(connection):
    recipients = [
        {
            "firstName": "S",
            "lastName": "L",
            "email": "stopped@example.com",
            "order": 1,
            "roleId": connection.role_id,
        }
    ]

    with pytest.raises(LegalesignStateError, match="FAILED") as caught:
        send_operator(connection, recipients=recipients).execute(task_context())

    assert isinstance(caught.value, AirflowFailException)
    assert caught.value.status == "FAILED"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"title": ""}, "title is missing"),
        ({"title": "x" * 1029}, "more than the maximum of 1028"),
        ({"group_id": "bm90YWdyb3Vw"}, "groupId 'bm90YWdyb3Vw' is not a Legalesign grp id"),
        ({"template_id": "not base64!"}, "templateId"),
        ({"recipients": []}, "recipients must be a non-empty list"),
        ({"recipients": [{"email": "a@example.com", "order": 0}] * 200}, "fewer than 200"),
        ({"recipients": [{"order": 0}]}, "recipients[0].email is missing"),
        ({"recipients": [{"email": "a@example.com"}]}, "recipients[0].order is missing"),
        ({"recipients": [{"email": "a@example.com", "order": 2}]}, "needs order 0"),
        ({"recipients": [{"email": "", "order": 0}]}, "has no email"),
        ({"recipients": [{"email": "a@example.com", "order": 1, "roleId": "eHl6"}]}, "roleId 'eHl6' is not"),
        ({"send_options": {"tag": "mine"}}, "send_options sets tag"),
        ({"send_options": {"documentCCEmail": ["a@example.com"] * 11}}, "at most 10"),
        ({"send_options": {"redirect": "not a uri"}}, "redirect 'not a uri' is not an absolute URI"),
        ({"send_options": {"pdfPassword": "p" * 151}}, "pdfPassword has 151 characters"),
        ({"recipients": "[{not json"}, "recipients rendered to a string that is not JSON"),
    ],
)
def test_invalid_input_sends_nothing(connection, overrides, expected):
    with pytest.raises(LegalesignConfigurationError) as caught:
        send_operator(connection, **overrides).execute(task_context())

    assert expected in str(caught.value)
    assert connection.request_counts()["totals"]["cognito"] == 0
    assert graphql_requests(connection) == 0


def test_iter_documents_pages_in_created_order(connection):
    documents = list(LegalesignHook().iter_documents(connection.group_id, page_size=1000))

    created = [document["created"] for document in documents]
    assert len(documents) >= 2503
    assert created == sorted(created)
    assert len({document["id"] for document in documents}) == len(documents)
    assert connection.request_counts()["graphql"]["group"] == -(-len(documents) // 1000)


def test_iter_documents_created_after(connection):
    since = datetime.now(UTC)
    document_id = send_operator(connection, title="Created after").execute(task_context())["document_ids"][0]

    recent = list(LegalesignHook().iter_documents(connection.group_id, created_after=since))

    assert [document["id"] for document in recent] == [document_id]


@pytest.mark.parametrize("page_size", [0, 1001, 2.5, True])
def test_iter_documents_rejects_page_size(connection, page_size):
    with pytest.raises(LegalesignConfigurationError, match="page_size"):
        next(LegalesignHook().iter_documents(connection.group_id, page_size=page_size))


def test_iter_documents_unknown_group(connection):
    with pytest.raises(LegalesignError):
        list(LegalesignHook().iter_documents("Z3JwbWlzc2luZw=="))


def sent_document(sandbox) -> str:
    return send_operator(sandbox).execute(task_context())["document_ids"][0]


def test_sensor_poke_waits_then_succeeds(connection):
    document_id = sent_document(connection)
    sensor = LegalesignDocumentSensor(task_id="wait", document_id=document_id, deferrable=False)

    assert sensor.poke({}).is_done is False
    connection.sign_document(document_id)
    result = sensor.poke({})

    assert result.is_done is True
    assert result.xcom_value["status"] == "completed"
    assert result.xcom_value["id"] == document_id


def test_sensor_fails_on_rejection_with_recipients(connection):
    document_id = sent_document(connection)
    connection.reject_document(document_id)
    sensor = LegalesignDocumentSensor(task_id="wait", document_id=document_id, deferrable=False)

    with pytest.raises(LegalesignStateError) as caught:
        sensor.poke({})

    assert isinstance(caught.value, AirflowFailException)
    assert "'rejected'" in str(caught.value)
    assert "ada@example.com: rejected" in str(caught.value)


def test_sensor_custom_statuses(connection):
    document_id = sent_document(connection)
    sensor = LegalesignDocumentSensor(
        task_id="wait", document_id=document_id, success_statuses=["INPROGRESS"], deferrable=False
    )

    assert sensor.poke({}).is_done is True


def test_sensor_rejects_overlapping_statuses():
    with pytest.raises(LegalesignConfigurationError, match="both"):
        LegalesignDocumentSensor(
            task_id="w", document_id="x", success_statuses=["done"], failure_statuses=["Done"]
        )


def test_trigger_serialisation_round_trip():
    trigger = LegalesignDocumentTrigger("ZG9jMQ==", "conn", ["completed"], ["rejected", "cancelled"], 7.5)

    path, kwargs = trigger.serialize()
    rebuilt = LegalesignDocumentTrigger(**kwargs)

    assert path == "airflow_provider_legalesign.triggers.legalesign.LegalesignDocumentTrigger"
    assert rebuilt.serialize() == (path, kwargs)
    assert kwargs == {
        "document_id": "ZG9jMQ==",
        "legalesign_conn_id": "conn",
        "success_statuses": ["completed"],
        "failure_statuses": ["rejected", "cancelled"],
        "poke_interval": 7.5,
    }


def run_trigger(trigger: LegalesignDocumentTrigger) -> dict:
    async def first_event() -> dict:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("the trigger ended without an event")

    return asyncio.run(asyncio.wait_for(first_event(), timeout=30))


def test_trigger_fires_when_signed(connection):
    document_id = sent_document(connection)
    timer = threading.Timer(0.5, connection.sign_document, args=[document_id])
    timer.start()

    payload = run_trigger(LegalesignDocumentTrigger(document_id, poke_interval=0.1))

    assert payload["status"] == "success"
    assert payload["document"]["status"] == "completed"
    assert connection.request_counts()["cognito"]["InitiateAuth"] == 1


def test_trigger_reports_rejection(connection):
    document_id = sent_document(connection)
    connection.reject_document(document_id)

    payload = run_trigger(LegalesignDocumentTrigger(document_id, poke_interval=0.1))

    assert payload["status"] == "failure"


def test_trigger_reports_unknown_document(connection):
    payload = run_trigger(LegalesignDocumentTrigger("ZG9jbm9wZQ==", poke_interval=0.1))

    assert payload["status"] == "error"
    assert "ZG9jbm9wZQ==" in payload["message"]


def test_sensor_resumes_from_trigger_event(connection):
    sensor = LegalesignDocumentSensor(task_id="wait", document_id="ZG9jMQ==")

    document = {"id": "ZG9jMQ==", "status": "completed", "recipients": []}
    assert sensor.execute_complete({}, {"status": "success", "document": document}) == document
    with pytest.raises(LegalesignStateError):
        sensor.execute_complete({}, {"status": "failure", "document": {**document, "status": "rejected"}})
    with pytest.raises(LegalesignError, match="gone"):
        sensor.execute_complete({}, {"status": "error", "message": "gone"})


def test_download_signed_pdf_from_sandbox(connection, tmp_path):
    from airflow_provider_legalesign.operators.legalesign import LegalesignDownloadDocumentOperator

    document_id = sent_document(connection)
    connection.sign_document(document_id)
    operator = LegalesignDownloadDocumentOperator(
        task_id="pdf", document_id=document_id, destination=str(tmp_path / "signed.pdf")
    )

    path = operator.execute({})

    assert path == str(tmp_path / "signed.pdf")
    assert (tmp_path / "signed.pdf").read_bytes().startswith(b"%PDF-1.")
    assert connection.request_counts()["files"]["download"] == 1


def test_download_refreshes_expired_link(connection, tmp_path):
    from airflow_provider_legalesign.operators.legalesign import LegalesignDownloadDocumentOperator

    document_id = sent_document(connection)
    connection.sign_document(document_id)
    expired = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    connection.inject_fault("files", "response", status=403, body=expired)
    operator = LegalesignDownloadDocumentOperator(
        task_id="pdf", document_id=document_id, destination=f"{tmp_path}/"
    )

    path = operator.execute({})

    assert Path(path).read_bytes().startswith(b"%PDF-")
    assert connection.request_counts()["files"]["download"] == 2
    assert connection.request_counts()["graphql"]["document"] == 2
