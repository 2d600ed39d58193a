"""The hook's SRP login, refresh-token renewal and API keys, against the scripted loopback server."""

from __future__ import annotations

import base64
import json
import logging
import re

import pytest

from airflow_provider_legalesign.auth import token_cache
from airflow_provider_legalesign.auth.cognito import secret_hash
from airflow_provider_legalesign.exceptions import (
    LegalesignAPIError,
    LegalesignAuthError,
    LegalesignGraphQLError,
)
from airflow_provider_legalesign.hooks import legalesign as hook_module
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook
from tests.fake_legalesign import Reply, cognito_error

USER_ID = "0d2f6c1e-8b7a-4c3d-9e5f-1a2b3c4d5e6f"
POOL_ID = "eu-west-2_Fake1"
CLIENT_SECRET = "client-secret-value-77"
KEY_SECRET = "KeySecretPart-42"
API_KEY = f"ak_live_key42.{KEY_SECRET}"
TIMESTAMP = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [1-9]\d? \d\d:\d\d:\d\d UTC \d{4}$")
INITIATE_AUTH = "AWSCognitoIdentityProviderService.InitiateAuth"
RESPOND = "AWSCognitoIdentityProviderService.RespondToAuthChallenge"


def verifier_challenge(**overrides: str | None) -> Reply:
    """A PASSWORD_VERIFIER challenge; a parameter set to None is left out."""
    parameters: dict[str, str | None] = {
        "SALT": "a1b2c3d4e5f6",
        "SRP_B": format(2**2000 + 5, "x"),
        "SECRET_BLOCK": base64.b64encode(b"opaque secret block").decode(),
        "USERNAME": "fake.user@example.com",
        "USER_ID_FOR_SRP": USER_ID,
    }
    parameters.update(overrides)
    body = {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {name: value for name, value in parameters.items() if value is not None},
        "Session": "session-from-initiate-auth",
    }
    return Reply(body=body)


def jwt_with_username(username: str) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part({'username': username, 'token_use': 'access'})}.signature"


def logged(caplog, capsys) -> str:
    # The hook logs through Airflow's task logger, which writes to stdout instead of propagating.
    output = capsys.readouterr()
    return caplog.text + output.out + output.err


def flows(fake) -> list[str]:
    return [
        request.body.get("AuthFlow", request.body.get("ChallengeName")) for request in fake.cognito_requests
    ]


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(token_cache, "clock", lambda: now[0])
    return now


@pytest.fixture
def srp_hook(fake, set_connection) -> LegalesignHook:
    set_connection(fake.connection(auth_flow="USER_SRP_AUTH", user_pool_id=POOL_ID, max_attempts=3))
    return LegalesignHook()


# SRP.


def test_srp_request_shape(fake, srp_hook):
    fake.cognito_replies.append(verifier_challenge())

    srp_hook.run_query("{ user { id } }")

    initiate, respond = fake.cognito_requests
    assert initiate.headers["x-amz-target"] == INITIATE_AUTH
    assert initiate.body["AuthFlow"] == "USER_SRP_AUTH"
    assert initiate.body["ClientId"] == "fakeclient"
    assert set(initiate.body["AuthParameters"]) == {"USERNAME", "SRP_A"}
    assert initiate.body["AuthParameters"]["USERNAME"] == "fake.user@example.com"
    assert re.fullmatch(r"[0-9a-f]{600,768}", initiate.body["AuthParameters"]["SRP_A"])
    assert respond.headers["x-amz-target"] == RESPOND
    assert respond.body["ChallengeName"] == "PASSWORD_VERIFIER"
    assert respond.body["ClientId"] == "fakeclient"
    assert respond.body["Session"] == "session-from-initiate-auth"
    responses = respond.body["ChallengeResponses"]
    assert set(responses) == {
        "USERNAME",
        "PASSWORD_CLAIM_SECRET_BLOCK",
        "PASSWORD_CLAIM_SIGNATURE",
        "TIMESTAMP",
    }
    assert responses["USERNAME"] == USER_ID
    assert responses["PASSWORD_CLAIM_SECRET_BLOCK"] == base64.b64encode(b"opaque secret block").decode()
    assert len(base64.b64decode(responses["PASSWORD_CLAIM_SIGNATURE"])) == 32
    assert TIMESTAMP.match(responses["TIMESTAMP"])


