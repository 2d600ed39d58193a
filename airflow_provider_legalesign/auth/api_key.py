"""
Legalesign Developer Portal API keys: the format check, and the part of a key that is safe to log.

A key has the form ``ak_<environment>_<key-id>.<secret>``. The GraphQL endpoint takes it as it is, in
``Authorization: Bearer <key>``, with no token exchange and no Cognito call. Keys work for a subset of
the API only; Legalesign rejects the other operations with errorType ``Unauthorized``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

API_KEY_PREFIX = "ak_"
API_KEY_FORM = "ak_<environment>_<key-id>.<secret>"

# The environment is a single word, the key id runs up to the first ".", and the secret is the rest.
_API_KEY_PATTERN = re.compile(
    r"^ak_(?P<environment>[A-Za-z0-9]+)_(?P<key_id>[A-Za-z0-9_-]+)\.(?P<secret>\S+)$"
)


# Root fields that Legalesign documents as available with an API key. It rejects every other root field
# for keys, and its support can enable more on request, so these sets only decide which advice to give.
API_KEY_QUERIES = frozenset(
    {"attachment", "batch", "document", "group", "recipient", "task", "template", "user"}
)
API_KEY_MUTATIONS = frozenset(
    {
        "cancelDocument",
        "createTemplate",
        "createTemplateElement",
        "createTemplateRole",
        "deleteTemplateElement",
        "deleteTemplateRole",
        "generateComponentToken",
        "send",
        "sendBatch",
        "sendBatchDocument",
        "startBatch",
        "swapRoles",
        "updateTemplate",
        "updateTemplateElement",
        "updateTemplateRole",
    }
)

# AppSync's message for a field that the caller may not use, returned with errorType Unauthorized.
_NOT_AUTHORIZED = re.compile(r"Not Authorized to access (?P<field>\w+) on type (?P<type>\w+)")


class InvalidApiKeyError(ValueError):
    """The value is not a Developer Portal API key. The message describes the problem, never the value."""


@dataclass(frozen=True)
class ApiKey:
    """
    A Developer Portal API key, split into its parts.

    :param environment: the environment named in the key, such as ``live``.
    :param key_id: the key's id, which identifies it but grants nothing on its own.
    :param value: the whole key, as sent in the Authorization header. Kept out of ``repr``.
    """

    environment: str
    key_id: str
    value: str = field(repr=False)

    @property
    def public_prefix(self) -> str:
        """The key without its secret, ``ak_<environment>_<key-id>``, for logs and messages."""
        return f"{API_KEY_PREFIX}{self.environment}_{self.key_id}"


def parse_api_key(value: str) -> ApiKey:
    """
    Check that ``value`` has the form of a Developer Portal API key and split it.

    Surrounding whitespace, as left by copying the key, is removed.

    :raises InvalidApiKeyError: saying which part of the form is wrong, without any part of the value.
    """
    key = value.strip()
    match = _API_KEY_PATTERN.match(key)
    if match is not None:
        return ApiKey(environment=match["environment"], key_id=match["key_id"], value=key)
    if not key.startswith(API_KEY_PREFIX):
        problem = f"it does not start with {API_KEY_PREFIX}"
    elif any(character.isspace() for character in key):
        problem = "it contains whitespace"
    elif "." not in key:
        problem = "it has no '.' between the key id and the secret"
    else:
        problem = f"it does not have the form {API_KEY_FORM}"
    raise InvalidApiKeyError(f"The value ({len(key)} characters) is not a Legalesign API key: {problem}.")


def api_key_advice(errors: list[dict[str, Any]]) -> str | None:
    """
    Return advice for the GraphQL errors that an API key causes, or None if ``errors`` has none of them.

    AppSync reports a field that the caller may not use with errorType ``Unauthorized`` and the message
    "Not Authorized to access <field> on type <type>". A root field outside the documented API-key
    subset, such as ``archiveDocument``, needs a Cognito login. For a nested field the cause may be the
    key as well, or a permission that the user lacks.
    """
    denied: dict[str, None] = {}
    nested: dict[str, None] = {}
    for error in errors:
        if error.get("errorType") != "Unauthorized":
            continue
        match = _NOT_AUTHORIZED.search(str(error.get("message") or ""))
        if match is None:
            continue
        field_name, type_name = match["field"], match["type"]
        if type_name == "Query" and field_name not in API_KEY_QUERIES:
            denied[field_name] = None
        elif type_name == "Mutation" and field_name not in API_KEY_MUTATIONS:
            denied[field_name] = None
        elif type_name not in ("Query", "Mutation"):
            nested[f"{field_name} on type {type_name}"] = None

    advice = []
    if denied:
        advice.append(
            f"Legalesign does not allow {', '.join(denied)} with a Developer Portal API key: it needs a "
            "Cognito login. Run it with a connection whose extra field auth_type is cognito, with a "
            "Legalesign user's login and password."
        )
    if nested:
        advice.append(
            f"API keys can read only the fields that Legalesign enabled for them, which may not include "
            f"{', '.join(nested)}. If it works with a Cognito login, ask Legalesign support to enable it "
            "for API keys."
        )
    return " ".join(advice) or None
