"""
Provider metadata for Airflow's ``apache_airflow_provider`` entry point.

Airflow imports this module when it discovers providers, in every scheduler, worker and API server,
so it imports nothing.
"""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    """Return the provider's metadata: its modules, and the ``legalesign`` connection type and form."""
    return {
        "package-name": "airflow-provider-legalesign",
        "name": "Legalesign",
        "description": "Send documents for signature, wait for signatures and fetch signed PDFs with "
        "Legalesign's GraphQL API.",
        "integrations": [
            {
                "integration-name": "Legalesign",
                "external-doc-url": "https://docs.legalesign.com/graphql/intro",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "Legalesign",
                "python-modules": ["airflow_provider_legalesign.hooks.legalesign"],
            }
        ],
        "operators": [
            {
                "integration-name": "Legalesign",
                "python-modules": ["airflow_provider_legalesign.operators.legalesign"],
            }
        ],
        "sensors": [
            {
                "integration-name": "Legalesign",
                "python-modules": ["airflow_provider_legalesign.sensors.legalesign"],
            }
        ],
        "triggers": [
            {
                "integration-name": "Legalesign",
                "python-modules": ["airflow_provider_legalesign.triggers.legalesign"],
            }
        ],
        "connection-types": [
            {
                "connection-type": "legalesign",
                "hook-class-name": "airflow_provider_legalesign.hooks.legalesign.LegalesignHook",
                "hook-name": "Legalesign",
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port"],
                    "relabeling": {"host": "GraphQL endpoint", "login": "Username"},
                    "placeholders": {
                        "host": "https://graphql.uk.legalesign.com/graphql",
                        "login": "ops@example.com",
                    },
                },
                "conn-fields": {
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
                },
            }
        ],
    }
