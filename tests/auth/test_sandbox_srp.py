"""The sandbox's SRP verifier, driven by the provider's client and by pycognito, an independent one."""

from __future__ import annotations

import base64
import warnings
from datetime import UTC, datetime

import boto3
import pytest
import requests
from pycognito.aws_srp import AWSSRP

from airflow_provider_legalesign.auth.cognito import CognitoClient, secret_hash
from airflow_provider_legalesign.auth.srp import SrpLogin, cognito_timestamp
from airflow_provider_legalesign.sandbox import Sandbox
from tests.auth.conftest import cognito, graphql

pytestmark = pytest.mark.integration

USER_QUERY = "{ user { email } }"


def start_srp(sandbox: Sandbox, client_id: str, login: SrpLogin, extra: dict | None = None) -> dict:
    parameters = {"USERNAME": sandbox.username, "SRP_A": login.srp_a, **(extra or {})}
    response = cognito(
        sandbox,
        "InitiateAuth",
        {"AuthFlow": "USER_SRP_AUTH", "ClientId": client_id, "AuthParameters": parameters},
    )
    assert response.status_code == 200, response.text
    return response.json()


def answer(
    sandbox: Sandbox,
    client_id: str,
    login: SrpLogin,
    challenge: dict,
    *,
    password: str | None = None,
    timestamp: str | None = None,
    extra: dict | None = None,
) -> requests.Response:
    parameters = challenge["ChallengeParameters"]
    timestamp = timestamp or cognito_timestamp(datetime.now(UTC))
    signature = login.password_claim_signature(
        user_id_for_srp=parameters["USER_ID_FOR_SRP"],
        password=password or sandbox.password,
        salt=parameters["SALT"],
        srp_b=parameters["SRP_B"],
        secret_block=parameters["SECRET_BLOCK"],
        timestamp=timestamp,
    )
    responses = {
        "USERNAME": parameters["USER_ID_FOR_SRP"],
        "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
        "PASSWORD_CLAIM_SIGNATURE": signature,
        "TIMESTAMP": timestamp,
        **(extra or {}),
    }
    return cognito(
        sandbox,
        "RespondToAuthChallenge",
        {"ChallengeName": "PASSWORD_VERIFIER", "ClientId": client_id, "ChallengeResponses": responses},
    )


