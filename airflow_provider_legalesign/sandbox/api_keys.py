"""
Developer Portal API keys on the sandbox's GraphQL endpoint.

Legalesign takes a key as ``Authorization: Bearer ak_<environment>_<key-id>.<secret>`` in place of a
Cognito access token, and lets it use only a listed subset of the API. The sandbox issues keys with
:meth:`ApiKeyRegistry.issue` and enforces that subset with :func:`api_key_field_guard`: a root field
outside it resolves to null, with an ``errors`` entry of errorType ``Unauthorized`` and the message
"Not Authorized to access <field> on type <Query or Mutation>", in the HTTP 200 shape that AppSync uses
for resolver-level authorisation failures. Nested fields are not restricted here.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from typing import TYPE_CHECKING, Any

from airflow_provider_legalesign.sandbox.errors import unauthorized
from airflow_provider_legalesign.sandbox.tokens import TokenRejected

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphql import GraphQLResolveInfo

KEY_ENVIRONMENT = "sandbox"

# The root fields that Legalesign's API-key reference lists; every other root field is rejected for keys,
# for example archiveDocument, updateRecipient, sendBulk and organisation.
API_KEY_FIELDS = {
    "Query": frozenset({"attachment", "batch", "document", "group", "recipient", "task", "template", "user"}),
    "Mutation": frozenset(
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
    ),
}


class ApiKeyRegistry:
    """The API keys that the sandbox accepts, each belonging to one username."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # key id -> (secret, username)
        self._keys: dict[str, tuple[str, str]] = {}

    def issue(self, username: str) -> str:
        """Create a key for ``username`` and return it, ``ak_sandbox_<key-id>.<secret>``."""
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        with self._lock:
            self._keys[key_id] = (secret, username)
        return f"ak_{KEY_ENVIRONMENT}_{key_id}.{secret}"

    def authenticate(self, authorization: str | None) -> str | None:
        """
        Return the username of the API key in an ``Authorization: Bearer`` header.

        Returns None when the header does not carry an API key (a Cognito token, or no header at all),
        so that the caller checks it as a token.

        :raises TokenRejected: the header carries an ``ak_`` value that is not a key of this sandbox.
        """
        scheme, _, credential = (authorization or "").strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential.startswith("ak_"):
            return None
        prefix, _, secret = credential.partition(".")
        key_id = prefix.removeprefix(f"ak_{KEY_ENVIRONMENT}_")
        with self._lock:
            stored = self._keys.get(key_id)
        if stored is None or not hmac.compare_digest(stored[0], secret):
            raise TokenRejected(
                "The API key is not valid. Check that it is complete and has not been revoked."
            )
        return stored[1]


def api_key_field_guard(
    resolve: Callable[..., Any], root: Any, info: GraphQLResolveInfo, **arguments: Any
) -> Any:
    """Reject root fields that API keys may not use; a graphql-core middleware for API-key requests."""
    type_name = info.parent_type.name
    if info.path.prev is None and info.field_name not in API_KEY_FIELDS.get(type_name, frozenset()):
        raise unauthorized(type_name, info.field_name)
    return resolve(root, info, **arguments)
