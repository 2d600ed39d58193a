"""
Fixtures of the deployment tests: one sandbox and one running Airflow deployment for this package.

Starting the four Airflow components took 15 to 60 s on a busy 2-core machine, so the REST API tests and
the browser tests share them. The deployment is stopped after the package's last test, also when a test
fails, and the teardown fails if any of its processes is still alive afterwards.
"""

from __future__ import annotations

import json
import warnings

import pytest

from tests.deployment.airflow_deployment import REPO_ROOT, AirflowDeployment

# Bounded waits, generous because CI machines may be small and busy.
START_TIMEOUT_SECONDS = 240

CONN_ID = "legalesign_default"


@pytest.fixture(scope="package")
def deployment_sandbox():
    """The local Legalesign stand-in that every Airflow process of the deployment talks to."""
    from airflow_provider_legalesign.sandbox import Sandbox

    # Documents are signed by the tests themselves (sign_document), so that the sensor is certain to
    # defer before the signature arrives.
    with Sandbox(task_delay=0.5) as running:
        yield running


@pytest.fixture(scope="package")
def airflow(tmp_path_factory):
    """API server, scheduler, DAG processor and triggerer on 127.0.0.1, healthy and ready for requests."""
    deployment = AirflowDeployment(tmp_path_factory.mktemp("airflow_deployment"), REPO_ROOT / "dags")
    try:
        deployment.start()
        deployment.wait_until_healthy(timeout=START_TIMEOUT_SECONDS)
        yield deployment
    finally:
        killed = deployment.stop()
        left = deployment.running_processes()
    if killed:
        warnings.warn(f"Airflow processes ignored SIGTERM and were killed: {killed}", stacklevel=1)
    assert not left, f"Airflow processes still alive after SIGKILL: {[proc.pid for proc in left]}"


@pytest.fixture(scope="package")
def legalesign_connection(airflow, deployment_sandbox) -> dict:
    """The ``legalesign_default`` connection, created through POST /api/v2/connections."""
    connection = deployment_sandbox.connection()
    body = {
        "connection_id": CONN_ID,
        "conn_type": connection["conn_type"],
        "host": connection["host"],
        "login": connection["login"],
        "password": connection["password"],
        "extra": json.dumps(connection["extra"]),
    }
    airflow.api("POST", "/connections", json=body, expected=(201,))
    return body