def test_srp_never_sends_password(fake, srp_hook):
    fake.cognito_replies.append(verifier_challenge())

    srp_hook.get_access_token()

    for request in fake.cognito_requests:
        assert "fake-password-8d1c" not in json.dumps(request.body)


def test_srp_secret_hash_per_step(fake, set_connection):
    set_connection(
        fake.connection(auth_flow="USER_SRP_AUTH", user_pool_id=POOL_ID, client_secret=CLIENT_SECRET)
    )
    fake.cognito_replies.append(verifier_challenge())

    LegalesignHook().get_access_token()

    initiate, respond = fake.cognito_requests
    assert initiate.body["AuthParameters"]["SECRET_HASH"] == secret_hash(
        CLIENT_SECRET, "fake.user@example.com", "fakeclient"
    )
    assert respond.body["ChallengeResponses"]["SECRET_HASH"] == secret_hash(
        CLIENT_SECRET, USER_ID, "fakeclient"
    )


def test_srp_transient_failure_restarts_exchange(fake, srp_hook, waits):
    fake.cognito_replies.extend(
        [
            verifier_challenge(),
            cognito_error("TooManyRequestsException", "Rate exceeded"),
            verifier_challenge(),
        ]
    )

    srp_hook.get_access_token()

    targets = [request.headers["x-amz-target"] for request in fake.cognito_requests]
    assert targets == [INITIATE_AUTH, RESPOND, INITIATE_AUTH, RESPOND]
    first_a = fake.cognito_requests[0].body["AuthParameters"]["SRP_A"]
    second_a = fake.cognito_requests[2].body["AuthParameters"]["SRP_A"]
    assert first_a != second_a
    assert len(waits) == 1


def test_srp_wrong_password_not_retried(fake, srp_hook):
    fake.cognito_replies.extend(
        [verifier_challenge(), cognito_error("NotAuthorizedException", "Incorrect username or password.")]
    )

    with pytest.raises(LegalesignAuthError) as caught:
        srp_hook.get_access_token()

    assert "user_pool_id is the pool of this app client" in str(caught.value)
    assert "USER_SRP_AUTH" in str(caught.value)
    assert len(fake.cognito_requests) == 2


def test_srp_flow_not_enabled_advice(fake, srp_hook):
    fake.cognito_replies.append(
        cognito_error("InvalidParameterException", "USER_SRP_AUTH flow not enabled for this client")
    )

    with pytest.raises(
        LegalesignAuthError, match="Set the connection's extra field auth_flow to USER_PASSWORD_AUTH"
    ):
        srp_hook.get_access_token()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SALT": None, "SRP_B": None}, "has no SALT, SRP_B"),
        ({"USER_ID_FOR_SRP": None}, "has no USER_ID_FOR_SRP"),
        ({"SRP_B": "0"}, "has an invalid value: The challenge parameter SRP_B is 0 modulo N"),
        ({"SECRET_BLOCK": "%%%"}, "SECRET_BLOCK is not Base64"),
    ],
)
def test_srp_unusable_challenge(fake, srp_hook, overrides, expected):
    fake.cognito_replies.append(verifier_challenge(**overrides))

    with pytest.raises(LegalesignAPIError) as caught:
        srp_hook.get_access_token()

    assert expected in str(caught.value)
    assert len(fake.cognito_requests) == 1


def test_srp_new_password_challenge(fake, srp_hook):
    fake.cognito_replies.extend(
        [verifier_challenge(), Reply(body={"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s"})]
    )

    with pytest.raises(LegalesignAuthError, match="set a permanent one"):
        srp_hook.get_access_token()


