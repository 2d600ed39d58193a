"""Hook for Legalesign's GraphQL API, with Cognito login and a shared token cache."""

from __future__ import annotations

import hashlib
import threading
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import BaseHook

from airflow_provider_legalesign.exceptions import LegalesignAPIError, LegalesignConfigurationError

if TYPE_CHECKING:
    import requests

    from airflow_provider_legalesign.auth.cognito import CognitoTokens
    from airflow_provider_legalesign.connection_settings import ConnectionSettings
    from airflow_provider_legalesign.graphql_transport import GraphQLTransport

CONNECTION_TEST_QUERY = "query AirflowConnectionTest { user { id email } }"


class LegalesignHook(BaseHook):
    """
    Interact with Legalesign's GraphQL API.

    The hook logs in through AWS Cognito (``USER_PASSWORD_AUTH``) and sends the access token as
    ``Authorization: Bearer``. Tokens are cached per worker process and connection, so tasks and threads
    of one process share a login until the token is about to expire. Creating the hook does no I/O;
    the connection is read on first use.

    :param legalesign_conn_id: id of an Airflow connection of type ``legalesign``.
    """

    conn_name_attr = "legalesign_conn_id"
    default_conn_name = "legalesign_default"
    conn_type = "legalesign"
    hook_name = "Legalesign"

    def __init__(self, legalesign_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.legalesign_conn_id = legalesign_conn_id
        # requests.Session is not documented as thread-safe, so each thread gets its own.
        self._thread_local = threading.local()

    @cached_property
    def settings(self) -> ConnectionSettings:
        """The validated connection settings, read from Airflow on first use."""
        from airflow_provider_legalesign.connection_settings import ConnectionSettings

        connection = self.get_connection(self.legalesign_conn_id)
        settings = ConnectionSettings.from_connection_fields(
            conn_id=self.legalesign_conn_id,
            host=connection.host,
            login=connection.login,
            password=connection.password,
            extra=connection.extra,
        )
        _mask_secret(settings.password)
        if settings.client_secret:
            _mask_secret(settings.client_secret)
        if settings.unknown_extra_fields:
            self.log.warning(
                "Legalesign connection %s has extra fields that this provider does not read: %s. "
                "Check their spelling.",
                self.legalesign_conn_id,
                ", ".join(settings.unknown_extra_fields),
            )
        return settings

    @property
    def session(self) -> requests.Session:
        """The calling thread's HTTP session, kept open between requests."""
        session = getattr(self._thread_local, "session", None)
        if session is None:
            import requests

            from airflow_provider_legalesign import __version__

            session = requests.Session()
            session.headers["User-Agent"] = f"airflow-provider-legalesign/{__version__}"
            self._thread_local.session = session
        return session

    @cached_property
    def _transport(self) -> GraphQLTransport:
        from airflow_provider_legalesign.graphql_transport import GraphQLTransport

        return GraphQLTransport(
            endpoint=self.settings.endpoint,
            timeout=self.settings.timeout,
            max_attempts=self.settings.max_attempts,
        )

    @cached_property
    def _cache_key(self) -> str:
        # Every field that changes which token a login returns is part of the key, so an edited
        # connection gets a new login. The key is a digest, so no secret sits in the cache's keys.
        settings = self.settings
        material = "\0".join(
            [
                settings.conn_id,
                settings.endpoint,
                settings.auth_endpoint,
                settings.client_id,
                settings.client_secret or "",
                settings.username,
                settings.password,
            ]
        )
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _login(self) -> CognitoTokens:
        from airflow_provider_legalesign.auth.cognito import CognitoClient

        settings = self.settings
        client = CognitoClient(
            endpoint=settings.auth_endpoint,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
            session=self.session,
            register_secret=_mask_secret,
        )
        return client.password_login(settings.username, settings.password)

    def get_access_token(self) -> str:
        """
        Return a valid access token, logging in only when no cached token has enough lifetime left.

        :raises LegalesignAuthError: Cognito rejected the login or asked for a challenge.
        :raises LegalesignAPIError: Cognito could not be reached after every attempt.
        """
        from airflow_provider_legalesign.auth.token_cache import token_cache

        return token_cache.get(self._cache_key, self._login)

    def run_query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """
        Run a GraphQL query or mutation and return the response's ``data``.

        A response with ``errors`` raises, even when it carries partial data. On HTTP 401 the hook logs in
        again and sends the request once more; a second 401 raises.

        :param query: the GraphQL document.
        :param variables: values for the document's variables; they must be JSON-serialisable.
        :param operation_name: which operation to run, required when the document defines several.
        :raises LegalesignError: a subclass that says what failed, from
            :mod:`airflow_provider_legalesign.exceptions`.
        """
        from airflow_provider_legalesign.auth.token_cache import token_cache
        from airflow_provider_legalesign.graphql_operation import parse_operation
        from airflow_provider_legalesign.graphql_transport import encode_request

        operation = parse_operation(query, operation_name)
        if variables is not None and not isinstance(variables, dict):
            raise LegalesignConfigurationError(
                "GraphQL variables must be a dict of variable names to values, "
                f"not {type(variables).__name__}."
            )
        try:
            body = encode_request(query, variables, operation_name)
        except (TypeError, ValueError) as error:
            raise LegalesignConfigurationError(
                f"The GraphQL variables are not JSON-serialisable ({error}). Convert such values to strings, "
                "numbers, booleans, lists or dicts first, for example dates with .isoformat()."
            ) from error

        self.log.debug(
            "Running Legalesign GraphQL %s on connection %s.", operation.describe(), self.legalesign_conn_id
        )
        access_token = self.get_access_token()
        try:
            return self._transport.execute(self.session, body, access_token=access_token, operation=operation)
        except LegalesignAPIError as error:
            if error.status_code != 401:
                raise
            self.log.warning(
                "Legalesign rejected the access token of connection %s (%s). Logging in again and sending "
                "the %s once more.",
                self.legalesign_conn_id,
                error.error_code,
                operation.describe(),
            )
            token_cache.invalidate(self._cache_key, access_token)

        access_token = self.get_access_token()
        try:
            return self._transport.execute(self.session, body, access_token=access_token, operation=operation)
        except LegalesignAPIError as error:
            if error.status_code != 401:
                raise
            raise LegalesignAPIError(
                f"{error.message} The token came from a fresh login, so the endpoint does not accept tokens "
                "of this Cognito app client. Check that the connection's host and its Cognito settings "
                "(client_id, region, auth_endpoint) belong to the same Legalesign environment.",
                status_code=401,
                error_code=error.error_code,
            ) from error

    def test_connection(self) -> tuple[bool, str]:
        """Log in and run ``{ user { id email } }``; return whether it worked and a message saying so."""
        try:
            data = self.run_query(CONNECTION_TEST_QUERY)
        except Exception as error:
            return False, f"{type(error).__name__}: {error}"
        user = data.get("user") or {}
        email = user.get("email") or self.settings.username
        return (
            True,
            f"Connected to Legalesign at {self.settings.endpoint} as {email} (user id {user.get('id')}).",
        )


def _mask_secret(secret: str) -> None:
    from airflow.providers.common.compat.sdk import mask_secret

    mask_secret(secret)
