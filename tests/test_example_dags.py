"""The example DAGs: parsed without errors or network, and run end to end with `airflow dags test`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.airflow_version import DAGS_TEST_DEFERRAL_MESSAGE
from tests.dag_runner import REPO_ROOT, AirflowEnvironment

pytestmark = pytest.mark.dags


@pytest.fixture(scope="module")
def sandbox():
    from airflow_provider_legalesign.sandbox import Sandbox

    with Sandbox() as running:
        yield running


def test_dags_import_without_errors_or_network(monkeypatch):
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag

    def refuse(*args, **kwargs):
        raise AssertionError(f"network connection attempted while parsing DAGs: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))

    assert bag.import_errors == {}
    assert "example_legalesign_user" in bag.dag_ids


def test_parse_does_not_import_transport():
    # graphql-core costs about 200 ms to import; requests and the transport are only needed to run a task.
    # What `import airflow` loads by itself is not counted: Airflow 2 imports requests there.
    code = (
        "import sys, runpy, airflow; before = set(sys.modules); runpy.run_path(sys.argv[1]);"
        "print(sorted(m for m in ('graphql', 'requests', 'airflow_provider_legalesign.graphql_transport') if m in set(sys.modules) - before))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, str(REPO_ROOT / "dags" / "example_legalesign_user.py")],
        capture_output=True,
        text=True,
        check=True,
    )

    assert completed.stdout.strip().splitlines()[-1] == "[]"


def test_example_user_dag_run(airflow_home, sandbox):
    environment = AirflowEnvironment(airflow_home)
    sandbox.reset_counts()

    result = environment.dags_test("example_legalesign_user", {"legalesign_default": sandbox.connection()})

    assert result.returncode == 0, result.output[-4000:]
    assert environment.task_states("example_legalesign_user") == {"fetch_user": "success", "greet": "success"}
    user = environment.xcom("example_legalesign_user", "fetch_user")["user"]
    assert user["email"] == sandbox.username
    assert set(user) == {"id", "firstName", "lastName", "email"}
    greeting = environment.xcom("example_legalesign_user", "greet")
    assert greeting == f"Hello {user['firstName']} {user['lastName']} <{sandbox.username}>"
    assert sandbox.request_counts()["cognito"]["InitiateAuth"] == 1


def test_rejected_login_not_retried_by_airflow(airflow_home, sandbox, tmp_path):
    (tmp_path / "retrying.py").write_text(
        textwrap.dedent(
            """
            from datetime import datetime, timedelta

            from airflow.providers.common.compat.sdk import DAG

            from airflow_provider_legalesign.operators.legalesign import LegalesignGraphQLOperator

            with DAG("retrying_login", schedule=None, start_date=datetime(2026, 1, 1)):
                LegalesignGraphQLOperator(
                    task_id="me", query="{ user { id } }", retries=3, retry_delay=timedelta(seconds=0)
                )
            """
        )
    )
    environment = AirflowEnvironment(airflow_home, dags_folder=tmp_path)
    connection = sandbox.connection()
    connection["password"] = "Wrong-password-1"
    sandbox.reset_counts()

    result = environment.dags_test("retrying_login", {"legalesign_default": connection})

    assert result.returncode != 0
    assert environment.task_states("retrying_login") == {"me": "failed"}
    assert "Cognito rejected the login" in result.output
    assert "Wrong-password-1" not in result.output
    assert sandbox.request_counts()["cognito"]["InitiateAuth"] == 1


@pytest.fixture(scope="module")
def signing_sandbox():
    from airflow_provider_legalesign.sandbox import Sandbox

    # The sandbox signs each new document 3 s after it is sent, while the sensor waits in its trigger.
    with Sandbox(auto_sign_after=3, task_delay=0.5) as running:
        yield running


def test_send_and_wait_dag_run(airflow_home, signing_sandbox, tmp_path):
    environment = AirflowEnvironment(airflow_home)
    signing_sandbox.reset_counts()
    conf = json.dumps({"download_folder": f"{tmp_path}/signed/"})

    result = environment.dags_test(
        "example_legalesign_send_and_wait",
        {"legalesign_default": signing_sandbox.connection()},
        extra_arguments=["--conf", conf],
    )

    assert result.returncode == 0, result.output[-4000:]
    dag_id = "example_legalesign_send_and_wait"
    assert set(environment.task_states(dag_id).values()) == {"success"}
    assert DAGS_TEST_DEFERRAL_MESSAGE in result.output
    sent = environment.xcom(dag_id, "send_contract")
    (document_id,) = sent["document_ids"]
    assert environment.xcom(dag_id, "wait_for_signatures")["status"] == "completed"
    path = Path(environment.xcom(dag_id, "download_signed_pdf"))
    assert path.parent == tmp_path / "signed"
    assert path.read_bytes().startswith(b"%PDF-")
    assert environment.xcom(dag_id, "report") == str(path)
    assert signing_sandbox.documents()[-1]["id"] == document_id
    assert signing_sandbox.request_counts()["cognito"]["InitiateAuth"] == 1