def test_srp_secrets_masked(fake, srp_hook, monkeypatch):
    masked: list[str] = []
    monkeypatch.setattr(hook_module, "_mask_secret", masked.append)
    fake.cognito_replies.append(verifier_challenge())

    token = srp_hook.get_access_token()

    respond = fake.cognito_requests[1].body
    assert token in masked
    assert respond["ChallengeResponses"]["PASSWORD_CLAIM_SIGNATURE"] in masked
    assert any(value.startswith("refresh-") for value in masked)
    assert any(value.startswith("id-") for value in masked)


# Refresh tokens.


def test_refresh_replaces_login(fake, set_connection, clock):
    set_connection(fake.connection())
    hook = LegalesignHook()
    first = hook.get_access_token()
    refresh_token = fake.cognito_requests[0]
    clock[0] += 3600 - 59

    second = hook.get_access_token()

    assert second != first
    assert flows(fake) == ["USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH"]
    assert refresh_token.body["AuthFlow"] == "USER_PASSWORD_AUTH"
    refresh = fake.cognito_requests[1].body
    assert set(refresh["AuthParameters"]) == {"REFRESH_TOKEN"}
    assert refresh["AuthParameters"]["REFRESH_TOKEN"].startswith("refresh-")
    assert token_cache.token_cache.refresh_count(hook._cache_key) == 1
    assert token_cache.token_cache.login_count(hook._cache_key) == 1


def test_refresh_not_before_renewal_time(fake, set_connection, clock):
    set_connection(fake.connection())
    hook = LegalesignHook()
    hook.get_access_token()
    clock[0] += 3600 - 61

    hook.get_access_token()

    assert flows(fake) == ["USER_PASSWORD_AUTH"]


def test_refresh_sends_first_refresh_token(fake, set_connection, clock):
    set_connection(fake.connection())
    fake.cognito_replies.append(
        Reply(
            body={
                "AuthenticationResult": {"AccessToken": "access-a", "ExpiresIn": 100, "RefreshToken": "rt-1"}
            }
        )
    )
    fake.cognito_replies.append(
        Reply(body={"AuthenticationResult": {"AccessToken": "access-b", "ExpiresIn": 100}})
    )
    hook = LegalesignHook()
    hook.get_access_token()
    clock[0] += 80
    assert hook.get_access_token() == "access-b"
    clock[0] += 80

    hook.get_access_token()

    # Cognito returns no new refresh token on a refresh, so the login's one is used again.
    sent = [request.body["AuthParameters"].get("REFRESH_TOKEN") for request in fake.cognito_requests[1:]]
    assert sent == ["rt-1", "rt-1"]


@pytest.mark.parametrize(
    ("access_token", "hashed_name"),
    [
        (jwt_with_username("4c1d-internal-name"), "4c1d-internal-name"),
        ("opaque-access-token", "fake.user@example.com"),
    ],
    ids=["username-claim", "no-claim"],
)
def test_refresh_secret_hash_uses_pool_username(fake, set_connection, clock, access_token, hashed_name):
    set_connection(fake.connection(client_secret=CLIENT_SECRET))
    fake.cognito_replies.append(
        Reply(
            body={
                "AuthenticationResult": {"AccessToken": access_token, "ExpiresIn": 100, "RefreshToken": "rt"}
            }
        )
    )
    hook = LegalesignHook()
    hook.get_access_token()
    clock[0] += 90

    hook.get_access_token()

    refresh = fake.cognito_requests[1].body["AuthParameters"]
    assert refresh["SECRET_HASH"] == secret_hash(CLIENT_SECRET, hashed_name, "fakeclient")