def pycognito_login(sandbox: Sandbox, client_id: str, client_secret: str | None, password: str) -> dict:
    client = boto3.client(
        "cognito-idp",
        region_name=sandbox.region,
        endpoint_url=sandbox.cognito_url,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    reference = AWSSRP(
        username=sandbox.username,
        password=password,
        pool_id=sandbox.user_pool_id,
        client_id=client_id,
        client=client,
        client_secret=client_secret,
    )
    with warnings.catch_warnings():
        # pycognito calls datetime.utcnow(), which Python 3.12 deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        return reference.authenticate_user()


def test_challenge_has_real_srp_values(sandbox):
    challenge = start_srp(sandbox, sandbox.client_id, SrpLogin(sandbox.user_pool_id))

    parameters = challenge["ChallengeParameters"]
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    assert parameters["USERNAME"] == sandbox.username
    assert parameters["USER_ID_FOR_SRP"] != sandbox.username
    # moto's own SRP_B is a 32-digit uuid; a real one is a 3072-bit number.
    assert int(parameters["SRP_B"], 16).bit_length() > 3000
    assert int(parameters["SALT"], 16) > 0
    assert len(base64.b64decode(parameters["SECRET_BLOCK"], validate=True)) >= 64


def test_provider_answer_accepted(sandbox):
    login = SrpLogin(sandbox.user_pool_id)
    challenge = start_srp(sandbox, sandbox.client_id, login)

    response = answer(sandbox, sandbox.client_id, login, challenge)

    assert response.status_code == 200, response.text
    token = response.json()["AuthenticationResult"]["AccessToken"]
    assert graphql(sandbox, token, USER_QUERY).json() == {"data": {"user": {"email": sandbox.username}}}


def test_pycognito_login_accepted(sandbox):
    tokens = pycognito_login(sandbox, sandbox.client_id, None, sandbox.password)

    token = tokens["AuthenticationResult"]["AccessToken"]
    assert graphql(sandbox, token, USER_QUERY).json() == {"data": {"user": {"email": sandbox.username}}}


def test_pycognito_login_with_secret_accepted(sandbox):
    client_id, client_secret = sandbox.create_app_client(
        generate_secret=True, auth_flows=("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    )

    tokens = pycognito_login(sandbox, client_id, client_secret, sandbox.password)

    assert tokens["AuthenticationResult"]["AccessToken"]


def test_pycognito_wrong_password_rejected(sandbox):
    with pytest.raises(Exception, match="Incorrect username or password") as caught:
        pycognito_login(sandbox, sandbox.client_id, None, "Not-the-Passw0rd")

    assert type(caught.value).__name__ == "NotAuthorizedException"


@pytest.mark.parametrize(
    ("kwargs", "pool_id"),
    [
        ({"password": "Not-the-Passw0rd"}, None),
        ({}, "eu-west-2_OtherPool1"),
    ],
    ids=["wrong-password", "wrong-pool"],
)
def test_wrong_proof_rejected(counted, kwargs, pool_id):
    login = SrpLogin(pool_id or counted.user_pool_id)
    challenge = start_srp(counted, counted.client_id, login)

    response = answer(counted, counted.client_id, login, challenge, **kwargs)

    assert response.status_code == 400
    assert response.json() == {
        "__type": "NotAuthorizedException",
        "message": "Incorrect username or password.",
    }
    assert counted.request_counts()["processed"]["cognito"] == {
        "InitiateAuth": 1,
        "RespondToAuthChallenge": 1,
    }


def test_forged_signature_rejected(sandbox):
    login = SrpLogin(sandbox.user_pool_id)
    challenge = start_srp(sandbox, sandbox.client_id, login)
    parameters = challenge["ChallengeParameters"]

    response = cognito(
        sandbox,
        "RespondToAuthChallenge",
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": sandbox.client_id,
            "ChallengeResponses": {
                "USERNAME": parameters["USER_ID_FOR_SRP"],
                "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
                "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(b"\0" * 32).decode(),
                "TIMESTAMP": "Tue Mar 3 09:05:07 UTC 2026",
            },
        },
    )

    assert response.status_code == 400
    assert response.json()["__type"] == "NotAuthorizedException"


def test_challenge_answered_once(sandbox):
    login = SrpLogin(sandbox.user_pool_id)
    challenge = start_srp(sandbox, sandbox.client_id, login)
    assert answer(sandbox, sandbox.client_id, login, challenge).status_code == 200

    replay = answer(sandbox, sandbox.client_id, login, challenge)

    assert replay.status_code == 400
    assert replay.json()["message"] == "Invalid session for the user, session is expired."


def test_answer_from_other_client_rejected(sandbox):
    other_client, _ = sandbox.create_app_client(auth_flows=("ALLOW_USER_SRP_AUTH",))
    login = SrpLogin(sandbox.user_pool_id)
    challenge = start_srp(sandbox, sandbox.client_id, login)

    response = answer(sandbox, other_client, login, challenge)

    assert response.status_code == 400
    assert response.json()["__type"] == "NotAuthorizedException"


@pytest.mark.parametrize(
    "timestamp",
    [
        "Tue Mar 03 09:05:07 UTC 2026",
        "Wed Mar 3 09:05:07 UTC 2026",
        "2026-03-03T09:05:07Z",
        "Tue Mar 3 9:05:07 UTC 2026",
    ],
    ids=["padded-day", "wrong-weekday", "iso", "short-hour"],
)
def test_malformed_timestamp_rejected(sandbox, timestamp):
    login = SrpLogin(sandbox.user_pool_id)
    challenge = start_srp(sandbox, sandbox.client_id, login)

    response = answer(sandbox, sandbox.client_id, login, challenge, timestamp=timestamp)

    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidParameterException"


def test_invalid_srp_a_rejected(sandbox):
    response = cognito(
        sandbox,
        "InitiateAuth",
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": sandbox.client_id,
            "AuthParameters": {"USERNAME": sandbox.username, "SRP_A": "0"},
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "__type": "InvalidParameterException",
        "message": "SRP_A must not be 0 modulo N.",
    }


def test_client_without_srp_flow_rejected(sandbox):
    client_id, _ = sandbox.create_app_client(
        auth_flows=("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
    )
    login = SrpLogin(sandbox.user_pool_id)

    response = cognito(
        sandbox,
        "InitiateAuth",
        {
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": client_id,
            "AuthParameters": {"USERNAME": sandbox.username, "SRP_A": login.srp_a},
        },
    )

    assert response.status_code == 400
    assert response.json()["message"] == "USER_SRP_AUTH flow not enabled for this client"


@pytest.fixture(scope="module")
def secret_client(sandbox) -> tuple[str, str]:
    client_id, client_secret = sandbox.create_app_client(
        generate_secret=True,
        auth_flows=("ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
    )
    assert client_secret is not None
    return client_id, client_secret


@pytest.mark.parametrize(
    ("hashed", "status"),
    [("user_id", 200), ("username", 400), (None, 400)],
    ids=["user-id", "email", "missing"],
)
def test_answer_secret_hash_checked(sandbox, secret_client, hashed, status):
    client_id, client_secret = secret_client
    login = SrpLogin(sandbox.user_pool_id)
    challenge = start_srp(
        sandbox, client_id, login, {"SECRET_HASH": secret_hash(client_secret, sandbox.username, client_id)}
    )
    names = {"user_id": challenge["ChallengeParameters"]["USER_ID_FOR_SRP"], "username": sandbox.username}
    extra = {"SECRET_HASH": secret_hash(client_secret, names[hashed], client_id)} if hashed else {}

    response = answer(sandbox, client_id, login, challenge, extra=extra)

    assert response.status_code == status, response.text


def refresh(
    sandbox: Sandbox, client_id: str, refresh_token: str, hash_value: str | None
) -> requests.Response:
    parameters = {"REFRESH_TOKEN": refresh_token}
    if hash_value:
        parameters["SECRET_HASH"] = hash_value
    return cognito(
        sandbox,
        "InitiateAuth",
        {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": client_id, "AuthParameters": parameters},
    )


def test_srp_refresh_secret_hash_uses_user_id(sandbox, secret_client):
    client_id, client_secret = secret_client
    client = CognitoClient(
        endpoint=sandbox.cognito_url,
        client_id=client_id,
        client_secret=client_secret,
        timeout=10,
        max_attempts=1,
        session=requests.Session(),
        auth_flow="USER_SRP_AUTH",
        user_pool_id=sandbox.user_pool_id,
    )
    tokens = client.login(sandbox.username, sandbox.password)
    assert tokens.refresh_token is not None
    assert tokens.cognito_username not in (None, sandbox.username)

    with_email = refresh(
        sandbox, client_id, tokens.refresh_token, secret_hash(client_secret, sandbox.username, client_id)
    )
    with_user_id = refresh(
        sandbox,
        client_id,
        tokens.refresh_token,
        secret_hash(client_secret, str(tokens.cognito_username), client_id),
    )

    assert with_email.status_code == 400
    assert with_email.json()["message"] == f"Unable to verify secret hash for client {client_id}"
    assert with_user_id.status_code == 200, with_user_id.text
    assert (
        graphql(sandbox, with_user_id.json()["AuthenticationResult"]["AccessToken"], USER_QUERY).status_code
        == 200
    )


def test_srp_refresh_without_secret_hash_rejected(sandbox, secret_client):
    client_id, client_secret = secret_client
    tokens = pycognito_login(sandbox, client_id, client_secret, sandbox.password)

    response = refresh(sandbox, client_id, tokens["AuthenticationResult"]["RefreshToken"], None)

    assert response.status_code == 400
    assert "SECRET_HASH was not received" in response.json()["message"]


def test_temporary_user_gets_new_password_challenge(sandbox):
    sandbox.create_user("srp.starter@example.com", "Temp-Passw0rd!", temporary=True)
    client = CognitoClient(
        endpoint=sandbox.cognito_url,
        client_id=sandbox.client_id,
        client_secret=None,
        timeout=10,
        max_attempts=1,
        session=requests.Session(),
        auth_flow="USER_SRP_AUTH",
        user_pool_id=sandbox.user_pool_id,
    )

    with pytest.raises(Exception, match="NEW_PASSWORD_REQUIRED") as caught:
        client.login("srp.starter@example.com", "Temp-Passw0rd!")

    assert type(caught.value).__name__ == "LegalesignAuthError"


def test_srp_counted_by_flow(counted):
    pycognito_login(counted, counted.client_id, None, counted.password)

    assert counted.auth_flow_counts() == {"USER_SRP_AUTH": 1}
    assert counted.request_counts()["cognito"] == {"InitiateAuth": 1, "RespondToAuthChallenge": 1}
