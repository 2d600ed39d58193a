"""Sending and waiting under `airflow dags test` against the sandbox: retries, sensor modes, rejection."""

from __future__ import annotations

import sqlite3
import textwrap
import threading
import time

import pytest

from airflow_provider_legalesign.send_input import send_tag
from tests.airflow_version import DAGS_TEST_DEFERRAL_MESSAGE
from tests.dag_runner import AirflowEnvironment

pytestmark = pytest.mark.dags

DAG_FILE = """
from datetime import datetime, timedelta

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_legalesign.operators.legalesign import LegalesignSendDocumentOperator

with DAG("send_with_retries", schedule=None, start_date=datetime(2026, 1, 1)):
    LegalesignSendDocumentOperator(
        task_id="send",
        group_id="{group_id}",
        template_id="{template_id}",
        title="{title}",
        recipients=[{{"email": "ada@example.com", "firstName": "Ada", "lastName": "L", "order": 1,
                     "roleId": "{role_id}"}}],
        task_poll_interval=0.2,
        retries=2,
        retry_delay=timedelta(seconds=0),
    )
"""


@pytest.fixture(scope="module")
def sandbox():
    from airflow_provider_legalesign.sandbox import Sandbox

    with Sandbox(task_delay=0.2) as running:
        yield running


def test_send_retried_after_ambiguous_failure_sends_once(airflow_home, sandbox, tmp_path):
    title = "Contract sent once despite a dropped response"
    (tmp_path / "send_with_retries.py").write_text(
        textwrap.dedent(
            DAG_FILE.format(
                group_id=sandbox.group_id,
                template_id=sandbox.template_id,
                role_id=sandbox.role_id,
                title=title,
            )
        )
    )
    environment = AirflowEnvironment(airflow_home, dags_folder=tmp_path)
    # The first send is processed (its task and document are created), then the connection drops
    # before the response, so the first try fails without knowing whether the contract went out.
    sandbox.inject_fault("graphql", "drop_after", operation="send", count=1)

    result = environment.dags_test("send_with_retries", {"legalesign_default": sandbox.connection()})

    assert result.returncode == 0, result.output[-4000:]
    assert "may or may not have been applied" in result.output
    assert environment.task_states("send_with_retries") == {"send": "success"}
    with sqlite3.connect(environment.database) as connection:
        run_id, try_number = connection.execute(
            "SELECT run_id, try_number FROM task_instance WHERE dag_id = 'send_with_retries'"
        ).fetchone()
    assert try_number == 2
    documents = [document for document in sandbox.documents() if document["name"] == title]
    assert len(documents) == 1
    assert send_tag("send_with_retries", run_id, "send", -1) in documents[0]["tags"]
    assert environment.xcom("send_with_retries", "send")["document_ids"] == [documents[0]["id"]]


SENSOR_DAG_FILE = """
from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_legalesign.sensors.legalesign import LegalesignDocumentSensor

with DAG("{dag_id}", schedule=None, start_date=datetime(2026, 1, 1)):
    LegalesignDocumentSensor(
        task_id="wait",
        document_id="{document_id}",
        deferrable={deferrable},
        mode="{mode}",
        poke_interval=1,
        retries=2,
    )
"""


def sent_document_id(sandbox) -> str:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from airflow_provider_legalesign.operators.legalesign import LegalesignSendDocumentOperator

    operator = LegalesignSendDocumentOperator(
        task_id="send",
        group_id=sandbox.group_id,
        template_id=sandbox.template_id,
        title="Sensor test contract",
        recipients=[{"email": "grace@example.com", "order": 1, "roleId": sandbox.role_id}],
        task_poll_interval=0.2,
    )
    ti = SimpleNamespace(
        dag_id="setup", run_id=datetime.now(UTC).isoformat(), task_id="send", map_index=-1, try_number=1
    )
    return operator.execute({"ti": ti, "dag_run": SimpleNamespace(run_after=datetime.now(UTC))})[
        "document_ids"
    ][0]


def sign_after_second_check(sandbox, document_id: str) -> None:
    """Sign the document once the sensor has found it unsigned twice, so the sensor really waited."""
    deadline = time.monotonic() + 120
    while sandbox.request_counts()["graphql"].get("document", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    sandbox.sign_document(document_id)


@pytest.mark.parametrize(("deferrable", "mode"), [(False, "reschedule"), (False, "poke"), (True, "poke")])
def test_sensor_modes_wait_for_signature(airflow_home, sandbox, tmp_path, set_connection, deferrable, mode):
    set_connection(sandbox.connection())
    document_id = sent_document_id(sandbox)
    dag_id = f"sensor_{mode}_{deferrable}".lower()
    (tmp_path / "sensor.py").write_text(
        SENSOR_DAG_FILE.format(dag_id=dag_id, document_id=document_id, deferrable=deferrable, mode=mode)
    )
    environment = AirflowEnvironment(airflow_home, dags_folder=tmp_path)
    sandbox.reset_counts()
    signer = threading.Thread(target=sign_after_second_check, args=[sandbox, document_id], daemon=True)
    signer.start()

    result = environment.dags_test(dag_id, {"legalesign_default": sandbox.connection()})

    assert result.returncode == 0, result.output[-4000:]
    assert environment.task_states(dag_id) == {"wait": "success"}
    assert environment.xcom(dag_id, "wait")["status"] == "completed"
    if mode == "reschedule":
        assert "up_for_reschedule" in result.output
    if deferrable:
        assert DAGS_TEST_DEFERRAL_MESSAGE in result.output


def test_rejected_document_fails_sensor_without_retry(airflow_home, sandbox, tmp_path, set_connection):
    set_connection(sandbox.connection())
    document_id = sent_document_id(sandbox)
    sandbox.reject_document(document_id)
    (tmp_path / "sensor.py").write_text(
        SENSOR_DAG_FILE.format(
            dag_id="sensor_rejected", document_id=document_id, deferrable=True, mode="poke"
        )
    )
    environment = AirflowEnvironment(airflow_home, dags_folder=tmp_path)

    result = environment.dags_test("sensor_rejected", {"legalesign_default": sandbox.connection()})

    assert result.returncode != 0
    assert environment.task_states("sensor_rejected") == {"wait": "failed"}
    assert "'rejected', one of the failure statuses" in result.output
    assert "grace@example.com: rejected" in result.output
    with sqlite3.connect(environment.database) as connection:
        (try_number,) = connection.execute(
            "SELECT try_number FROM task_instance WHERE dag_id = 'sensor_rejected'"
        ).fetchone()
    assert try_number == 1