def test_srp_refresh_secret_hash_uses_user_id(fake, set_connection, clock):
    set_connection(
        fake.connection(auth_flow="USER_SRP_AUTH", user_pool_id=POOL_ID, client_secret=CLIENT_SECRET)
    )
    fake.cognito_replies.append(verifier_challenge())
    hook = LegalesignHook()
    hook.get_access_token()
    clock[0] += 3600

    hook.get_access_token()

    assert flows(fake) == ["USER_SRP_AUTH", "PASSWORD_VERIFIER", "REFRESH_TOKEN_AUTH"]
    refresh = fake.cognito_requests[2].body["AuthParameters"]
    assert refresh["SECRET_HASH"] == secret_hash(CLIENT_SECRET, USER_ID, "fakeclient")


@pytest.mark.parametrize(
    "message", ["Refresh Token has been revoked", "Invalid Refresh Token", "Refresh Token has expired"]
)
def test_rejected_refresh_falls_back_to_login(fake, set_connection, clock, caplog, capsys, message):
    set_connection(fake.connection())
    hook = LegalesignHook()
    hook.get_access_token()
    fake.cognito_replies.append(cognito_error("NotAuthorizedException", message))
    clock[0] += 3600

    with caplog.at_level(logging.INFO):
        hook.get_access_token()

    assert flows(fake) == ["USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH", "USER_PASSWORD_AUTH"]
    assert "Cognito rejected the refresh token of connection legalesign_default" in logged(caplog, capsys)
    assert token_cache.token_cache.login_count(hook._cache_key) == 2
    assert token_cache.token_cache.refresh_count(hook._cache_key) == 0


def test_failed_fallback_login_raises(fake, set_connection, clock):
    set_connection(fake.connection())
    hook = LegalesignHook()
    hook.get_access_token()
    fake.cognito_replies.extend(
        [
            cognito_error("NotAuthorizedException", "Refresh Token has been revoked"),
            cognito_error("NotAuthorizedException", "Incorrect username or password."),
        ]
    )
    clock[0] += 3600

    with pytest.raises(LegalesignAuthError, match="Cognito rejected the login"):
        hook.get_access_token()

    assert len(fake.cognito_requests) == 3


def test_refresh_transient_failure_retried(fake, set_connection, clock, waits):
    set_connection(fake.connection())
    hook = LegalesignHook()
    hook.get_access_token()
    fake.cognito_replies.append(cognito_error("TooManyRequestsException", "Rate exceeded"))
    clock[0] += 3600

    hook.get_access_token()

    assert flows(fake) == ["USER_PASSWORD_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN_AUTH"]
    assert len(waits) == 1


def test_no_refresh_token_means_login(fake, set_connection, clock):
    set_connection(fake.connection())
    fake.cognito_replies.append(
        Reply(body={"AuthenticationResult": {"AccessToken": "only-access", "ExpiresIn": 100}})
    )
    hook = LegalesignHook()
    hook.get_access_token()
    clock[0] += 100

    hook.get_access_token()

    assert flows(fake) == ["USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"]


def test_renewal_logged_without_token(fake, set_connection, clock, caplog, capsys):
    set_connection(fake.connection())
    hook = LegalesignHook()
    first = hook.get_access_token()
    clock[0] += 3600

    with caplog.at_level(logging.INFO):
        second = hook.get_access_token()

    text = logged(caplog, capsys)
    assert "Renewing the Legalesign access token of connection legalesign_default" in text
    refresh_token = fake.cognito_requests[1].body["AuthParameters"]["REFRESH_TOKEN"]
    for secret in (first, second, refresh_token):
        assert secret not in text


def test_rejected_token_gets_full_login(fake, set_connection):
    set_connection(fake.connection())
    hook = LegalesignHook()
    hook.run_query("{ user { id } }")
    fake.revoke_tokens()

    hook.run_query("{ user { id } }")

    # A 401 means the access token was refused, so the hook does not trust its refresh token either.
    assert flows(fake) == ["USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"]


def test_tokens_repr_hides_refresh_token():
    from airflow_provider_legalesign.auth.cognito import CognitoTokens

    tokens = CognitoTokens(access_token="acc-1", expires_in=5, refresh_token="ref-1", id_token="id-1")

    assert "ref-1" not in repr(tokens)
    assert "acc-1" not in repr(tokens)
    assert "id-1" not in repr(tokens)


