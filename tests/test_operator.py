"""LegalesignGraphQLOperator: templating, variables and the value it returns for XCom."""

from __future__ import annotations

from datetime import datetime

import pytest
from airflow.providers.common.compat.sdk import DAG

from airflow_provider_legalesign.exceptions import LegalesignConfigurationError, LegalesignGraphQLError
from airflow_provider_legalesign.operators.legalesign import LegalesignGraphQLOperator
from tests.fake_legalesign import Reply


def rendered(operator: LegalesignGraphQLOperator, **context) -> LegalesignGraphQLOperator:
    operator.resolve_template_files()
    operator.render_template_fields(context)
    return operator


@pytest.fixture
def connection(fake, set_connection):
    set_connection(fake.connection())


def test_returns_data_for_xcom(fake, connection):
    operator = LegalesignGraphQLOperator(task_id="me", query="{ user { id email } }")

    assert operator.execute({}) == {"user": fake.graphql_data["user"]}


def test_query_file_and_templated_variables(fake, connection, tmp_path):
    (tmp_path / "document.graphql").write_text(
        "# Looks up one document.\nquery Doc($id: ID!) { document(id: $id) { id status } }\n"
    )
    with DAG(
        "templating", schedule=None, start_date=datetime(2026, 1, 1), template_searchpath=[str(tmp_path)]
    ):
        operator = LegalesignGraphQLOperator(
            task_id="doc", query="document.graphql", variables={"id": "{{ params.document_id }}"}
        )

    rendered(operator, params={"document_id": "ZG9jNDI="}).execute({})

    body = fake.graphql_requests[0].body
    assert body["query"].startswith("# Looks up one document.")
    assert body["variables"] == {"id": "ZG9jNDI="}


def test_variables_as_json_string(fake, connection):
    operator = LegalesignGraphQLOperator(
        task_id="doc",
        query="query Doc($id: ID!) { document(id: $id) { id } }",
        variables='{"id": "ZG9jMQ=="}',
    )

    operator.execute({})

    assert fake.graphql_requests[0].body["variables"] == {"id": "ZG9jMQ=="}


def test_operation_name_passed(fake, connection):
    operator = LegalesignGraphQLOperator(
        task_id="two",
        query="query A { user { id } }\nquery B { user { email } }",
        operation_name="B",
    )

    operator.execute({})

    assert fake.graphql_requests[0].body["operationName"] == "B"


def test_graphql_errors_fail_task(fake, connection):
    fake.graphql_replies.append(
        Reply(body={"data": None, "errors": [{"errorType": "Unauthorized", "message": "No"}]})
    )
    operator = LegalesignGraphQLOperator(task_id="me", query="{ user { id } }")

    with pytest.raises(LegalesignGraphQLError, match=r"\[Unauthorized\] No"):
        operator.execute({})


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"query": ""}, "query must be a non-empty string"),
        ({"query": "   "}, "query must be a non-empty string"),
        ({"query": None}, "query must be a non-empty string"),
        (
            {"query": "{ user { id } }", "variables": ["id"]},
            "variables must be a dict or a JSON object string",
        ),
    ],
)
def test_bad_arguments_rejected_at_definition(kwargs, expected):
    with pytest.raises(LegalesignConfigurationError, match=expected):
        LegalesignGraphQLOperator(task_id="bad", **kwargs)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [("{not json", "not JSON"), ("[1, 2]", "must be a dict or a JSON object string")],
)
def test_bad_variables_string_fails_before_request(fake, connection, variables, expected):
    operator = LegalesignGraphQLOperator(task_id="bad", query="{ user { id } }", variables=variables)

    with pytest.raises(LegalesignConfigurationError, match=expected):
        operator.execute({})

    assert fake.cognito_requests == []


def test_constructor_sends_nothing(fake, connection):
    LegalesignGraphQLOperator(task_id="me", query="{ user { id } }")

    assert fake.cognito_requests == []
    assert fake.graphql_requests == []


def test_template_fields_contract():
    assert LegalesignGraphQLOperator.template_fields == ("query", "variables")
    assert LegalesignGraphQLOperator.template_ext == (".graphql", ".gql")
