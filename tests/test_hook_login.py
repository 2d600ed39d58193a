"""Cognito login, error classification, challenges and the token cache, against a loopback server."""

from __future__ import annotations

import threading

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_legalesign.auth import token_cache
from airflow_provider_legalesign.exceptions import LegalesignAPIError, LegalesignAuthError, LegalesignError
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook
from tests.fake_legalesign import Reply, cognito_error


@pytest.fixture
def hook(fake, set_connection) -> LegalesignHook:
    set_connection(fake.connection(max_attempts=3))
    return LegalesignHook()


def test_login_request_shape(fake, hook):
    hook.run_query("{ user { id } }")

    login = fake.cognito_requests[0]
    assert login.headers["x-amz-target"] == "AWSCognitoIdentityProviderService.InitiateAuth"
    assert login.headers["content-type"] == "application/x-amz-json-1.1"
    assert login.body["AuthFlow"] == "USER_PASSWORD_AUTH"
    assert login.body["ClientId"] == "fakeclient"
    assert login.body["AuthParameters"] == {
        "USERNAME": "fake.user@example.com",
        "PASSWORD": "fake-password-8d1c",
    }


def test_access_token_sent_as_bearer(fake, hook):
    hook.run_query("{ user { id } }")

    token = fake.graphql_requests[0].headers["authorization"].removeprefix("Bearer ")
    assert token in fake.valid_tokens
    assert hook.get_access_token() == token


def test_secret_hash_sent_when_client_secret_set(fake, set_connection):
    set_connection(fake.connection(client_secret="s3cr3t-client-value"))

    LegalesignHook().get_access_token()

    # Base64(HMAC-SHA256(key="s3cr3t-client-value", msg="fake.user@example.com" + "fakeclient")), computed
    # once with openssl: printf '%s' 'fake.user@example.comfakeclient' |
    #   openssl dgst -sha256 -hmac 's3cr3t-client-value' -binary | base64
    expected = "Y0mEv9VfxNAki2ettYkTrUHR5vo7yJ4WHc0zkAFDPUQ="
    assert fake.cognito_requests[0].body["AuthParameters"]["SECRET_HASH"] == expected


@pytest.mark.parametrize(
    ("reply", "expected_fix"),
    [
        (cognito_error("NotAuthorizedException", "Incorrect username or password."), "login and password"),
        (cognito_error("UserNotFoundException", "User does not exist."), "connection's login"),
        (cognito_error("ResourceNotFoundException", "User pool client x does not exist."), "client_id"),
        (
            cognito_error("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"),
            "does not allow USER_PASSWORD_AUTH",
        ),
        (
            cognito_error("NotAuthorizedException", "Unable to verify secret hash for client fakeclient"),
            "client_secret",
        ),
        (
            cognito_error("NotAuthorizedException", "Password attempts exceeded"),
            "wait for the lockout",
        ),
        (
            cognito_error("com.amazonaws.cognito#NotAuthorizedException", "Incorrect username or password."),
            "login and password",
        ),
        (
            cognito_error("UserNotFoundException", "User does not exist.", header_only=True),
            "connection's login",
        ),
    ],
    ids=[
        "wrong-password",
        "unknown-user",
        "unknown-client",
        "flow-not-enabled",
        "secret-hash",
        "locked-out",
        "namespaced-type",
        "header-only-code",
    ],
)
def test_rejected_login_fails_once(fake, hook, reply, expected_fix):
    fake.cognito_replies.append(reply)

    with pytest.raises(LegalesignAuthError) as caught:
        hook.run_query("{ user { id } }")

    assert expected_fix in str(caught.value)
    assert isinstance(caught.value, AirflowFailException)
    assert len(fake.cognito_requests) == 1
    assert fake.graphql_requests == []


