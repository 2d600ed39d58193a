"""Developer Portal API keys: the format check, and the advice for operations that keys may not use."""

from __future__ import annotations

import pytest

from airflow_provider_legalesign.auth.api_key import InvalidApiKeyError, api_key_advice, parse_api_key

SECRET = "s3cr3tPart-_xyz"


@pytest.mark.parametrize(
    ("value", "environment", "key_id"),
    [
        (f"ak_live_k1d2.{SECRET}", "live", "k1d2"),
        (f"  ak_sandbox_0a1b-2c_3d.{SECRET}\n", "sandbox", "0a1b-2c_3d"),
        ("ak_test_abc.x.y=", "test", "abc"),
    ],
)
def test_key_parsed(value, environment, key_id):
    key = parse_api_key(value)

    assert key.environment == environment
    assert key.key_id == key_id
    assert key.value == value.strip()
    assert key.public_prefix == f"ak_{environment}_{key_id}"


def test_key_repr_hides_secret():
    key = parse_api_key(f"ak_live_k1d2.{SECRET}")

    assert SECRET not in repr(key)
    assert SECRET not in key.public_prefix


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (f"Bearer ak_live_k1d2.{SECRET}", "does not start with ak_"),
        (f"live_k1d2.{SECRET}", "does not start with ak_"),
        (f"ak_live_k1d2.{SECRET} extra", "contains whitespace"),
        (f"ak_live_k1d2{SECRET}", "has no '.' between the key id and the secret"),
        (f"ak_k1d2.{SECRET}", "does not have the form ak_<environment>_<key-id>.<secret>"),
        ("ak_live_k1d2.", "does not have the form"),
    ],
)
def test_invalid_key_message_hides_value(value, problem):
    with pytest.raises(InvalidApiKeyError) as caught:
        parse_api_key(value)

    message = str(caught.value)
    assert problem in message
    assert SECRET not in message
    assert "k1d2" not in message
    assert f"({len(value.strip())} characters)" in message


def not_authorized(field: str, type_name: str, error_type: str = "Unauthorized") -> dict:
    return {
        "errorType": error_type,
        "message": f"Not Authorized to access {field} on type {type_name}",
        "path": [field],
    }


@pytest.mark.parametrize(
    ("errors", "expected"),
    [
        ([not_authorized("archiveDocument", "Mutation")], "does not allow archiveDocument"),
        ([not_authorized("organisation", "Query")], "does not allow organisation"),
        (
            [not_authorized("updateRecipient", "Mutation"), not_authorized("sendBulk", "Mutation")],
            "does not allow updateRecipient, sendBulk",
        ),
        ([not_authorized("memberConnection", "User")], "may not include memberConnection on type User"),
    ],
)
def test_advice_names_operation(errors, expected):
    advice = api_key_advice(errors)

    assert advice is not None
    assert expected in advice


def test_advice_says_cognito_needed():
    advice = api_key_advice([not_authorized("archiveDocument", "Mutation")])

    assert advice is not None
    assert "needs a Cognito login" in advice
    assert "auth_type is cognito" in advice


def test_advice_lists_each_operation_once():
    advice = api_key_advice([not_authorized("archiveDocument", "Mutation")] * 3)

    assert advice is not None
    assert advice.count("archiveDocument") == 1


@pytest.mark.parametrize(
    "errors",
    [
        [],
        [not_authorized("document", "Query")],
        [not_authorized("send", "Mutation")],
        [not_authorized("archiveDocument", "Mutation", error_type="ValidationError")],
        [{"errorType": "Unauthorized", "message": "You do not have access to this group"}],
        [{"errorType": "NotFound", "message": "No document"}],
    ],
    ids=["none", "allowed-query", "allowed-mutation", "other-type", "other-message", "not-found"],
)
def test_no_advice_for_other_errors(errors):
    assert api_key_advice(errors) is None
