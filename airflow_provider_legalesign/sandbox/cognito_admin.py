"""
Administration of the sandbox's user pool through moto's Cognito API.

The sandbox seeds its pool, app clients and users with boto3 against its own local Cognito
server, using dummy credentials, so that everything it creates goes through moto's public API.
Its own calls carry a per-sandbox marker header, so that the request counters leave them out
and the checks of the Cognito front do not apply to them.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from collections.abc import Iterable

log = logging.getLogger(__name__)

INTERNAL_REQUEST_HEADER = "X-Legalesign-Sandbox-Internal"
DEFAULT_AUTH_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


@dataclass(frozen=True)
class AppClient:
    """The settings of an app client that the Cognito front enforces."""

    client_id: str
    secret: str | None
    explicit_auth_flows: tuple[str, ...]


class CognitoAdmin:
    """
    Creates and reads the sandbox's user pool, app clients and users.

    :param endpoint_url: the sandbox's Cognito URL, e.g. ``http://127.0.0.1:8766/``.
    :param region: the AWS region of the pool, which is part of the token issuer.
    """

    def __init__(self, endpoint_url: str, region: str) -> None:
        self.region = region
        self.internal_marker = secrets.token_hex(16)
        self.user_pool_id = ""
        self._client_cache: dict[str, AppClient] = {}
        self._cache_lock = threading.Lock()
        self._client = boto3.client(
            "cognito-idp",
            region_name=region,
            endpoint_url=endpoint_url,
            # moto accepts any credentials, and explicit dummies keep the host's AWS settings out.
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
        )
        self._client.meta.events.register("before-send.cognito-idp.*", self._mark_internal)

    @property
    def issuer(self) -> str:
        """The ``iss`` claim of the pool's tokens, as moto sets it."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    def _mark_internal(self, request: Any, **_kwargs: Any) -> None:
        request.headers[INTERNAL_REQUEST_HEADER] = self.internal_marker

    def create_user_pool(self) -> str:
        """Create this sandbox's own user pool and return its id."""
        response = self._client.create_user_pool(
            PoolName=f"legalesign-sandbox-{uuid.uuid4().hex[:8]}",
            Policies={"PasswordPolicy": {"MinimumLength": 8}},
        )
        self.user_pool_id = response["UserPool"]["Id"]
        log.info("Created Cognito user pool %s", self.user_pool_id)
        return self.user_pool_id

    def delete_user_pool(self) -> None:
        """Delete the pool, so that moto's process-wide state does not keep growing."""
        if self.user_pool_id:
            self._client.delete_user_pool(UserPoolId=self.user_pool_id)
            log.info("Deleted Cognito user pool %s", self.user_pool_id)

    def create_app_client(self, *, generate_secret: bool, auth_flows: Iterable[str]) -> AppClient:
        """Create an app client in the pool. Its secret is None unless ``generate_secret`` is set."""
        flows = tuple(auth_flows)
        response = self._client.create_user_pool_client(
            UserPoolId=self.user_pool_id,
            ClientName=f"sandbox-client-{uuid.uuid4().hex[:8]}",
            GenerateSecret=generate_secret,
            ExplicitAuthFlows=list(flows),
        )
        details = response["UserPoolClient"]
        client = AppClient(
            client_id=details["ClientId"],
            secret=details.get("ClientSecret"),
            explicit_auth_flows=tuple(details.get("ExplicitAuthFlows") or flows),
        )
        with self._cache_lock:
            self._client_cache[client.client_id] = client
        log.info("Created app client %s (secret: %s, flows: %s)", client.client_id, generate_secret, flows)
        return client

    def create_user(
        self, username: str, password: str, *, temporary: bool, attributes: dict[str, str]
    ) -> None:
        """
        Create a user, CONFIRMED or (with ``temporary``) in FORCE_CHANGE_PASSWORD.

        :param attributes: Cognito user attributes such as ``email`` and ``given_name``.
        """
        user_attributes = [{"Name": name, "Value": value} for name, value in attributes.items()]
        self._client.admin_create_user(
            UserPoolId=self.user_pool_id,
            Username=username,
            TemporaryPassword=password,
            UserAttributes=user_attributes,
            MessageAction="SUPPRESS",
        )
        if not temporary:
            self._client.admin_set_user_password(
                UserPoolId=self.user_pool_id, Username=username, Password=password, Permanent=True
            )
        log.info("Created Cognito user %s in pool %s (temporary: %s)", username, self.user_pool_id, temporary)

    def find_app_client(self, client_id: str) -> AppClient | None:
        """Return the pool's app client with this id, or None if the pool has no such client."""
        with self._cache_lock:
            cached = self._client_cache.get(client_id)
        if cached is not None:
            return cached
        try:
            details = self._client.describe_user_pool_client(
                UserPoolId=self.user_pool_id, ClientId=client_id
            )["UserPoolClient"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        client = AppClient(
            client_id=client_id,
            secret=details.get("ClientSecret"),
            explicit_auth_flows=tuple(details.get("ExplicitAuthFlows") or ()),
        )
        with self._cache_lock:
            self._client_cache[client_id] = client
        return client

    def forget_app_client(self, client_id: str) -> None:
        """Drop a cached client, e.g. after a request that updated or deleted it."""
        with self._cache_lock:
            self._client_cache.pop(client_id, None)

    def is_pool_client(self, client_id: str) -> bool:
        """Return whether ``client_id`` is an app client of this pool."""
        return self.find_app_client(client_id) is not None
