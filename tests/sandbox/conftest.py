from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from airflow_provider_legalesign.sandbox import Sandbox

AMZ_JSON = "application/x-amz-json-1.1"
INITIATE_AUTH = "AWSCognitoIdentityProviderService.InitiateAuth"
TIMEOUT = 10


def initiate_auth(
    sandbox: Sandbox,
    *,
    username: str | None = None,
    password: str | None = None,
    client_id: str | None = None,
    flow: str = "USER_PASSWORD_AUTH",
    extra_parameters: dict[str, str] | None = None,
) -> requests.Response:
    """POST InitiateAuth to the sandbox's Cognito the way a plain HTTP client does."""
    parameters = {"USERNAME": username or sandbox.username, "PASSWORD": password or sandbox.password}
    parameters.update(extra_parameters or {})
    return requests.post(
        sandbox.cognito_url,
        headers={"Content-Type": AMZ_JSON, "X-Amz-Target": INITIATE_AUTH},
        json={"AuthFlow": flow, "ClientId": client_id or sandbox.client_id, "AuthParameters": parameters},
        timeout=TIMEOUT,
    )


def login(sandbox: Sandbox, **kwargs: Any) -> str:
    """Log in and return the access token."""
    response = initiate_auth(sandbox, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["AuthenticationResult"]["AccessToken"]


def graphql(
    sandbox: Sandbox,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    """POST one GraphQL request with a Bearer token (or none)."""
    request_headers = {"Authorization": f"Bearer {token}"} if token else {}
    request_headers.update(headers or {})
    return requests.post(
        sandbox.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers=request_headers,
        timeout=TIMEOUT,
    )


SEND = "mutation Send($input: DocumentSendSettingsInput!) { send(input: $input) }"
TASK = "query Task($id: ID!) { task(id: $id) { id status report { status batchId documents errors } } }"
DOCUMENT = """
query Document($id: ID!) {
  document(id: $id) {
    id name status link tags created modified taskId sourceTemplateId
    recipients { id email firstName lastName status recipientOrder signedDateTime }
  }
}
"""


def send_input(sandbox: Sandbox, **overrides: Any) -> dict[str, Any]:
    """Return a valid send input for the seeded group and template, with ``overrides`` applied."""
    settings: dict[str, Any] = {
        "groupId": sandbox.group_id,
        "templateId": sandbox.template_id,
        "title": "Sandbox test NDA",
        "recipients": [
            {
                "firstName": "Ada",
                "lastName": "Lovelace",
                "email": "ada@example.com",
                "order": 1,
                "roleId": sandbox.role_id,
                "id": sandbox.role_id,
            }
        ],
    }
    settings.update(overrides)
    return settings


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A sandbox shared by the tests that only read or add their own documents."""
    with Sandbox(task_delay=0.2) as running:
        yield running


@pytest.fixture(scope="session")
def token(sandbox: Sandbox) -> str:
    return login(sandbox)


@pytest.fixture
def fresh_sandbox() -> Iterator[Sandbox]:
    """A sandbox of a test's own, for tests that count requests or change timing."""
    with Sandbox(task_delay=0.1) as running:
        yield running