# API keys.


@pytest.fixture
def key_hook(fake, set_connection) -> LegalesignHook:
    set_connection(
        {
            "conn_type": "legalesign",
            "host": fake.graphql_url,
            "password": API_KEY,
            "extra": {"auth_type": "api_key"},
        }
    )
    return LegalesignHook()


def test_api_key_sent_as_bearer(fake, key_hook):
    fake.valid_tokens.add(API_KEY)

    key_hook.run_query("{ user { id } }")

    assert fake.graphql_requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert fake.cognito_requests == []


def test_api_key_rejected_once(fake, key_hook):
    with pytest.raises(LegalesignAPIError) as caught:
        key_hook.run_query("{ user { id } }")

    message = str(caught.value)
    assert caught.value.status_code == 401
    assert "uses the API key ak_live_key42" in message
    assert "Developer Portal" in message
    assert KEY_SECRET not in message
    assert len(fake.graphql_requests) == 1
    assert fake.cognito_requests == []


def archive_denied() -> Reply:
    error = {
        "message": "Not Authorized to access archiveDocument on type Mutation",
        "errorType": "Unauthorized",
        "path": ["archiveDocument"],
    }
    return Reply(body={"data": {"archiveDocument": None}, "errors": [error]})


ARCHIVE = 'mutation Archive { archiveDocument(input: {documentId: "ZG9jMQ=="}) }'


def test_api_key_denied_operation_advice(fake, key_hook):
    fake.graphql_replies.append(archive_denied())

    with pytest.raises(LegalesignGraphQLError) as caught:
        key_hook.run_query(ARCHIVE)

    message = str(caught.value)
    assert "Not Authorized to access archiveDocument on type Mutation" in message
    assert (
        "does not allow archiveDocument with a Developer Portal API key: it needs a Cognito login" in message
    )
    assert caught.value.error_types == ["Unauthorized"]
    assert caught.value.data == {"archiveDocument": None}
    assert len(fake.graphql_requests) == 1


def test_cognito_denied_operation_no_key_advice(fake, set_connection):
    set_connection(fake.connection())
    fake.graphql_replies.append(archive_denied())

    with pytest.raises(LegalesignGraphQLError) as caught:
        LegalesignHook().run_query(ARCHIVE)

    assert "API key" not in str(caught.value)


# Connection test.


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "with a Cognito login (USER_PASSWORD_AUTH)."),
        ({"auth_flow": "USER_SRP_AUTH", "user_pool_id": POOL_ID}, "with a Cognito login (USER_SRP_AUTH)."),
    ],
)
def test_connection_test_names_flow(fake, set_connection, extra, expected):
    set_connection(fake.connection(**extra))
    if extra:
        fake.cognito_replies.append(verifier_challenge())

    ok, message = LegalesignHook().test_connection()

    assert ok is True
    assert message.endswith(expected)
    assert "fake.user@example.com" in message


def test_connection_test_names_api_key(fake, key_hook):
    fake.valid_tokens.add(API_KEY)

    ok, message = key_hook.test_connection()

    assert ok is True
    assert message.endswith("with the Developer Portal API key ak_live_key42.")
    assert KEY_SECRET not in message


def test_connection_test_failure_with_api_key(fake, key_hook):
    ok, message = key_hook.test_connection()

    assert ok is False
    assert "HTTP 401" in message
    assert KEY_SECRET not in message


def test_changed_auth_flow_gets_new_login(fake, set_connection):
    set_connection(fake.connection())
    LegalesignHook().get_access_token()
    set_connection(fake.connection(auth_flow="USER_SRP_AUTH", user_pool_id=POOL_ID))
    fake.cognito_replies.append(verifier_challenge())

    LegalesignHook().get_access_token()

    assert flows(fake) == ["USER_PASSWORD_AUTH", "USER_SRP_AUTH", "PASSWORD_VERIFIER"]
