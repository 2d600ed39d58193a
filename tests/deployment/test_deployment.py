"""
The provider in a running Airflow deployment, driven through the REST API as a user or a CI job would.

Unlike ``airflow dags test``, which runs every task and trigger inside one process, here the scheduler
hands tasks to LocalExecutor worker processes, those reach the API server's execution API, and the
deferred sensor waits in the separate triggerer process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.airflow_version import AIRFLOW_3
from tests.deployment.airflow_deployment import REQUIRES_AIRFLOW_3
from tests.deployment.conftest import CONN_ID

pytestmark = [
    pytest.mark.deployment,
    pytest.mark.skipif(not AIRFLOW_3, reason=REQUIRES_AIRFLOW_3),
    # The first test also waits for the deployment to start.
    pytest.mark.timeout(900),
]

USER_DAG = "example_legalesign_user"
SEND_DAG = "example_legalesign_send_and_wait"
SENSOR_TASK = "wait_for_signatures"
TRIGGER_CLASSPATH = "airflow_provider_legalesign.triggers.legalesign.LegalesignDocumentTrigger"

PARSE_TIMEOUT_SECONDS = 180
RUN_TIMEOUT_SECONDS = 300
DEFER_TIMEOUT_SECONDS = 240


def test_components_healthy(airflow):
    report = airflow.api("GET", "/monitor/health")

    for component in ("metadatabase", "scheduler", "triggerer", "dag_processor"):
        assert report[component]["status"] == "healthy", report


def test_example_dags_parse_without_import_errors(airflow):
    dags = airflow.wait_for_dags([USER_DAG, SEND_DAG], timeout=PARSE_TIMEOUT_SECONDS)

    assert airflow.api("GET", "/importErrors")["import_errors"] == []
    assert dags[USER_DAG]["has_import_errors"] is False
    assert dags[SEND_DAG]["has_import_errors"] is False


def test_connection_stored_with_masked_password(airflow, legalesign_connection):
    stored = airflow.api("GET", f"/connections/{CONN_ID}")

    assert stored["conn_type"] == "legalesign"
    assert stored["host"] == legalesign_connection["host"]
    assert stored["login"] == legalesign_connection["login"]
    assert stored["password"] == "***"
    assert json.loads(stored["extra"]) == json.loads(legalesign_connection["extra"])


def test_connection_test_succeeds(airflow, legalesign_connection, deployment_sandbox):
    result = airflow.api("POST", "/connections/test", json=legalesign_connection)

    assert result["status"] is True, result
    assert result["message"].startswith(f"Connected to Legalesign at {legalesign_connection['host']}")
    assert deployment_sandbox.username in result["message"]


def test_connection_test_reports_wrong_password(airflow, legalesign_connection):
    body = {**legalesign_connection, "connection_id": "legalesign_wrong_password", "password": "Wrong-pass-1"}

    result = airflow.api("POST", "/connections/test", json=body)

    assert result["status"] is False, result
    assert "LegalesignAuthError" in result["message"]
    assert "Wrong-pass-1" not in result["message"]


def test_user_dag_runs_on_workers(airflow, legalesign_connection, deployment_sandbox):
    airflow.wait_for_dags([USER_DAG], timeout=PARSE_TIMEOUT_SECONDS)

    run_id = airflow.trigger(USER_DAG)
    airflow.wait_for_run(USER_DAG, run_id, timeout=RUN_TIMEOUT_SECONDS)

    states = {task_id: ti["state"] for task_id, ti in airflow.task_instances(USER_DAG, run_id).items()}
    assert states == {"fetch_user": "success", "greet": "success"}
    user = airflow.xcom(USER_DAG, run_id, "fetch_user")["user"]
    assert user["email"] == deployment_sandbox.username
    assert set(user) == {"id", "firstName", "lastName", "email"}
    greeting = airflow.xcom(USER_DAG, run_id, "greet")
    assert greeting == f"Hello {user['firstName']} {user['lastName']} <{deployment_sandbox.username}>"


def wait_until_deferred(airflow, run_id: str) -> dict:
    """Wait until the sensor is deferred and a triggerer has picked up its trigger; return the task."""

    def deferred_to_triggerer() -> dict | None:
        ti = airflow.task_instance(SEND_DAG, run_id, SENSOR_TASK)
        if ti["state"] in ("success", "failed", "upstream_failed", "skipped"):
            raise AssertionError(
                f"{SENSOR_TASK} reached {ti['state']} without being seen deferred.\n"
                f"{airflow.describe_run(SEND_DAG, run_id)}"
            )
        if ti["state"] == "deferred" and ti.get("triggerer_job"):
            return dict(ti)
        return None

    return airflow.wait_until(
        deferred_to_triggerer,
        DEFER_TIMEOUT_SECONDS,
        f"{SENSOR_TASK} to be deferred and assigned to the triggerer",
    )


def test_send_and_wait_dag_defers_sensor_to_triggerer(
    airflow, legalesign_connection, deployment_sandbox, tmp_path
):
    airflow.wait_for_dags([SEND_DAG], timeout=PARSE_TIMEOUT_SECONDS)
    download_folder = tmp_path / "signed"

    run_id = airflow.trigger(SEND_DAG, conf={"download_folder": f"{download_folder}/"})
    deferred = wait_until_deferred(airflow, run_id)

    # While the sensor waits, no worker runs it. Airflow stores its trigger, and the task instance
    # points at the triggerer job that runs the trigger.
    assert deferred["trigger"]["classpath"] == TRIGGER_CLASSPATH
    assert deferred["triggerer_job"]["job_type"] == "TriggererJob"
    assert deferred["triggerer_job"]["state"] == "running"
    (document_id,) = airflow.xcom(SEND_DAG, run_id, "send_contract")["document_ids"]
    (document,) = [doc for doc in deployment_sandbox.documents() if doc["id"] == document_id]
    assert document["status"] != "completed"

    deployment_sandbox.sign_document(document_id)
    airflow.wait_for_run(SEND_DAG, run_id, timeout=RUN_TIMEOUT_SECONDS)

    task_instances = airflow.task_instances(SEND_DAG, run_id)
    assert {task_id: ti["state"] for task_id, ti in task_instances.items()} == {
        "send_contract": "success",
        SENSOR_TASK: "success",
        "download_signed_pdf": "success",
        "report": "success",
    }
    assert task_instances[SENSOR_TASK]["try_number"] == 1
    signed = airflow.xcom(SEND_DAG, run_id, SENSOR_TASK)
    assert signed["id"] == document_id
    assert signed["status"] == "completed"
    path = Path(airflow.xcom(SEND_DAG, run_id, "download_signed_pdf"))
    assert path.parent == download_folder
    assert path.read_bytes().startswith(b"%PDF-")
    assert airflow.xcom(SEND_DAG, run_id, "report") == str(path)

    # The UI's log view of the sensor's try: the worker's lines up to the deferral, then the lines the
    # triggerer wrote to the task's trigger log file while it ran the trigger.
    events = airflow.task_log(SEND_DAG, run_id, SENSOR_TASK, try_number=1)
    messages = [str(event.get("event", "")) for event in events]
    triggerer_job_id = deferred["triggerer_job"]["id"]
    assert any(message.endswith(f".trigger.{triggerer_job_id}.log") for message in messages), messages[:5]
    assert any(message.startswith("Pausing task as DEFERRED") for message in messages)
    assert any(message.endswith(") starting") and message.startswith("trigger ") for message in messages)
    assert any(message.startswith(f"Waiting for Legalesign document {document_id}") for message in messages)
    fired = [event for event in events if event.get("event") == "Trigger fired event"]
    assert len(fired) == 1
    assert "'status': 'success'" in fired[0]["result"]
    assert f"Document {document_id} is completed." in " ".join(messages)
