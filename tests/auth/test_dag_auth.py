"""The example user DAG with an API key and with an SRP login, run with `airflow dags test`."""

from __future__ import annotations

import pytest

from tests.dag_runner import AirflowEnvironment

pytestmark = pytest.mark.dags


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> AirflowEnvironment:
    environment = AirflowEnvironment(tmp_path_factory.mktemp("airflow_home"))
    environment.migrate()
    return environment


@pytest.mark.parametrize(
    ("extra", "cognito_requests"),
    [
        ({"auth_type": "api_key"}, {}),
        ({"auth_flow": "USER_SRP_AUTH"}, {"InitiateAuth": 1, "RespondToAuthChallenge": 1}),
    ],
    ids=["api-key", "srp"],
)
def test_example_user_dag(environment, sandbox, extra, cognito_requests):
    sandbox.reset_counts()

    result = environment.dags_test(
        "example_legalesign_user", {"legalesign_default": sandbox.connection(**extra)}
    )

    assert result.returncode == 0, result.output[-4000:]
    assert environment.task_states("example_legalesign_user") == {"fetch_user": "success", "greet": "success"}
    user = environment.xcom("example_legalesign_user", "fetch_user")["user"]
    assert user["email"] == sandbox.username
    greeting = environment.xcom("example_legalesign_user", "greet")
    assert greeting == f"Hello {user['firstName']} {user['lastName']} <{sandbox.username}>"
    assert sandbox.request_counts()["cognito"] == cognito_requests
    assert sandbox.request_counts()["graphql"] == {"user": 1}
    assert sandbox.api_key.partition(".")[2] not in result.output
