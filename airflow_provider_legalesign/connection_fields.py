"""
The ``legalesign`` connection form, declared once.

Airflow 3.2+ builds the connection form from this table through the provider info (``conn-fields`` and
``ui-field-behaviour``); older Airflow versions ask the hook's classmethods, which read the same table.
This module imports nothing, because Airflow loads the provider info in every process.
"""

from __future__ import annotations

from typing import Any

DEFAULT_ENDPOINT = "https://graphql.uk.legalesign.com/graphql"

# Values of the extra field auth_type: a Legalesign user's Cognito login, or a Developer Portal API key.
AUTH_TYPE_COGNITO = "cognito"
AUTH_TYPE_API_KEY = "api_key"
AUTH_TYPES = (AUTH_TYPE_COGNITO, AUTH_TYPE_API_KEY)

# Values of the extra field auth_flow: the Cognito InitiateAuth flows that this provider can complete.
AUTH_FLOW_PASSWORD = "USER_PASSWORD_AUTH"
AUTH_FLOW_SRP = "USER_SRP_AUTH"
AUTH_FLOWS = (AUTH_FLOW_PASSWORD, AUTH_FLOW_SRP)

# Extra fields of the connection, in form order: label, help text and JSON schema for each.
EXTRA_FIELDS: dict[str, dict[str, Any]] = {
    "auth_type": {
        "label": "Auth type",
        "description": "cognito: log in as a Legalesign user (login and password). api_key: the password "
        "field contains a Developer Portal API key (ak_...), and no login is needed.",
        "schema": {"type": ["string", "null"], "enum": list(AUTH_TYPES), "default": AUTH_TYPE_COGNITO},
    },
    "client_id": {
        "label": "Client ID",
        "description": "Cognito app client id for Legalesign, from Legalesign support. Not used with API keys.",
        "schema": {"type": ["string", "null"]},
    },
    "client_secret": {
        "label": "Client secret",
        "description": "Secret of the app client, if it has one; SECRET_HASH is then sent.",
        "schema": {"type": ["string", "null"], "format": "password"},
    },
    "auth_flow": {
        "label": "Cognito auth flow",
        "description": "USER_PASSWORD_AUTH sends the password to Cognito. USER_SRP_AUTH proves it with SRP "
        "instead, and needs the user pool id.",
        "schema": {"type": ["string", "null"], "enum": list(AUTH_FLOWS), "default": AUTH_FLOW_PASSWORD},
    },
    "user_pool_id": {
        "label": "User pool ID",
        "description": "Cognito user pool id, such as eu-west-2_AbCdEf123. Required for USER_SRP_AUTH.",
        "schema": {"type": ["string", "null"]},
    },
    "region": {
        "label": "Region",
        "description": "AWS region of the Cognito user pool.",
        "schema": {"type": ["string", "null"], "default": "eu-west-2"},
    },
    "auth_endpoint": {
        "label": "Cognito endpoint",
        "description": "Cognito endpoint URL. Empty means https://cognito-idp.<region>.amazonaws.com/.",
        "schema": {"type": ["string", "null"]},
    },
    "timeout": {
        "label": "Timeout (seconds)",
        "description": "Seconds to wait to connect, and again for the answer, per request.",
        "schema": {"type": ["number", "null"], "exclusiveMinimum": 0, "default": 30},
    },
    "max_attempts": {
        "label": "Max attempts",
        "description": "Attempts per request, the first included, for transient failures.",
        "schema": {"type": ["integer", "null"], "minimum": 1, "default": 5},
    },
}

HIDDEN_FIELDS = ["schema", "port"]
RELABELING = {"host": "GraphQL endpoint", "login": "Username", "password": "Password or API key"}
PLACEHOLDERS = {"host": DEFAULT_ENDPOINT, "login": "ops@example.com"}
