"""
Provider metadata for Airflow's ``apache_airflow_provider`` entry point.

Airflow imports this module when it discovers providers, in every scheduler, worker and API server,
so it imports only the plain table of connection fields.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_legalesign.connection_fields import (
    EXTRA_FIELDS,
    HIDDEN_FIELDS,
    PLACEHOLDERS,
    RELABELING,
)


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
                    "hidden-fields": list(HIDDEN_FIELDS),
                    "relabeling": dict(RELABELING),
                    "placeholders": dict(PLACEHOLDERS),
                },
                "conn-fields": {name: dict(field) for name, field in EXTRA_FIELDS.items()},
            }
        ],
    }
