"""
The baseline client of P1 and P2: it logs in to Cognito before every query, as a script that runs
once per query does (Legalesign's Python tutorial logs in at the start of each run).

It uses ``requests.post`` directly: ``InitiateAuth`` with ``USER_PASSWORD_AUTH``, then the GraphQL
POST with the new access token.
"""

from __future__ import annotations

import json
from typing import Any

import requests

TIMEOUT_SECONDS = 30


class LoginPerQueryClient:
    """
    Sends each GraphQL request after a fresh Cognito login.

    :param connection: an Airflow connection in JSON form, as the sandbox prints it.
    """

    def __init__(self, connection: dict[str, Any]) -> None:
        extra = connection["extra"]
        self.graphql_url = connection["host"]
        self.cognito_url = extra["auth_endpoint"]
        self.client_id = extra["client_id"]
        self.username = connection["login"]
        self.password = connection["password"]

    def login(self) -> str:
        """Log in with ``USER_PASSWORD_AUTH`` and return the access token."""
        response = requests.post(
            self.cognito_url,
            data=json.dumps(
                {
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "ClientId": self.client_id,
                    "AuthParameters": {"USERNAME": self.username, "PASSWORD": self.password},
                }
            ),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
            },
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        return response.json()["AuthenticationResult"]["AccessToken"]

    def run_query(self, body: bytes) -> dict[str, Any]:
        """Log in, post ``body`` (a JSON GraphQL request) and return the response's ``data``."""
        token = self.login()
        response = requests.post(
            self.graphql_url,
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        return response.json()["data"]
