"""
The WSGI application on the sandbox's GraphQL port.

Routes:

- ``POST /graphql``: the GraphQL API, JSON ``{"query", "variables", "operationName"}``.
- ``GET /_sandbox/files/...``: the short-lease PDF links that ``document.link`` returns.
- ``GET /_sandbox/health``, ``GET /_sandbox/counts``, ``POST /_sandbox/counts/reset``,
  ``GET /_sandbox/documents[?tag=...]``, ``POST /_sandbox/documents/sign`` and
  ``POST /_sandbox/documents/reject`` with JSON ``{"documentId": ...}``: control endpoints for
  tests and demos. They need no token.
- ``GET``, ``POST`` and ``DELETE /_sandbox/faults``: list, inject (JSON with the arguments of
  ``Sandbox.inject_fault``) and clear injected faults. Control endpoints never get a fault.

HTTP statuses and error shapes of ``/graphql`` follow AWS AppSync:

- 401, errorType ``UnauthorizedException``: the Authorization header is missing, not a Bearer
  token, or the token is foreign, malformed or expired, or the API key is unknown.
- 400, errorType ``MalformedHttpRequestException``: the body is not a JSON object with a string
  ``query``, or the query does not parse.
- 400, errorType ``ValidationError``: the query does not validate against the schema, or its
  variables do not match their declared types.
- 200 with ``errors`` next to partial ``data``: resolver failures, e.g. errorType
  ``Unauthorized`` for another group's document or for a root field that API keys may not use
  (see :mod:`~airflow_provider_legalesign.sandbox.api_keys`), ``NotFound``, or ``ValidationError``
  for invalid ``send`` input.

A Bearer credential that starts with ``ak_`` is checked as a Developer Portal API key, any other as a
Cognito access token.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute_sync,
    parse,
    validate,
)
from werkzeug.wrappers import Request, Response

from airflow_provider_legalesign.sandbox.api_keys import api_key_field_guard
from airflow_provider_legalesign.sandbox.errors import (
    MALFORMED_REQUEST,
    UNAUTHORIZED_EXCEPTION,
    VALIDATION_ERROR,
    format_execution_error,
    format_request_error,
    request_error_body,
)
from airflow_provider_legalesign.sandbox.faults import FAULT_FIELDS, FaultError, FaultInjector
from airflow_provider_legalesign.sandbox.files import FILES_PREFIX, LinkError
from airflow_provider_legalesign.sandbox.pdf import build_pdf
from airflow_provider_legalesign.sandbox.resolvers import RequestContext, default_field_resolver
from airflow_provider_legalesign.sandbox.store import NotFoundError, StateError
from airflow_provider_legalesign.sandbox.tokens import TokenRejected

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from airflow_provider_legalesign.sandbox.api_keys import ApiKeyRegistry
    from airflow_provider_legalesign.sandbox.counters import RequestCounter
    from airflow_provider_legalesign.sandbox.faults import Fault, WSGIApp
    from airflow_provider_legalesign.sandbox.files import LinkSigner
    from airflow_provider_legalesign.sandbox.store import Document, Store, Template
    from airflow_provider_legalesign.sandbox.tokens import AccessTokenVerifier

log = logging.getLogger(__name__)

# The operation name counted for a request whose root fields cannot be read.
INVALID_REQUEST = "(invalid request)"


class GraphQLApp:
    """
    Serves the GraphQL API, the PDF links and the control endpoints.

    :param schema: the executable schema with resolvers attached.
    :param store: the sandbox's data.
    :param verifier: checks the access token of each GraphQL request.
    :param links: signs and checks the PDF links.
    :param counter: counts requests on the ``graphql`` and ``files`` sides.
    :param faults: the faults to apply to ``/graphql`` and file requests. None injects none.
    :param api_keys: the API keys accepted in place of access tokens. None accepts none.
    """

    def __init__(
        self,
        *,
        schema: GraphQLSchema,
        store: Store,
        verifier: AccessTokenVerifier,
        links: LinkSigner,
        counter: RequestCounter,
        faults: FaultInjector | None = None,
        api_keys: ApiKeyRegistry | None = None,
    ) -> None:
        self.schema = schema
        self.store = store
        self.verifier = verifier
        self.links = links
        self.counter = counter
        self.faults = faults if faults is not None else FaultInjector()
        self.api_keys = api_keys

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Handle one WSGI request."""
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response | WSGIApp:
        """Route a request to its handler, which returns a response or a fault's WSGI app."""
        path = request.path
        if path == "/graphql":
            if request.method != "POST":
                return _json_response(
                    request_error_body(MALFORMED_REQUEST, "Only POST is supported on /graphql"), 405
                )
            return self.handle_graphql(request)
        if path.startswith(FILES_PREFIX):
            return self.handle_file(request)
        if path.startswith("/_sandbox/"):
            return self.handle_control(request)
        return _json_response({"error": f"No route for {request.method} {path}"}, 404)

    # GraphQL.

    def handle_graphql(self, request: Request) -> Response | WSGIApp:
        """Count one GraphQL request, then apply a pending fault or process it."""
        payload, problem = _read_graphql_payload(request.get_data())
        query = payload.get("query") if payload else None
        document: DocumentNode | None = None
        syntax_error: GraphQLError | None = None
        if isinstance(query, str):
            try:
                document = parse(query)
            except GraphQLError as error:
                syntax_error = error
        operation_name = payload.get("operationName") if payload else None
        operations = root_field_names(document, operation_name) if document else []
        counted = operations or [INVALID_REQUEST]
        self.counter.record("graphql", counted)

        def process() -> Response:
            self.counter.record_processed("graphql", counted)
            return self._execute_graphql(request, payload, problem, document, syntax_error, operations)

        fault = self.faults.take("graphql", counted)
        if fault is not None:
            return self._fault_app(fault, process)
        return process()

    def _execute_graphql(
        self,
        request: Request,
        payload: dict[str, Any] | None,
        problem: str | None,
        document: DocumentNode | None,
        syntax_error: GraphQLError | None,
        operations: list[str],
    ) -> Response:
        """Authenticate, validate and execute one parsed GraphQL request."""
        operation_name = payload.get("operationName") if payload else None
        authorization = request.headers.get("Authorization")
        try:
            username = self.api_keys.authenticate(authorization) if self.api_keys is not None else None
            with_api_key = username is not None
            if username is None:
                username = str(self.verifier.verify(authorization).get("username", ""))
        except TokenRejected as error:
            log.info("Rejected GraphQL request with HTTP 401: %s", error)
            return _json_response(request_error_body(UNAUTHORIZED_EXCEPTION, str(error)), 401)
        user = self.store.user_by_username(username)
        if user is None:
            message = f"Cognito user {username} has no Legalesign account in this sandbox."
            return _json_response(request_error_body(UNAUTHORIZED_EXCEPTION, message), 401)

        if problem is not None:
            return _json_response(request_error_body(MALFORMED_REQUEST, problem), 400)
        if syntax_error is not None or document is None:
            assert syntax_error is not None
            error_entry = format_request_error(syntax_error, MALFORMED_REQUEST)
            return _json_response({"data": None, "errors": [error_entry]}, 400)

        validation_errors = validate(self.schema, document)
        if validation_errors:
            entries = [format_request_error(error, VALIDATION_ERROR) for error in validation_errors]
            return _json_response({"data": None, "errors": entries}, 400)

        assert payload is not None
        context = RequestContext(store=self.store, user=user, links=self.links)
        result = execute_sync(
            self.schema,
            document,
            context_value=context,
            variable_values=payload.get("variables"),
            operation_name=operation_name,
            field_resolver=default_field_resolver,
            middleware=[api_key_field_guard] if with_api_key else None,
        )
        if result.data is None and result.errors:
            # Every root field is nullable, so no data at all means graphql-core stopped before
            # resolving: the variables or the operation name did not fit the document.
            entries = [format_request_error(error, VALIDATION_ERROR) for error in result.errors]
            return _json_response({"data": None, "errors": entries}, 400)

        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [format_execution_error(error) for error in result.errors]
            log.info(
                "GraphQL %s for user %s returned %d error(s): %s",
                ",".join(operations),
                user.id,
                len(result.errors),
                ", ".join(entry["errorType"] for entry in body["errors"]),
            )
        return _json_response(body, 200)

    # Files.

    def handle_file(self, request: Request) -> Response | WSGIApp:
        """Count one file request, then apply a pending fault or serve it."""
        self.counter.record("files", ["download"])

        def process() -> Response:
            self.counter.record_processed("files", ["download"])
            return self._serve_file(request)

        fault = self.faults.take("files", ["download"])
        if fault is not None:
            return self._fault_app(fault, process)
        return process()

    def _serve_file(self, request: Request) -> Response:
        """Serve the PDF behind a short-lease link, or an S3-style XML error."""
        if request.method not in ("GET", "HEAD"):
            return _xml_error(LinkError(405, "MethodNotAllowed", "Only GET is allowed on this URL"))
        try:
            target = self.links.verify(
                request.path, dict(request.args.items()), request.headers.get("Authorization")
            )
        except LinkError as error:
            log.info("Rejected file download %s: %s", request.path, error.code)
            return _xml_error(error)

        if target.kind == "documents":
            document = self.store.document(target.object_id)
            if document is None:
                return _xml_error(LinkError(404, "NoSuchKey", "The specified key does not exist"))
            content = _document_pdf(document)
        else:
            template = self.store.template(target.object_id)
            if template is None:
                return _xml_error(LinkError(404, "NoSuchKey", "The specified key does not exist"))
            content = _template_pdf(template)
        return Response(content, 200, content_type="application/pdf")

    def _fault_app(self, fault: Fault, process: Callable[[], Response]) -> WSGIApp:
        def process_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            return process()(environ, start_response)

        return self.faults.app(fault, process_app)

    # Control endpoints.

    def handle_control(self, request: Request) -> Response:
        """Serve the ``/_sandbox/`` control endpoints."""
        route = (request.method, request.path.removeprefix("/_sandbox/").rstrip("/"))
        if route == ("GET", "health"):
            return _json_response({"status": "ok"}, 200)
        if route == ("GET", "counts"):
            return _json_response(self.counter.snapshot(), 200)
        if route == ("POST", "counts/reset"):
            self.counter.reset()
            return _json_response(self.counter.snapshot(), 200)
        if route == ("GET", "documents"):
            return _json_response(self.store.documents_snapshot(request.args.get("tag")), 200)
        if route in (("POST", "documents/sign"), ("POST", "documents/reject")):
            return self._change_document(request, route[1].rpartition("/")[2])
        if route[1] == "faults" and request.method in ("GET", "POST", "DELETE"):
            return self._control_faults(request)
        return _json_response({"error": f"No control endpoint for {request.method} {request.path}"}, 404)

    def _change_document(self, request: Request, action: str) -> Response:
        try:
            payload = json.loads(request.get_data() or b"{}")
        except ValueError:
            payload = None
        document_id = payload.get("documentId") if isinstance(payload, dict) else None
        if not isinstance(document_id, str):
            return _json_response({"error": 'Send a JSON body like {"documentId": "<document id>"}'}, 400)
        try:
            if action == "sign":
                self.store.sign_document(document_id)
            else:
                self.store.reject_document(document_id)
        except NotFoundError as error:
            return _json_response({"error": str(error)}, 404)
        except StateError as error:
            return _json_response({"error": str(error)}, 409)
        snapshot = [item for item in self.store.documents_snapshot() if item["id"] == document_id]
        return _json_response(snapshot[0], 200)

    def _control_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            try:
                payload = json.loads(request.get_data() or b"{}")
            except ValueError:
                payload = None
            if not isinstance(payload, dict) or "side" not in payload or "kind" not in payload:
                example = '{"side": "graphql", "kind": "drop_after", "count": 1}'
                return _json_response({"error": f"Send a JSON object like {example}"}, 400)
            unknown = sorted(set(payload) - FAULT_FIELDS)
            if unknown:
                allowed = ", ".join(sorted(FAULT_FIELDS))
                return _json_response({"error": f"Unknown field(s) {', '.join(unknown)}. Use {allowed}"}, 400)
            try:
                self.faults.add(**payload)
            except FaultError as error:
                log.info("Rejected fault request %s: %s", payload, error)
                return _json_response({"error": str(error)}, 400)
            return _json_response({"faults": self.faults.pending()}, 201)
        return _json_response({"faults": self.faults.pending()}, 200)


