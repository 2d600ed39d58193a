from __future__ import annotations

import base64

import pytest
import requests

from airflow_provider_legalesign.sandbox import Sandbox
from tests.sandbox.conftest import TIMEOUT, graphql

pytestmark = pytest.mark.integration

ME = """
query Me {
  user {
    id name email firstName lastName
    memberConnection(first: 10) { groupMembers { group { id name } } totalCount pageInfo { hasNextPage } }
  }
}
"""


def decoded_prefix(value: str) -> str:
    return base64.b64decode(value).decode()[:3]


def test_user_query_returns_seeded_user(sandbox: Sandbox, token: str) -> None:
    response = graphql(sandbox, token, ME)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    user = body["data"]["user"]
    assert user["id"] == sandbox.user_id
    assert user["email"] == "sandbox.user@example.com"
    assert user["firstName"] == "Sandbox"
    assert user["lastName"] == "User"
    assert user["name"] == "Sandbox User"
    groups = [member["group"] for member in user["memberConnection"]["groupMembers"]]
    assert groups == [{"id": sandbox.group_id, "name": "Sandbox group"}]
    assert user["memberConnection"]["totalCount"] == 1


def test_ids_use_legalesign_prefixes(sandbox: Sandbox) -> None:
    assert decoded_prefix(sandbox.user_id) == "usr"
    assert decoded_prefix(sandbox.group_id) == "grp"
    assert decoded_prefix(sandbox.template_id) == "tpl"
    assert decoded_prefix(sandbox.role_id) == "rol"


def test_template_query_returns_roles(sandbox: Sandbox, token: str) -> None:
    query = "query T($id: ID!) { template(id: $id) { id title valid groupId roles { id name signerIndex roleType } } }"
    template = graphql(sandbox, token, query, {"id": sandbox.template_id}).json()["data"]["template"]
    assert template["title"] == "Sandbox NDA"
    assert template["valid"] is True
    assert template["groupId"] == sandbox.group_id
    assert template["roles"] == [
        {"id": sandbox.role_id, "name": "Signer", "signerIndex": 1, "roleType": "SIGNER"}
    ]


def test_group_query_lists_templates(sandbox: Sandbox, token: str) -> None:
    query = "query G($id: ID) { group(id: $id) { name templateConnection { templates { id } totalCount } } }"
    group = graphql(sandbox, token, query, {"id": sandbox.group_id}).json()["data"]["group"]
    assert group["name"] == "Sandbox group"
    assert group["templateConnection"] == {"templates": [{"id": sandbox.template_id}], "totalCount": 1}


def test_document_of_other_group_is_unauthorized(sandbox: Sandbox, token: str) -> None:
    query = "query D($id: ID!) { document(id: $id) { id status } }"
    response = graphql(sandbox, token, query, {"id": sandbox.foreign_document_id})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"document": None}
    assert body["errors"] == [
        {
            "message": "Not Authorized to access document on type Query",
            "errorType": "Unauthorized",
            "path": ["document"],
            "locations": [{"line": 1, "column": 21, "sourceName": None}],
            "data": None,
            "errorInfo": None,
        }
    ]


def test_unknown_document_is_not_found(sandbox: Sandbox, token: str) -> None:
    missing = base64.b64encode(b"doc00000000-0000-0000-0000-000000000000").decode()
    response = graphql(sandbox, token, "query D($id: ID!) { document(id: $id) { id } }", {"id": missing})
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["errorType"] == "NotFound"
    assert missing in error["message"]


def test_partial_data_next_to_errors(sandbox: Sandbox, token: str) -> None:
    query = "query P($doc: ID!) { user { email } document(id: $doc) { id } }"
    body = graphql(sandbox, token, query, {"doc": sandbox.foreign_document_id}).json()
    assert body["data"]["user"] == {"email": sandbox.username}
    assert body["data"]["document"] is None
    assert body["errors"][0]["errorType"] == "Unauthorized"


def test_syntax_error_gets_400(sandbox: Sandbox, token: str) -> None:
    response = graphql(sandbox, token, "{ user { id ")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["errorType"] == "MalformedHttpRequestException"
    assert "Syntax Error" in error["message"]


def test_unknown_field_gets_400_validation_error(sandbox: Sandbox, token: str) -> None:
    response = graphql(sandbox, token, "{ user { id shoeSize } }")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["errorType"] == "ValidationError"
    assert "shoeSize" in error["message"]
    assert error["locations"] == [{"line": 1, "column": 13, "sourceName": None}]


def test_wrong_variable_type_gets_400(sandbox: Sandbox, token: str) -> None:
    query = "query D($id: ID!) { document(id: $id) { id } }"
    response = graphql(sandbox, token, query, {"id": {"not": "an id"}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["errorType"] == "ValidationError"


def test_non_json_body_gets_400(sandbox: Sandbox, token: str) -> None:
    response = requests.post(
        sandbox.graphql_url,
        data=b"query { user { id } }",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["errorType"] == "MalformedHttpRequestException"


def test_get_request_gets_405(sandbox: Sandbox) -> None:
    response = requests.get(sandbox.graphql_url, timeout=TIMEOUT)
    assert response.status_code == 405


def test_connection_has_airflow_json_form(sandbox: Sandbox) -> None:
    connection = sandbox.connection(timeout=5)
    assert connection == {
        "conn_type": "legalesign",
        "host": sandbox.graphql_url,
        "login": "sandbox.user@example.com",
        "password": sandbox.password,
        "extra": {
            "client_id": sandbox.client_id,
            "region": "eu-west-2",
            "auth_endpoint": sandbox.cognito_url,
            "timeout": 5,
        },
    }
    assert sandbox.graphql_url.startswith("http://127.0.0.1:")
    assert sandbox.graphql_url.endswith("/graphql")
    assert sandbox.cognito_url.startswith("http://127.0.0.1:")
    assert sandbox.cognito_url.endswith("/")
