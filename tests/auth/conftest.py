from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from airflow_provider_legalesign.sandbox import Sandbox

AMZ_JSON = "application/x-amz-json-1.1"
TIMEOUT = 10


def cognito(sandbox: Sandbox, action: str, body: dict[str, Any]) -> requests.Response:
    """POST one Cognito action to the sandbox the way a plain HTTP client does."""
    return requests.post(
        sandbox.cognito_url,
        headers={"Content-Type": AMZ_JSON, "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"},
        json=body,
        timeout=TIMEOUT,
    )


def graphql(
    sandbox: Sandbox, credential: str, query: str, variables: dict[str, Any] | None = None
) -> requests.Response:
    """POST one GraphQL request with ``Authorization: Bearer <credential>``."""
    return requests.post(
        sandbox.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {credential}"},
        timeout=TIMEOUT,
    )


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A sandbox shared by the tests of one module, which only add users, clients and documents."""
    with Sandbox(task_delay=0.1) as running:
        yield running


@pytest.fixture
def counted(sandbox: Sandbox) -> Sandbox:
    """The module's sandbox with its request counts set to zero."""
    sandbox.reset_counts()
    return sandbox