def _read_graphql_payload(body: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """Return the decoded request body, or None and the reason it cannot be used."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None, "The request body is not valid JSON"
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None, 'The request body must be a JSON object with a string "query"'
    if payload.get("variables") is not None and not isinstance(payload["variables"], dict):
        return payload, '"variables" must be a JSON object or null'
    if payload.get("operationName") is not None and not isinstance(payload["operationName"], str):
        return payload, '"operationName" must be a string or null'
    return payload, None


def root_field_names(document: DocumentNode, operation_name: str | None) -> list[str]:
    """Return the root field names of the operation that the request selects, or [] if none."""
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    fragments = {
        node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)
    }
    if operation_name is not None:
        operations = [node for node in operations if node.name and node.name.value == operation_name]
    if len(operations) != 1:
        return []
    names: list[str] = []
    _collect_fields(operations[0].selection_set, fragments, names, set())
    return names


def _collect_fields(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    names: list[str],
    visited: set[str],
) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            _collect_fields(selection.selection_set, fragments, names, visited)
        elif isinstance(selection, FragmentSpreadNode):
            fragment_name = selection.name.value
            # A fragment that spreads itself is invalid GraphQL, but is counted before validation.
            if fragment_name in fragments and fragment_name not in visited:
                visited.add(fragment_name)
                _collect_fields(fragments[fragment_name].selection_set, fragments, names, visited)


def _document_pdf(document: Document) -> bytes:
    lines = [f"Document id: {document.id}", f"Status: {document.status}"]
    lines += [f"Recipient {r.recipient_order}: {r.email} ({r.status})" for r in document.recipients]
    lines.append("Made by the Legalesign sandbox for testing. This is not a signed legal document.")
    return build_pdf(document.name, lines)


def _template_pdf(template: Template) -> bytes:
    lines = [f"Template id: {template.id}"]
    lines += [f"Role {role.signer_index}: {role.name}" for role in template.roles]
    lines.append("Made by the Legalesign sandbox for testing.")
    return build_pdf(template.title, lines)


def _json_response(body: Any, status: int) -> Response:
    return Response(json.dumps(body), status, content_type="application/json")


def _xml_error(error: LinkError) -> Response:
    return Response(error.xml(), error.status, content_type="application/xml")
