"""
The ``legalesign`` connection form, declared once.

Airflow 3.2+ builds the connection form from this table through the provider info (``conn-fields`` and
``ui-field-behaviour``); older Airflow versions ask the hook's classmethods, which read the same table.
This module imports nothing, because Airflow loads the provider info in every process.
"""

from __future__ import annotations

from typing import Any

DEFAULT_ENDPOINT = "https://graphql.uk.legalesign.com/graphql"

# Extra fields of the connection, in form order: label, help text and JSON schema for each.
EXTRA_FIELDS: dict[str, dict[str, Any]] = {
    "client_id": {
        "label": "Client ID",
        "description": "Cognito app client id for Legalesign, from Legalesign support.",
        "schema": {"type": ["string", "null"]},
    },
    "client_secret": {
        "label": "Client secret",
        "description": "Secret of the app client, if it has one; SECRET_HASH is then sent.",
        "schema": {"type": ["string", "null"], "format": "password"},
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
RELABELING = {"host": "GraphQL endpoint", "login": "Username"}
PLACEHOLDERS = {"host": DEFAULT_ENDPOINT, "login": "ops@example.com"}
