"""
Fetch the Legalesign user that the ``legalesign_default`` connection logs in as, then greet them.

The GraphQL query lives in ``queries/current_user.graphql`` next to this file. The operator pushes the
response's ``data`` to XCom, where the downstream task reads it.
"""

from __future__ import annotations

import logging
from datetime import datetime

try:
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task

from airflow_provider_legalesign.operators.legalesign import LegalesignGraphQLOperator

log = logging.getLogger(__name__)


@dag(
    dag_id="example_legalesign_user",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["example", "legalesign"],
)
def example_legalesign_user() -> None:
    fetch_user = LegalesignGraphQLOperator(task_id="fetch_user", query="queries/current_user.graphql")

    @task
    def greet(data: dict) -> str:
        user = data["user"]
        greeting = f"Hello {user['firstName']} {user['lastName']} <{user['email']}>"
        log.info("%s (Legalesign user id %s)", greeting, user["id"])
        return greeting

    greet(fetch_user.output)


example_legalesign_user()