@pytest.mark.parametrize(
    "challenge", ["NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "SMS_MFA", "CUSTOM_CHALLENGE"]
)
def test_challenge_raises_auth_error(fake, hook, challenge):
    fake.cognito_replies.append(
        Reply(body={"ChallengeName": challenge, "Session": "opaque", "ChallengeParameters": {}})
    )

    with pytest.raises(LegalesignAuthError) as caught:
        hook.get_access_token()

    assert challenge in str(caught.value)
    assert caught.value.error_code == challenge
    assert isinstance(caught.value, AirflowFailException)
    assert len(fake.cognito_requests) == 1


def test_challenge_message_says_what_to_do(fake, hook):
    fake.cognito_replies.append(Reply(body={"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s"}))

    with pytest.raises(LegalesignAuthError, match="set a permanent one"):
        hook.get_access_token()


@pytest.mark.parametrize(
    "reply",
    [
        cognito_error("TooManyRequestsException", "Rate exceeded"),
        cognito_error("InternalErrorException", "Internal error"),
        cognito_error("TooManyRequestsException", "Rate exceeded", header_only=True),
        Reply(status=503, body="<html><body>Service Unavailable</body></html>"),
    ],
    ids=["throttled-400", "internal-error", "throttled-header-only", "http-503"],
)
def test_transient_login_failure_retried(fake, hook, reply, waits):
    fake.cognito_replies.append(reply)

    hook.get_access_token()

    assert len(fake.cognito_requests) == 2
    assert len(waits) == 1


def test_login_retries_bounded_by_max_attempts(fake, hook, waits):
    fake.cognito_replies.extend(cognito_error("TooManyRequestsException", "Rate exceeded") for _ in range(5))

    with pytest.raises(LegalesignAPIError) as caught:
        hook.get_access_token()

    assert "TooManyRequestsException" in str(caught.value)
    assert len(fake.cognito_requests) == 3
    assert len(waits) == 2


def test_login_without_access_token_is_clear(fake, hook):
    fake.cognito_replies.append(Reply(body={"Unexpected": True}))

    with pytest.raises(LegalesignAPIError, match=r"no AuthenticationResult\.AccessToken"):
        hook.get_access_token()


def test_one_login_for_many_queries(fake, hook):
    for _ in range(5):
        hook.run_query("{ user { id } }")

    assert len(fake.cognito_requests) == 1
    assert len(fake.graphql_requests) == 5


def test_one_login_for_concurrent_threads(fake, set_connection):
    set_connection(fake.connection())
    start = threading.Barrier(32)
    failures: list[BaseException] = []

    def worker() -> None:
        hook = LegalesignHook()
        start.wait()
        try:
            hook.run_query("{ user { id } }")
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(fake.cognito_requests) == 1
    assert len(fake.graphql_requests) == 32


def test_token_renewed_near_expiry(fake, hook, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(token_cache, "clock", lambda: now[0])
    fake.expires_in = 3600
    first = hook.get_access_token()

    now[0] += 3600 - 61
    assert hook.get_access_token() == first
    now[0] += 2
    second = hook.get_access_token()

    assert second != first
    assert len(fake.cognito_requests) == 2


def test_new_connection_settings_get_new_login(fake, set_connection):
    set_connection(fake.connection())
    LegalesignHook().get_access_token()
    set_connection(fake.connection(timeout=12))
    LegalesignHook().get_access_token()
    set_connection(fake.connection(), conn_id="other")
    LegalesignHook("other").get_access_token()

    # A timeout does not change the token, but one cache entry per connection and settings is simplest
    # to reason about, and a changed password must never reuse the old login.
    assert len(fake.cognito_requests) == 2


def test_expired_token_relogin_and_replay(fake, hook):
    hook.run_query("{ user { id } }")
    fake.revoke_tokens()

    data = hook.run_query('mutation Archive { archiveDocument(input: {documentId: "x"}) }')

    assert data == fake.graphql_data
    assert len(fake.cognito_requests) == 2
    assert len(fake.graphql_requests) == 3
    assert fake.graphql_requests[1].body == fake.graphql_requests[2].body


def test_second_401_fails(fake, hook):
    fake.graphql_replies.extend(
        Reply(status=401, body={"errors": [{"errorType": "UnauthorizedException", "message": "Bad token"}]})
        for _ in range(2)
    )

    with pytest.raises(LegalesignAPIError) as caught:
        hook.run_query("{ user { id } }")

    assert caught.value.status_code == 401
    assert "fresh login" in str(caught.value)
    assert len(fake.cognito_requests) == 2
    assert len(fake.graphql_requests) == 2


def test_every_failure_is_legalesign_error(fake, hook):
    fake.cognito_replies.append(cognito_error("NotAuthorizedException", "Incorrect username or password."))

    with pytest.raises(LegalesignError):
        hook.run_query("{ user { id } }")


def test_connection_test_success(fake, hook):
    ok, message = hook.test_connection()

    assert ok is True
    assert "fake.user@example.com" in message
    assert fake.graphql_requests[0].body["query"].count("user") == 1


def test_connection_test_failure(fake, hook):
    fake.cognito_replies.append(cognito_error("NotAuthorizedException", "Incorrect username or password."))

    ok, message = hook.test_connection()

    assert ok is False
    assert "NotAuthorizedException" in message
    assert "fake-password-8d1c" not in message


def test_constructor_sends_nothing(fake, set_connection):
    set_connection(fake.connection())

    LegalesignHook()

    assert fake.cognito_requests == []
    assert fake.graphql_requests == []
