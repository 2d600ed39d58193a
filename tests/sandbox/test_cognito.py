from __future__ import annotations

import time

import pytest
import requests

from airflow_provider_legalesign.sandbox import Sandbox
from airflow_provider_legalesign.sandbox.cognito_front import compute_secret_hash, enabled_flows
from tests.sandbox.conftest import AMZ_JSON, graphql, initiate_auth, login

pytestmark = pytest.mark.integration

USER_QUERY = "{ user { id email firstName lastName } }"


def test_login_returns_bearer_tokens(sandbox: Sandbox) -> None:
    response = initiate_auth(sandbox)
    assert response.status_code == 200
    result = response.json()["AuthenticationResult"]
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600
    assert result["AccessToken"].count(".") == 2
    assert result["RefreshToken"]


def test_login_token_is_accepted_by_graphql(sandbox: Sandbox) -> None:
    token = login(sandbox)
    response = graphql(sandbox, token, USER_QUERY)
    assert response.status_code == 200
    assert response.json()["data"]["user"]["email"] == sandbox.username


def test_login_wrong_password_is_rejected(sandbox: Sandbox) -> None:
    response = initiate_auth(sandbox, password="not-the-password")
    assert response.status_code == 400
    assert response.json()["__type"] == "NotAuthorizedException"
    assert response.headers["x-amzn-ErrorType"].startswith("NotAuthorizedException")


def test_login_unknown_client_is_rejected(sandbox: Sandbox) -> None:
    response = initiate_auth(sandbox, client_id="unknownclient123")
    assert response.status_code == 400
    assert response.json()["__type"] == "ResourceNotFoundException"
    assert response.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"


def test_secret_client_requires_secret_hash(sandbox: Sandbox) -> None:
    client_id, secret = sandbox.create_app_client(generate_secret=True)
    assert secret
    response = initiate_auth(sandbox, client_id=client_id)
    assert response.status_code == 400
    body = response.json()
    assert body["__type"] == "NotAuthorizedException"
    assert body["message"] == f"Client {client_id} is configured with secret but SECRET_HASH was not received"
    assert response.headers["Content-Type"] == AMZ_JSON


def test_secret_client_rejects_wrong_secret_hash(sandbox: Sandbox) -> None:
    client_id, _secret = sandbox.create_app_client(generate_secret=True)
    wrong = compute_secret_hash(client_id, "not-the-secret", sandbox.username)
    response = initiate_auth(sandbox, client_id=client_id, extra_parameters={"SECRET_HASH": wrong})
    assert response.status_code == 400
    assert response.json() == {
        "__type": "NotAuthorizedException",
        "message": f"Unable to verify secret hash for client {client_id}",
    }


def test_secret_client_accepts_right_secret_hash(sandbox: Sandbox) -> None:
    client_id, secret = sandbox.create_app_client(generate_secret=True)
    assert secret is not None
    secret_hash = compute_secret_hash(client_id, secret, sandbox.username)
    token = login(sandbox, client_id=client_id, extra_parameters={"SECRET_HASH": secret_hash})
    assert graphql(sandbox, token, USER_QUERY).status_code == 200


def test_secret_hash_matches_cognito_formula() -> None:
    # Cognito defines SECRET_HASH as Base64(HMAC-SHA256(key=client secret, msg=username + client id)).
    import base64
    import hashlib
    import hmac

    expected = base64.b64encode(
        hmac.new(b"secret", b"user@example.com" + b"client", hashlib.sha256).digest()
    ).decode()
    assert compute_secret_hash("client", "secret", "user@example.com") == expected


def test_login_flow_not_enabled_is_rejected(sandbox: Sandbox) -> None:
    client_id, _ = sandbox.create_app_client(auth_flows=("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"))
    response = initiate_auth(sandbox, client_id=client_id)
    assert response.status_code == 400
    assert response.json() == {
        "__type": "InvalidParameterException",
        "message": "USER_PASSWORD_AUTH flow not enabled for this client",
    }
    assert response.headers["x-amzn-ErrorType"] == "InvalidParameterException"


def test_temporary_user_gets_password_challenge(sandbox: Sandbox) -> None:
    sandbox.create_user("new.starter@example.com", "Temp-Passw0rd!", temporary=True)
    response = initiate_auth(sandbox, username="new.starter@example.com", password="Temp-Passw0rd!")
    assert response.status_code == 200
    body = response.json()
    assert body["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert "AuthenticationResult" not in body
    assert body["Session"]


def test_created_user_can_log_in_and_query(sandbox: Sandbox) -> None:
    sandbox.create_user("second.user@example.com", "Second-Passw0rd!")
    token = login(sandbox, username="second.user@example.com", password="Second-Passw0rd!")
    user = graphql(sandbox, token, USER_QUERY).json()["data"]["user"]
    assert user["email"] == "second.user@example.com"


def test_refresh_token_login_uses_ttl() -> None:
    with Sandbox(access_token_ttl=120) as sandbox:
        refresh_token = initiate_auth(sandbox).json()["AuthenticationResult"]["RefreshToken"]
        response = requests.post(
            sandbox.cognito_url,
            headers={
                "Content-Type": AMZ_JSON,
                "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
            },
            json={
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "ClientId": sandbox.client_id,
                "AuthParameters": {"REFRESH_TOKEN": refresh_token},
            },
            timeout=10,
        )
        assert response.status_code == 200
        result = response.json()["AuthenticationResult"]
        assert result["ExpiresIn"] == 120
        assert graphql(sandbox, result["AccessToken"], USER_QUERY).status_code == 200


def test_access_token_ttl_rewrites_and_expires() -> None:
    with Sandbox(access_token_ttl=1) as sandbox:
        response = initiate_auth(sandbox)
        assert response.json()["AuthenticationResult"]["ExpiresIn"] == 1
        token = response.json()["AuthenticationResult"]["AccessToken"]
        assert graphql(sandbox, token, USER_QUERY).status_code == 200

        # moto's iat has whole-second resolution, so 2.1 s is always past iat + 1.
        time.sleep(2.1)
        expired = graphql(sandbox, token, USER_QUERY)
        assert expired.status_code == 401
        assert expired.json() == {
            "errors": [{"errorType": "UnauthorizedException", "message": "Token has expired."}]
        }


@pytest.mark.parametrize(
    ("explicit_auth_flows", "flow", "enabled"),
    [
        ((), "USER_PASSWORD_AUTH", False),
        ((), "USER_SRP_AUTH", True),
        (("ALLOW_USER_PASSWORD_AUTH",), "USER_PASSWORD_AUTH", True),
        (("ALLOW_USER_PASSWORD_AUTH",), "REFRESH_TOKEN_AUTH", False),
        (("ALLOW_REFRESH_TOKEN_AUTH",), "REFRESH_TOKEN", True),
        (("USER_PASSWORD_AUTH",), "USER_PASSWORD_AUTH", True),
        (("USER_PASSWORD_AUTH",), "REFRESH_TOKEN_AUTH", True),
        (("ADMIN_NO_SRP_AUTH",), "USER_PASSWORD_AUTH", False),
    ],
)
def test_enabled_flows_follow_cognito_names(
    explicit_auth_flows: tuple[str, ...], flow: str, enabled: bool
) -> None:
    assert (flow in enabled_flows(explicit_auth_flows)) is enabled
