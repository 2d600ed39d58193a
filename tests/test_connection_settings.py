"""Validation of the connection's fields: each bad value names the field and sends nothing."""

from __future__ import annotations

import pytest

from airflow_provider_legalesign.connection_settings import ConnectionSettings
from airflow_provider_legalesign.exceptions import LegalesignConfigurationError
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

GOOD = {
    "host": None,
    "login": "ops@example.com",
    "password": "pw-1234567",
    "extra": '{"client_id": "abc123"}',
}


def settings(**overrides) -> ConnectionSettings:
    fields = {**GOOD, **overrides}
    return ConnectionSettings.from_connection_fields(conn_id="legalesign_default", **fields)


def test_defaults():
    result = settings()

    assert result.endpoint == "https://graphql.uk.legalesign.com/graphql"
    assert result.region == "eu-west-2"
    assert result.auth_endpoint == "https://cognito-idp.eu-west-2.amazonaws.com/"
    assert result.timeout == 30
    assert result.max_attempts == 5
    assert result.client_secret is None


def test_region_sets_cognito_endpoint():
    assert settings(extra='{"client_id": "a", "region": "us-east-1"}').auth_endpoint == (
        "https://cognito-idp.us-east-1.amazonaws.com/"
    )


def test_numbers_accepted_as_strings():
    result = settings(extra='{"client_id": "a", "timeout": "12.5", "max_attempts": "2"}')

    assert result.timeout == 12.5
    assert result.max_attempts == 2


def test_extra_as_dict_accepted():
    assert settings(extra={"client_id": "a"}).client_id == "a"


def test_loopback_http_allowed():
    result = settings(
        host="http://127.0.0.1:8765/graphql",
        extra='{"client_id": "a", "auth_endpoint": "http://localhost:1/"}',
    )

    assert result.endpoint == "http://127.0.0.1:8765/graphql"


def test_unknown_extra_fields_reported():
    assert settings(extra='{"client_id": "a", "clientid": "b"}').unknown_extra_fields == ("clientid",)


def test_repr_hides_secrets():
    text = repr(settings(extra='{"client_id": "a", "client_secret": "cs-hidden-1"}'))

    assert "pw-1234567" not in text
    assert "cs-hidden-1" not in text


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"login": None}, "the login is missing"),
        ({"login": "  "}, "the login is missing"),
        ({"password": None}, "the password is missing"),
        ({"extra": None}, "extra field client_id is missing"),
        ({"extra": '{"client_id": ""}'}, "extra field client_id is missing"),
        ({"extra": "{client_id: a}"}, "extra field is not valid JSON"),
        ({"extra": '["client_id"]'}, "must be a JSON object, not a JSON list"),
        ({"extra": '{"client_id": 5}'}, "client_id must be a string"),
        ({"host": "http://graphql.example.com/graphql"}, "plain http on a host that is not loopback"),
        ({"host": "graphql.uk.legalesign.com/graphql"}, "is not an http(s) URL"),
        ({"host": "ftp://example.com/graphql"}, "is not an http(s) URL"),
        ({"extra": '{"client_id": "a", "auth_endpoint": "http://10.0.0.1/"}'}, "auth_endpoint"),
        ({"extra": '{"client_id": "a", "region": "London"}'}, "region 'London' is not an AWS region"),
        ({"extra": '{"client_id": "a", "timeout": "abc"}'}, "timeout must be a positive number"),
        ({"extra": '{"client_id": "a", "timeout": -1}'}, "timeout must be a positive number"),
        ({"extra": '{"client_id": "a", "timeout": 0}'}, "timeout must be a positive number"),
        ({"extra": '{"client_id": "a", "timeout": true}'}, "timeout must be a positive number"),
        ({"extra": '{"client_id": "a", "max_attempts": 0}'}, "max_attempts must be a positive whole number"),
        (
            {"extra": '{"client_id": "a", "max_attempts": 2.5}'},
            "max_attempts must be a positive whole number",
        ),
        (
            {"extra": '{"client_id": "a", "max_attempts": "many"}'},
            "max_attempts must be a positive whole number",
        ),
    ],
)
def test_bad_field_named(overrides, expected):
    with pytest.raises(LegalesignConfigurationError) as caught:
        settings(**overrides)

    assert expected in str(caught.value)
    assert "legalesign_default" in str(caught.value)


def test_bad_connection_sends_nothing(fake, set_connection):
    connection = fake.connection(timeout="soon")
    set_connection(connection)

    with pytest.raises(LegalesignConfigurationError, match="timeout"):
        LegalesignHook().run_query("{ user { id } }")

    assert fake.cognito_requests == []
    assert fake.graphql_requests == []


def test_configuration_error_fails_task_without_retry():
    from airflow.providers.common.compat.sdk import AirflowFailException

    with pytest.raises(AirflowFailException):
        settings(login=None)
