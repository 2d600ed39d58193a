"""Hook for Legalesign's GraphQL API, with Cognito login or an API key, and a shared token cache."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow.providers.common.compat.sdk import BaseHook

# token_cache and parse_operation load neither graphql-core nor requests, so they are imported here and
# not per call in run_query, where each import statement cost about 1.3 us per request.
from airflow_provider_legalesign.auth.token_cache import token_cache
from airflow_provider_legalesign.exceptions import (
    LegalesignAPIError,
    LegalesignConfigurationError,
    LegalesignError,
    LegalesignGraphQLError,
)
from airflow_provider_legalesign.graphql_operation import parse_operation

if TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

    from airflow_provider_legalesign.auth.cognito import CognitoClient, CognitoTokens
    from airflow_provider_legalesign.connection_settings import ConnectionSettings
    from airflow_provider_legalesign.graphql_operation import GraphQLOperation
    from airflow_provider_legalesign.graphql_transport import GraphQLTransport

CONNECTION_TEST_QUERY = "query AirflowConnectionTest { user { id email } }"

# Legalesign caps a page of a connection (documentConnection, ...) at this many items.
MAX_PAGE_SIZE = 1000

# Task report statuses: COMPLETED and FAILED in the newer shape, COMPLETE in the older one.
TASK_SUCCESS_STATUSES = frozenset({"COMPLETED", "COMPLETE"})
TASK_FAILURE_STATUSES = frozenset({"FAILED"})

# requests.Session is not documented as thread-safe, so each thread has its own, shared by every hook in
# that thread. A triggerer runs hundreds of triggers, each with its own hook, on a few executor threads,
# and a session per hook and thread kept an idle keep-alive connection open for each pair. The session
# stores no credentials: every request passes its own Authorization header.
_thread_sessions = threading.local()


class LegalesignHook(BaseHook):
    """
    Interact with Legalesign's GraphQL API.

    The hook logs in through AWS Cognito (``USER_PASSWORD_AUTH`` or ``USER_SRP_AUTH``) and sends the
    access token as ``Authorization: Bearer``, or sends a Developer Portal API key there instead. Tokens
    are cached per worker process and connection, so tasks and threads of one process share a login;
    near expiry a token is renewed with its refresh token. Creating the hook does no I/O; the connection
    is read on first use.

    :param legalesign_conn_id: id of an Airflow connection of type ``legalesign``.
    """

    conn_name_attr = "legalesign_conn_id"
    default_conn_name = "legalesign_default"
    conn_type = "legalesign"
    hook_name = "Legalesign"

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """
        Build the extra fields of the connection form for Airflow 2.11 to 3.1 from ``connection_fields``.

        Airflow 3.2+ reads ``conn-fields`` from the provider info instead. Airflow accepts only String,
        Password, Integer and Boolean fields and drops the whole hook for any other field class, so enums
        become strings checked by ``any_of`` and decimal numbers become strings, which the hook parses.
        The imports stay in the method: Airflow 3.0 and 3.1 call it with these modules mocked.
        """
        from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import BooleanField, IntegerField, PasswordField, StringField
        from wtforms.validators import NumberRange, Optional, any_of

        from airflow_provider_legalesign.connection_fields import EXTRA_FIELDS

        widgets: dict[str, Any] = {}
        for name, spec in EXTRA_FIELDS.items():
            schema = spec["schema"]
            types = {schema["type"]} if isinstance(schema["type"], str) else set(schema["type"])
            label = lazy_gettext(spec["label"])
            options = {"description": spec["description"], "default": schema.get("default")}
            validators: list[Any] = [Optional()]
            if "enum" in schema:
                validators.append(any_of(list(schema["enum"])))
            if schema.get("format") == "password":
                widgets[name] = PasswordField(
                    label, validators=validators, widget=BS3PasswordFieldWidget(), **options
                )
            elif "boolean" in types:
                widgets[name] = BooleanField(label, validators=validators, **options)
            elif "integer" in types:
                if "minimum" in schema:
                    validators.append(NumberRange(min=schema["minimum"]))
                widgets[name] = IntegerField(
                    label, validators=validators, widget=BS3TextFieldWidget(), **options
                )
            else:
                widgets[name] = StringField(
                    label, validators=validators, widget=BS3TextFieldWidget(), **options
                )
        return widgets

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Return the hidden, relabelled and placeholder standard fields for Airflow 2.11 to 3.1."""
        from airflow_provider_legalesign.connection_fields import HIDDEN_FIELDS, PLACEHOLDERS, RELABELING

        return {
            "hidden_fields": list(HIDDEN_FIELDS),
            "relabeling": dict(RELABELING),
            "placeholders": dict(PLACEHOLDERS),
        }

    def __init__(self, legalesign_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.legalesign_conn_id = legalesign_conn_id
        self._legacy_task_shape = False

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
        """The calling thread's HTTP session, kept open between requests and shared by its hooks."""
        session = getattr(_thread_sessions, "session", None)
        if session is None:
            import requests

            from airflow_provider_legalesign import __version__

            session = requests.Session()
            session.headers["User-Agent"] = f"airflow-provider-legalesign/{__version__}"
            _thread_sessions.session = session
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
                settings.auth_type,
                settings.auth_flow,
                settings.user_pool_id or "",
            ]
        )
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _cognito_client(self) -> CognitoClient:
        from airflow_provider_legalesign.auth.cognito import CognitoClient

        settings = self.settings
        return CognitoClient(
            endpoint=settings.auth_endpoint,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
            session=self.session,
            register_secret=_mask_secret,
            auth_flow=settings.auth_flow,
            user_pool_id=settings.user_pool_id,
        )

    def _login(self) -> CognitoTokens:
        settings = self.settings
        return self._cognito_client().login(settings.username, settings.password)

    def _refresh(self, tokens: CognitoTokens) -> CognitoTokens | None:
        """Renew ``tokens`` with REFRESH_TOKEN_AUTH; return None if Cognito rejected the refresh token."""
        from airflow_provider_legalesign.auth.cognito import RefreshTokenRejectedError

        self.log.info(
            "Renewing the Legalesign access token of connection %s with its refresh token.",
            self.legalesign_conn_id,
        )
        try:
            return self._cognito_client().refresh(tokens, self.settings.username)
        except RefreshTokenRejectedError as error:
            self.log.warning(
                "Cognito rejected the refresh token of connection %s (%s). Logging in again.",
                self.legalesign_conn_id,
                error.error_code,
            )
            return None

    def get_access_token(self) -> str:
        """
        Return the credential for the Authorization header: the API key, or a valid Cognito access token.

        A Cognito token is cached per process and connection. Near its expiry it is renewed with the
        refresh token (REFRESH_TOKEN_AUTH), and only if Cognito rejects that does the hook log in again.

        :raises LegalesignAuthError: Cognito rejected the login or asked for a challenge.
        :raises LegalesignAPIError: Cognito could not be reached after every attempt.
        """
        settings = self.settings
        if settings.api_key is not None:
            return settings.api_key.value
        return token_cache.get(self._cache_key, self._login, self._refresh)

    def run_query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """
        Run a GraphQL query or mutation and return the response's ``data``.

        A response with ``errors`` raises, even when it carries partial data. On HTTP 401 a Cognito
        connection logs in again and sends the request once more; a second 401 raises. An API-key
        connection raises on the first 401, because the same key would be rejected again.

        :param query: the GraphQL document.
        :param variables: values for the document's variables; they must be JSON-serialisable.
        :param operation_name: which operation to run, required when the document defines several.
        :raises LegalesignError: a subclass that says what failed, from
            :mod:`airflow_provider_legalesign.exceptions`.
        """
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
            return self._execute(body, access_token, operation)
        except LegalesignAPIError as error:
            if error.status_code != 401:
                raise
            if self.settings.api_key is not None:
                raise LegalesignAPIError(
                    f"{error.message} Connection {self.legalesign_conn_id} uses the API key "
                    f"{self.settings.api_key.public_prefix}: check in Legalesign's Developer Portal that the "
                    "key exists, has not expired or been revoked and is enabled for GraphQL, then put the "
                    "current key in the connection's password.",
                    status_code=401,
                    error_code=error.error_code,
                ) from error
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
            return self._execute(body, access_token, operation)
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

    def _execute(self, body: bytes, access_token: str, operation: GraphQLOperation) -> Any:
        """Send one request; with an API key, say which rejected operations need a Cognito login."""
        try:
            return self._transport.execute(self.session, body, access_token=access_token, operation=operation)
        except LegalesignGraphQLError as error:
            if self.settings.api_key is None:
                raise
            from airflow_provider_legalesign.auth.api_key import api_key_advice

            advice = api_key_advice(error.errors)
            if advice is None:
                raise
            raise LegalesignGraphQLError(
                f"{error.message} {advice}",
                errors=error.errors,
                data=error.data,
                status_code=error.status_code,
                retryable=error.retryable,
            ) from error

    def send_document(self, send_input: dict[str, Any]) -> str:
        """
        Run the ``send`` mutation with ``send_input`` as a GraphQL variable and return the task id.

        ``send`` queues the document and returns at once; poll :meth:`get_task` for the outcome. It is not
        idempotent, so it is never sent twice by this hook (see :meth:`run_query`).
        """
        from airflow_provider_legalesign.queries import SEND_DOCUMENT

        data = self.run_query(SEND_DOCUMENT, {"input": send_input}, "SendDocument")
        task_id = data.get("send")
        if not isinstance(task_id, str) or not task_id:
            raise LegalesignError(
                f"Legalesign accepted the send mutation but returned no task id (send: {task_id!r})."
            )
        return task_id

    def get_task(self, task_id: str) -> dict[str, Any]:
        """
        Return the state of a send task as ``{"task_id", "status", "document_ids", "errors"}``.

        ``status`` is ``None`` while the task runs, then ``COMPLETED`` (``COMPLETE`` in Legalesign's
        older shape) or ``FAILED``. The newer ``report`` shape is asked for first. If the server rejects
        that field, the older ``status`` field is used for this hook's later calls too.
        """
        from airflow_provider_legalesign.queries import GET_TASK, GET_TASK_LEGACY

        if not self._legacy_task_shape:
            try:
                data = self.run_query(GET_TASK, {"id": task_id}, "GetTask")
            except LegalesignGraphQLError as error:
                if not any("report" in str(item.get("message", "")) for item in error.errors):
                    raise
                self.log.info("Legalesign does not know Task.report; using the older Task.status field.")
                self._legacy_task_shape = True
            else:
                task = data.get("task") or {}
                report = task.get("report")
                if not report:
                    return {"task_id": task_id, "status": None, "document_ids": [], "errors": []}
                return {
                    "task_id": task_id,
                    "status": report.get("status"),
                    "document_ids": _string_list(report.get("documents")),
                    "errors": _string_list(report.get("errors")),
                }

        data = self.run_query(GET_TASK_LEGACY, {"id": task_id}, "GetTaskLegacy")
        status = (data.get("task") or {}).get("status")
        finished = status in TASK_SUCCESS_STATUSES or status in TASK_FAILURE_STATUSES
        return {"task_id": task_id, "status": status if finished else None, "document_ids": [], "errors": []}

    def get_document(self, document_id: str) -> dict[str, Any]:
        """
        Return a document's id, name, status, tags, timestamps, task id and recipients with their statuses.

        :raises LegalesignGraphQLError: the document does not exist or the user may not see it.
        """
        from airflow_provider_legalesign.queries import GET_DOCUMENT

        document = self.run_query(GET_DOCUMENT, {"id": document_id}, "GetDocument").get("document")
        if not document:
            raise LegalesignError(f"Legalesign has no document {document_id!r} visible to this user.")
        return dict(document)

    def get_document_link(self, document_id: str) -> str:
        """
        Return the short-lived download URL of a document's PDF.

        Ask for it right before downloading: the URL expires after a short time, and it must be fetched
        without the Authorization header.
        """
        from airflow_provider_legalesign.queries import GET_DOCUMENT_LINK

        document = self.run_query(GET_DOCUMENT_LINK, {"id": document_id}, "GetDocumentLink").get("document")
        link = (document or {}).get("link")
        if not isinstance(link, str) or not link:
            status = (document or {}).get("status")
            raise LegalesignError(
                f"Legalesign returned no download link for document {document_id!r} (status {status!r}). "
                "A document has a PDF to download once it exists; wait for it with LegalesignDocumentSensor."
            )
        _mask_secret(link)
        # HTTP libraries log the request line without the scheme and host (urllib3 at DEBUG), which
        # the masked full URL does not match, so the query string with the signature is masked too.
        query_string = urlsplit(link).query
        if query_string:
            _mask_secret(query_string)
        return link

    def iter_documents(
        self,
        group_id: str,
        page_size: int = MAX_PAGE_SIZE,
        created_after: datetime | str | None = None,
        archived: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """
        Yield the documents of a group in created order, one cursor page (``first``/``after``) at a time.

        Only one page is held in memory, so listing a large group costs one request per ``page_size``
        documents and constant memory.

        :param group_id: the group's id.
        :param page_size: documents per request, from 1 to 1000 (Legalesign's maximum).
        :param created_after: only documents created at or after this time (a timezone-aware datetime, or
            an ISO 8601 string). Passed to Legalesign as ``from``.
        :param archived: list archived documents instead of current ones.
        """
        from airflow_provider_legalesign.queries import LIST_DOCUMENTS

        if (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= MAX_PAGE_SIZE
        ):
            raise LegalesignConfigurationError(
                f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}, got {page_size!r}."
            )
        created_from = _aws_datetime(created_after)
        cursor: str | None = "0"
        page = 0
        while cursor is not None:
            page += 1
            variables = {
                "groupId": group_id,
                "first": page_size,
                "after": cursor,
                "from": created_from,
                "archived": archived,
            }
            group = self.run_query(LIST_DOCUMENTS, variables, "ListDocuments").get("group")
            if not group:
                raise LegalesignError(f"Legalesign has no group {group_id!r} visible to this user.")
            connection = group.get("documentConnection") or {}
            documents = connection.get("documents") or []
            self.log.debug("Listed page %d of group %s: %d document(s).", page, group_id, len(documents))
            yield from documents
            page_info = connection.get("pageInfo") or {}
            next_cursor = page_info.get("endCursor")
            if not page_info.get("hasNextPage") or not next_cursor or next_cursor == cursor:
                cursor = None
            else:
                cursor = next_cursor

    def test_connection(self) -> tuple[bool, str]:
        """
        Log in and run ``{ user { id email } }``; return whether it worked and a message saying so.

        The message names the credential that was used: the Cognito flow, or the API key's id.
        """
        try:
            data = self.run_query(CONNECTION_TEST_QUERY)
        except Exception as error:
            return False, f"{type(error).__name__}: {error}"
        user = data.get("user") or {}
        email = user.get("email") or self.settings.username
        return (
            True,
            f"Connected to Legalesign at {self.settings.endpoint} as {email} (user id {user.get('id')}) "
            f"with {self._describe_credential()}.",
        )

    def _describe_credential(self) -> str:
        settings = self.settings
        if settings.api_key is not None:
            return f"the Developer Portal API key {settings.api_key.public_prefix}"
        return f"a Cognito login ({settings.auth_flow})"


def _string_list(value: Any) -> list[str]:
    """Return ``value`` as a list of strings; Legalesign may send a list or a JSON-encoded list."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, list):
        return [item if isinstance(item, str) else json.dumps(item) for item in value]
    return [json.dumps(value)]


def _aws_datetime(value: datetime | str | None) -> str | None:
    """Format ``value`` as an AWSDateTime string (ISO 8601 with a zone), or return ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as error:
            raise LegalesignConfigurationError(
                f"created_after {value!r} is not an ISO 8601 date-time, such as 2026-01-31T09:30:00+00:00."
            ) from error
    if value.tzinfo is None:
        raise LegalesignConfigurationError(
            f"created_after {value.isoformat()} has no time zone. Pass a timezone-aware datetime."
        )
    return value.isoformat(timespec="milliseconds")


def _mask_secret(secret: str) -> None:
    from airflow.providers.common.compat.sdk import mask_secret

    mask_secret(secret)
