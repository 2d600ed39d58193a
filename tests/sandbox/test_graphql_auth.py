from __future__ import annotations

import pytest
import requests

from airflow_provider_legalesign.sandbox import Sandbox
from tests.sandbox.conftest import graphql, initiate_auth, login

pytestmark = pytest.mark.integration

USER_QUERY = "{ user { id } }"


def assert_unauthorized(response: requests.Response, message_part: str) -> None:
    assert response.status_code == 401
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["errorType"] == "UnauthorizedException"
    assert message_part in errors[0]["message"]


def test_missing_token_gets_401(sandbox: Sandbox) -> None:
    assert_unauthorized(graphql(sandbox, None, USER_QUERY), "Valid authorization header not provided")


def test_token_without_bearer_scheme_gets_401(sandbox: Sandbox, token: str) -> None:
    response = graphql(sandbox, None, USER_QUERY, headers={"Authorization": token})
    assert_unauthorized(response, "Valid authorization header not provided")


def test_malformed_token_gets_401(sandbox: Sandbox) -> None:
    assert_unauthorized(graphql(sandbox, "not.a.jwt", USER_QUERY), "Unable to parse JWT token")


def test_tampered_token_gets_401(sandbox: Sandbox, token: str) -> None:
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert_unauthorized(graphql(sandbox, tampered, USER_QUERY), "Unable to parse JWT token")


def test_id_token_gets_401(sandbox: Sandbox) -> None:
    id_token = initiate_auth(sandbox).json()["AuthenticationResult"]["IdToken"]
    assert_unauthorized(graphql(sandbox, id_token, USER_QUERY), "not an access token")


def test_token_of_another_sandbox_gets_401(sandbox: Sandbox) -> None:
    with Sandbox() as other:
        foreign_token = login(other)
        assert graphql(other, foreign_token, USER_QUERY).status_code == 200
        assert_unauthorized(graphql(sandbox, foreign_token, USER_QUERY), "not issued by this API's user pool")


def test_two_sandboxes_keep_separate_pools(sandbox: Sandbox) -> None:
    with Sandbox() as other:
        assert other.user_pool_id != sandbox.user_pool_id
        # The seeded ids are fixed for example DAGs, but each sandbox stores its own data.
        assert other.group_id == sandbox.group_id
        only_here = other.store.add_group("Only in the other sandbox", owner=None, raw_id="other-only")
        assert sandbox.store.group(only_here.id) is None
        # A client of one pool is unknown to the other sandbox's Cognito.
        response = initiate_auth(sandbox, client_id=other.client_id)
        assert response.status_code == 400
        assert response.json()["__type"] == "ResourceNotFoundException"
