"""Validation of the connection fields that choose how to authenticate: auth_type, auth_flow, user_pool_id."""

from __future__ import annotations

import json

import pytest

from airflow_provider_legalesign.connection_settings import ConnectionSettings
from airflow_provider_legalesign.exceptions import LegalesignConfigurationError
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

KEY_SECRET = "Zk3yS3cretValue-9"
API_KEY = f"ak_live_key42.{KEY_SECRET}"


def settings(login="ops@example.com", password="pw-1234567", **extra) -> ConnectionSettings:
    return ConnectionSettings.from_connection_fields(
        conn_id="legalesign_default", host=None, login=login, password=password, extra=json.dumps(extra)
    )


def test_defaults_to_password_login():
    result = settings(client_id="abc")

    assert result.auth_type == "cognito"
    assert result.auth_flow == "USER_PASSWORD_AUTH"
    assert result.user_pool_id is None
    assert result.api_key is None
    assert result.uses_api_key is False


def test_srp_settings():
    result = settings(client_id="abc", auth_flow="USER_SRP_AUTH", user_pool_id="eu-west-2_AbC123")

    assert result.auth_flow == "USER_SRP_AUTH"
    assert result.user_pool_id == "eu-west-2_AbC123"


@pytest.mark.parametrize(
    ("extra", "region", "auth_endpoint"),
    [
        ({"user_pool_id": "us-east-1_AbC123"}, "us-east-1", "https://cognito-idp.us-east-1.amazonaws.com/"),
        (
            {"user_pool_id": "us-east-1_AbC123", "region": "us-east-1"},
            "us-east-1",
            "https://cognito-idp.us-east-1.amazonaws.com/",
        ),
        ({}, "eu-west-2", "https://cognito-idp.eu-west-2.amazonaws.com/"),
    ],
)
def test_region_follows_user_pool(extra, region, auth_endpoint):
    result = settings(client_id="abc", auth_flow="USER_SRP_AUTH", **{"user_pool_id": "eu-west-2_X1", **extra})

    assert result.region == region
    assert result.auth_endpoint == auth_endpoint


@pytest.mark.parametrize(
    ("auth_type", "auth_flow"), [("API_KEY", None), ("Cognito", "user_srp_auth"), (" cognito ", None)]
)
def test_choices_normalised(auth_type, auth_flow):
    extra = {"client_id": "abc", "auth_type": auth_type, "user_pool_id": "eu-west-2_X1"}
    if auth_flow:
        extra["auth_flow"] = auth_flow
    password = API_KEY if auth_type.strip().lower() == "api_key" else "pw-1234567"

    result = settings(password=password, **extra)

    assert result.auth_type == auth_type.strip().lower()
    assert result.auth_flow == (auth_flow or "USER_PASSWORD_AUTH").upper()


def test_api_key_needs_no_login_or_client():
    result = settings(login=None, password=f"  {API_KEY} ", auth_type="api_key")

    assert result.uses_api_key is True
    assert result.api_key is not None
    assert result.api_key.key_id == "key42"
    assert result.password == API_KEY
    assert result.username == ""
    assert result.client_id == ""


def test_api_key_hidden_from_repr():
    assert KEY_SECRET not in repr(settings(password=API_KEY, auth_type="api_key"))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"auth_type": "oauth"}, "auth_type 'oauth' is not one of cognito, api_key"),
        ({"auth_type": 3}, "auth_type must be a string"),
        ({"client_id": "a", "auth_flow": "ADMIN_USER_PASSWORD_AUTH"}, "is not one of USER_PASSWORD_AUTH"),
        ({"client_id": "a", "auth_flow": "USER_SRP_AUTH"}, "extra field user_pool_id is missing"),
        ({"client_id": "a", "user_pool_id": "AbC123"}, "user_pool_id 'AbC123' is not a Cognito user pool id"),
        ({"client_id": "a", "user_pool_id": "London_AbC123"}, "is not a Cognito user pool id"),
        ({"client_id": "a", "user_pool_id": "eu-west-2_Ab-C"}, "is not a Cognito user pool id"),
        (
            {"client_id": "a", "user_pool_id": "us-east-1_AbC123", "region": "eu-west-2"},
            "the user pool in user_pool_id is in 'us-east-1'",
        ),
        ({}, "set the extra field auth_type to api_key"),
    ],
)
def test_bad_auth_field_named(fields, expected):
    with pytest.raises(LegalesignConfigurationError) as caught:
        settings(**fields)

    assert expected in str(caught.value)
    assert "legalesign_default" in str(caught.value)


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        (None, "the password is missing"),
        ("   ", "the password is missing"),
        (f"ak_live_key42{KEY_SECRET}", "has no '.' between the key id and the secret"),
        (f"Bearer {API_KEY}", "does not start with ak_"),
        (KEY_SECRET, "does not start with ak_"),
    ],
)
def test_bad_api_key_never_echoed(password, expected):
    with pytest.raises(LegalesignConfigurationError) as caught:
        settings(login=None, password=password, auth_type="api_key")

    message = str(caught.value)
    assert expected in message
    assert KEY_SECRET not in message
    assert "key42" not in message
    assert caught.value.__cause__ is None


def test_bad_api_key_sends_nothing(fake, set_connection):
    connection = {"conn_type": "legalesign", "host": fake.graphql_url, "password": "not-a-key"}
    connection["extra"] = {"auth_type": "api_key"}
    set_connection(connection)

    with pytest.raises(LegalesignConfigurationError, match="not a valid API key"):
        LegalesignHook().run_query("{ user { id } }")

    assert fake.cognito_requests == []
    assert fake.graphql_requests == []
