"""Each way to connect, end to end: the hook against the sandbox's Cognito and GraphQL servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import boto3
import pytest

from airflow_provider_legalesign.auth import token_cache
from airflow_provider_legalesign.exceptions import (
    LegalesignAPIError,
    LegalesignAuthError,
    LegalesignGraphQLError,
)
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook
from airflow_provider_legalesign.sandbox import Sandbox

pytestmark = pytest.mark.integration

USER_QUERY = "{ user { email } }"
SRP_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


def password_connection(sandbox: Sandbox) -> dict:
    return sandbox.connection()


def srp_connection(sandbox: Sandbox) -> dict:
    return sandbox.connection(auth_flow="USER_SRP_AUTH")


def srp_secret_connection(sandbox: Sandbox) -> dict:
    # A client that allows only SRP and has a secret, as some Legalesign clients do.
    client_id, client_secret = sandbox.create_app_client(generate_secret=True, auth_flows=SRP_FLOWS)
    return sandbox.connection(auth_flow="USER_SRP_AUTH", client_id=client_id, client_secret=client_secret)


def password_secret_connection(sandbox: Sandbox) -> dict:
    client_id, client_secret = sandbox.create_app_client(generate_secret=True)
    return sandbox.connection(client_id=client_id, client_secret=client_secret)


def api_key_connection(sandbox: Sandbox) -> dict:
    return sandbox.connection(auth_type="api_key")


CONNECTIONS: list[tuple[Callable[[Sandbox], dict], dict[str, int], str]] = [
    (password_connection, {"USER_PASSWORD_AUTH": 1}, "a Cognito login (USER_PASSWORD_AUTH)"),
    (srp_connection, {"USER_SRP_AUTH": 1}, "a Cognito login (USER_SRP_AUTH)"),
    (srp_secret_connection, {"USER_SRP_AUTH": 1}, "a Cognito login (USER_SRP_AUTH)"),
    (password_secret_connection, {"USER_PASSWORD_AUTH": 1}, "a Cognito login (USER_PASSWORD_AUTH)"),
    (api_key_connection, {}, "the Developer Portal API key ak_sandbox_"),
]
CONNECTION_IDS = ["password", "srp", "srp-secret", "password-secret", "api-key"]


@pytest.mark.parametrize(("connection", "logins", "credential"), CONNECTIONS, ids=CONNECTION_IDS)
def test_query_with_each_auth_type(counted, set_connection, connection, logins, credential):
    set_connection(connection(counted))
    hook = LegalesignHook()

    data = hook.run_query(USER_QUERY)
    ok, message = hook.test_connection()

    assert data == {"user": {"email": counted.username}}
    assert ok is True
    assert f"as {counted.username}" in message
    assert f"with {credential}" in message
    assert counted.auth_flow_counts() == logins
    assert counted.request_counts()["graphql"] == {"user": 2}


def test_api_key_makes_no_cognito_request(counted, set_connection):
    set_connection(counted.api_key_connection())

    LegalesignHook().run_query(USER_QUERY)

    assert counted.request_counts()["totals"]["cognito"] == 0


def test_api_key_connection_shape(sandbox):
    connection = sandbox.connection(auth_type="api_key")

    assert connection == sandbox.api_key_connection()
    assert connection["password"] == sandbox.api_key
    assert "login" not in connection
    assert connection["extra"] == {"auth_type": "api_key"}
    assert sandbox.api_key.startswith("ak_sandbox_")


def test_srp_connection_names_pool(sandbox):
    assert srp_connection(sandbox)["extra"]["user_pool_id"] == sandbox.user_pool_id


def test_api_key_denied_operation(counted, set_connection):
    set_connection(counted.api_key_connection())
    document_id = counted.documents()[0]["id"]

    with pytest.raises(LegalesignGraphQLError) as caught:
        LegalesignHook().run_query(
            "mutation Archive($id: ID!) { archiveDocument(input: {documentId: $id}) }", {"id": document_id}
        )

    message = str(caught.value)
    assert "[Unauthorized] Not Authorized to access archiveDocument on type Mutation" in message
    assert (
        "does not allow archiveDocument with a Developer Portal API key: it needs a Cognito login" in message
    )
    assert caught.value.errors[0]["path"] == ["archiveDocument"]
    assert caught.value.status_code == 200
    assert counted.store.document(document_id).archived is False
    assert counted.request_counts()["graphql"] == {"archiveDocument": 1}


def test_cognito_may_archive(counted, set_connection):
    set_connection(counted.connection())
    document_id = counted.documents()[0]["id"]

    LegalesignHook().run_query(
        "mutation Archive($id: ID!) { archiveDocument(input: {documentId: $id}) }", {"id": document_id}
    )

    assert counted.store.document(document_id).archived is True


def test_unknown_api_key_rejected_once(counted, set_connection):
    connection = counted.api_key_connection()
    key_id = counted.api_key.partition(".")[0]
    connection["password"] = f"{key_id}.not-the-secret-value"
    set_connection(connection)

    with pytest.raises(LegalesignAPIError) as caught:
        LegalesignHook().run_query(USER_QUERY)

    assert caught.value.status_code == 401
    assert "The API key is not valid" in str(caught.value)
    assert f"uses the API key {key_id}" in str(caught.value)
    assert "not-the-secret-value" not in str(caught.value)
    assert counted.request_counts()["totals"] == {"cognito": 0, "graphql": 1, "files": 0}


def test_srp_wrong_password_fails_once(counted, set_connection):
    connection = srp_connection(counted)
    connection["password"] = "Wrong-Passw0rd!"
    set_connection(connection)

    with pytest.raises(LegalesignAuthError) as caught:
        LegalesignHook().run_query(USER_QUERY)

    assert "NotAuthorizedException: Incorrect username or password." in str(caught.value)
    assert "Wrong-Passw0rd!" not in str(caught.value)
    assert counted.request_counts()["cognito"] == {"InitiateAuth": 1, "RespondToAuthChallenge": 1}


def test_password_flow_on_srp_only_client(counted, set_connection):
    client_id, _ = counted.create_app_client(auth_flows=SRP_FLOWS)
    set_connection(counted.connection(client_id=client_id))

    with pytest.raises(LegalesignAuthError) as caught:
        LegalesignHook().run_query(USER_QUERY)

    assert "Set the connection's extra field auth_flow to USER_SRP_AUTH" in str(caught.value)
    assert counted.auth_flow_counts() == {"USER_PASSWORD_AUTH": 1}


# Refresh tokens, with a short token lifetime and the token cache's clock moved forward.

TOKEN_TTL = 8


@pytest.fixture(scope="module")
def short_lived() -> Iterator[Sandbox]:
    with Sandbox(access_token_ttl=TOKEN_TTL, task_delay=0.1) as running:
        yield running


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(token_cache, "clock", lambda: now[0])
    return now


def renew_three_times(hook: LegalesignHook, clock: list[float]) -> list[str]:
    tokens = [hook.get_access_token()]
    for _ in range(3):
        # Past the renewal point: a quarter of the lifetime before expiry.
        clock[0] += TOKEN_TTL * 3 / 4 + 0.1
        assert hook.run_query(USER_QUERY) == {"user": {"email": "sandbox.user@example.com"}}
        tokens.append(hook.get_access_token())
    return tokens


@pytest.mark.parametrize(
    ("connection", "login_flow"),
    [
        (password_connection, "USER_PASSWORD_AUTH"),
        (srp_connection, "USER_SRP_AUTH"),
        (srp_secret_connection, "USER_SRP_AUTH"),
    ],
    ids=["password", "srp", "srp-secret"],
)
def test_refresh_replaces_logins(short_lived, set_connection, clock, connection, login_flow):
    set_connection(connection(short_lived))
    short_lived.reset_counts()

    tokens = renew_three_times(LegalesignHook(), clock)

    assert short_lived.auth_flow_counts() == {login_flow: 1, "REFRESH_TOKEN_AUTH": 3}
    assert len(set(tokens)) == 4
    assert short_lived.request_counts()["graphql"] == {"user": 3}


def test_without_refresh_every_renewal_logs_in(short_lived, set_connection, clock, monkeypatch):
    # The same run with refresh disabled, to show what the refresh token saves.
    set_connection(password_connection(short_lived))
    short_lived.reset_counts()
    hook = LegalesignHook()
    monkeypatch.setattr(hook, "_refresh", lambda tokens: None)

    renew_three_times(hook, clock)

    assert short_lived.auth_flow_counts() == {"USER_PASSWORD_AUTH": 4}


def test_revoked_refresh_token_falls_back_to_login(short_lived, set_connection, clock):
    set_connection(password_connection(short_lived))
    hook = LegalesignHook()
    hook.get_access_token()
    # A global sign-out revokes every refresh token of the user.
    admin = boto3.client(
        "cognito-idp",
        region_name=short_lived.region,
        endpoint_url=short_lived.cognito_url,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    admin.admin_user_global_sign_out(UserPoolId=short_lived.user_pool_id, Username=short_lived.username)
    short_lived.reset_counts()
    clock[0] += TOKEN_TTL

    assert hook.run_query(USER_QUERY) == {"user": {"email": short_lived.username}}

    assert short_lived.auth_flow_counts() == {"REFRESH_TOKEN_AUTH": 1, "USER_PASSWORD_AUTH": 1}
