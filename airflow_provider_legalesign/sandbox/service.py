"""The :class:`Sandbox`: both local servers, their seeded data and the Python API for tests."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from moto.moto_server.werkzeug_app import create_backend_app

from airflow_provider_legalesign.sandbox.api_keys import ApiKeyRegistry
from airflow_provider_legalesign.sandbox.auth_flow_counter import AuthFlowCounter
from airflow_provider_legalesign.sandbox.cognito_admin import DEFAULT_AUTH_FLOWS, CognitoAdmin
from airflow_provider_legalesign.sandbox.cognito_front import CognitoFront
from airflow_provider_legalesign.sandbox.cognito_srp import SrpFront
from airflow_provider_legalesign.sandbox.counters import RequestCounter
from airflow_provider_legalesign.sandbox.faults import FaultInjector
from airflow_provider_legalesign.sandbox.files import LinkSigner
from airflow_provider_legalesign.sandbox.graphql_app import GraphQLApp
from airflow_provider_legalesign.sandbox.resolvers import attach_resolvers
from airflow_provider_legalesign.sandbox.schema import build_sandbox_schema
from airflow_provider_legalesign.sandbox.servers import HOST, BackgroundServer, bind_socket
from airflow_provider_legalesign.sandbox.srp_verifier import SrpVerifier
from airflow_provider_legalesign.sandbox.store import (
    DOCUMENT_COMPLETED,
    DOCUMENT_IN_PROGRESS,
    DOCUMENT_REJECTED,
    Store,
)
from airflow_provider_legalesign.sandbox.tokens import AccessTokenVerifier

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

log = logging.getLogger(__name__)

REGION = "eu-west-2"
SEED_USERNAME = "sandbox.user@example.com"
# A fixed, documented password, because the sandbox contains no real data and only listens on
# 127.0.0.1.
SEED_PASSWORD = "Sandbox-Passw0rd!"
SEED_TAG = "sandbox-seed"
# The seeded app client allows both login flows that the provider supports, and refresh.
SEED_AUTH_FLOWS = (*DEFAULT_AUTH_FLOWS, "ALLOW_USER_SRP_AUTH")


class Sandbox:
    """
    A local stand-in for Legalesign: moto's Cognito plus a GraphQL server, both on 127.0.0.1.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. Each instance has its
    own user pool and data, so several sandboxes can run in one process.

    :param port: GraphQL port, or 0 to pick a free port.
    :param cognito_port: Cognito port, or 0 to pick a free port.
    :param access_token_ttl: seconds an access token is accepted, and the ``ExpiresIn`` that
        login responses carry.
    :param task_delay: seconds from ``send`` until its task reports COMPLETED and the document
        exists.
    :param link_ttl: seconds a ``document.link`` or ``template.link`` URL stays valid.
    :param auto_sign_after: if set, seconds from ``send`` until the new document is signed
        automatically. None leaves signing to :meth:`sign_document`.
    :param seed_documents: number of extra documents to add to the seeded group.
    """

    def __init__(
        self,
        port: int = 0,
        cognito_port: int = 0,
        access_token_ttl: int = 3600,
        task_delay: float = 1.0,
        link_ttl: float = 60,
        auto_sign_after: float | None = None,
        seed_documents: int = 0,
    ) -> None:
        self.requested_port = port
        self.requested_cognito_port = cognito_port
        self.access_token_ttl = access_token_ttl
        self.task_delay = task_delay
        self.link_ttl = link_ttl
        self.auto_sign_after = auto_sign_after
        self.seed_document_count = seed_documents
        self.region = REGION
        self.username = SEED_USERNAME
        self.password = SEED_PASSWORD
        self.counter = RequestCounter()
        self.faults = FaultInjector()
        self.auth_flows = AuthFlowCounter()
        self.api_keys = ApiKeyRegistry()
        self._api_key = ""
        # The pool id exists only once start() has created the pool, so the verifier reads it when needed.
        self._srp_verifier = SrpVerifier(lambda: self.user_pool_id)
        self.store = Store(task_delay=task_delay, auto_sign_after=auto_sign_after)
        self._admin: CognitoAdmin | None = None
        self._cognito_server: BackgroundServer | None = None
        self._graphql_server: BackgroundServer | None = None
        self._client_id = ""
        self.user_id = ""
        self.group_id = ""
        self.template_id = ""
        self.role_id = ""
        self.foreign_document_id = ""

    # Lifecycle.

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Sandbox:
        """
        Bind both ports, start both servers and seed Cognito and the GraphQL data.

        :raises PortInUseError: if a requested port is taken. Nothing is left running then.
        """
        if self._graphql_server is not None:
            raise RuntimeError("This sandbox is already running")
        started = time.monotonic()
        graphql_socket = bind_socket(self.requested_port, "GraphQL")
        try:
            cognito_socket = bind_socket(self.requested_cognito_port, "Cognito")
        except OSError:
            graphql_socket.close()
            raise

        try:
            cognito_port = cognito_socket.getsockname()[1]
            self._admin = CognitoAdmin(f"http://{HOST}:{cognito_port}/", self.region)
            front = CognitoFront(
                create_backend_app("cognito-idp"),
                admin=self._admin,
                counter=self.counter,
                access_token_ttl=self.access_token_ttl,
                faults=self.faults,
                srp=SrpFront(self._srp_verifier, self._admin.find_app_client),
                auth_flows=self.auth_flows,
            )
            self._cognito_server = BackgroundServer("cognito", front, cognito_socket)
            self._cognito_server.start()
            self._seed_cognito()

            graphql_port = graphql_socket.getsockname()[1]
            links = LinkSigner(f"http://{HOST}:{graphql_port}", self.link_ttl, self.store.clock)
            verifier = AccessTokenVerifier(
                issuer=self._admin.issuer,
                is_pool_client=self._admin.is_pool_client,
                access_token_ttl=self.access_token_ttl,
                clock=self.store.clock,
            )
            app = GraphQLApp(
                schema=attach_resolvers(build_sandbox_schema()),
                store=self.store,
                verifier=verifier,
                links=links,
                counter=self.counter,
                faults=self.faults,
                api_keys=self.api_keys,
            )
            self._graphql_server = BackgroundServer("graphql", app, graphql_socket)
            self._graphql_server.start()
            self._seed_data()
            self._api_key = self.api_keys.issue(self.username)
        except BaseException:
            graphql_socket.close()
            self.stop()
            raise

        self.counter.reset()
        log.info(
            "Sandbox started in %.2f s: GraphQL %s, Cognito %s, user pool %s",
            time.monotonic() - started,
            self.graphql_url,
            self.cognito_url,
            self.user_pool_id,
        )
        return self

    def stop(self) -> None:
        """Stop both servers, delete the user pool and free both ports. Safe to call twice."""
        if self._graphql_server is not None:
            self._graphql_server.stop()
            self._graphql_server = None
        if self._admin is not None and self._cognito_server is not None:
            try:
                self._admin.delete_user_pool()
            except Exception:
                # The pool only costs memory in moto's state, so a failed delete must not keep
                # the servers running.
                log.exception("Deleting user pool %s failed", self._admin.user_pool_id)
        if self._cognito_server is not None:
            self._cognito_server.stop()
            self._cognito_server = None
        log.info("Sandbox stopped")

    def _seed_cognito(self) -> None:
        admin = self._require_admin()
        admin.create_user_pool()
        self._client_id = admin.create_app_client(generate_secret=False, auth_flows=SEED_AUTH_FLOWS).client_id
        self._srp_verifier.set_password(self.username, self.password)
        admin.create_user(
            self.username,
            self.password,
            temporary=False,
            attributes={
                "email": self.username,
                "email_verified": "true",
                "given_name": "Sandbox",
                "family_name": "User",
            },
        )

    def _seed_data(self) -> None:
        store = self.store
        user = store.add_user(self.username, "Sandbox", "User")
        # Fixed ids, so that example DAGs can name the seeded group, template and role.
        group = store.add_group("Sandbox group", owner=user, raw_id="sandbox-group")
        template = store.add_template(group, "Sandbox NDA", ["Signer"], created_by=user, raw_id="sandbox-nda")
        self.user_id = user.id
        self.group_id = group.id
        self.template_id = template.id
        self.role_id = template.roles[0].id

        # Seeded documents are an hour old, so documents sent later sort after them.
        first_created = store.clock() - 3600
        for index, status in enumerate((DOCUMENT_COMPLETED, DOCUMENT_IN_PROGRESS, DOCUMENT_REJECTED)):
            store.add_document(
                group=group,
                template=template,
                sender=user,
                name=f"Seeded NDA {index + 1} ({status})",
                recipients=[
                    {
                        "email": f"seeded.signer{index + 1}@example.com",
                        "firstName": "Seeded",
                        "lastName": f"Signer {index + 1}",
                        "order": 1,
                        "roleId": self.role_id,
                    }
                ],
                created=first_created + index * 60,
                status=status,
                tags=[SEED_TAG],
            )
        if self.seed_document_count:
            store.seed_documents(group, template, user, self.seed_document_count)

        # A group that the seeded user does not belong to, for authorisation tests.
        outsider = store.add_user("outsider@example.com", "Other", "Owner")
        other_group = store.add_group("Other organisation", owner=outsider)
        foreign = store.add_document(
            group=other_group,
            template=None,
            sender=outsider,
            name="Another organisation's document",
            recipients=[{"email": "someone@example.org", "firstName": "Some", "lastName": "One", "order": 0}],
            created=first_created,
        )
        self.foreign_document_id = foreign.id

    # Addresses and credentials.

    @property
    def graphql_url(self) -> str:
        """The GraphQL endpoint, ``http://127.0.0.1:<port>/graphql``."""
        return f"http://{HOST}:{self._require_server(self._graphql_server).port}/graphql"

    @property
    def base_url(self) -> str:
        """The GraphQL server's root, under which the ``/_sandbox/`` control endpoints live."""
        return f"http://{HOST}:{self._require_server(self._graphql_server).port}"

    @property
    def cognito_url(self) -> str:
        """The Cognito endpoint, ``http://127.0.0.1:<port>/``."""
        return f"http://{HOST}:{self._require_server(self._cognito_server).port}/"

    @property
    def port(self) -> int:
        """The GraphQL port actually bound."""
        return self._require_server(self._graphql_server).port

    @property
    def cognito_port(self) -> int:
        """The Cognito port actually bound."""
        return self._require_server(self._cognito_server).port

    @property
    def client_id(self) -> str:
        """The seeded app client: no secret; USER_PASSWORD_AUTH, USER_SRP_AUTH and REFRESH_TOKEN_AUTH allowed."""
        self._require_admin()
        return self._client_id

    @property
    def api_key(self) -> str:
        """The Developer Portal API key issued to the seeded user at start, ``ak_sandbox_<id>.<secret>``."""
        self._require_admin()
        return self._api_key

    @property
    def user_pool_id(self) -> str:
        """The id of this sandbox's own user pool."""
        return self._require_admin().user_pool_id

    def connection(self, **extra_overrides: Any) -> dict[str, Any]:
        """
        Return an Airflow connection for the seeded user in Airflow's JSON connection form.

        ``auth_type="api_key"`` returns :meth:`api_key_connection` instead. ``auth_flow="USER_SRP_AUTH"``
        adds this sandbox's ``user_pool_id`` unless it is given.

        :param extra_overrides: keys to add to or replace in ``extra``.
        """
        if extra_overrides.get("auth_type") == "api_key":
            return self.api_key_connection(**extra_overrides)
        extra = {"client_id": self.client_id, "region": self.region, "auth_endpoint": self.cognito_url}
        if extra_overrides.get("auth_flow") == "USER_SRP_AUTH":
            extra["user_pool_id"] = self.user_pool_id
        extra.update(extra_overrides)
        return {
            "conn_type": "legalesign",
            "host": self.graphql_url,
            "login": self.username,
            "password": self.password,
            "extra": extra,
        }

    def api_key_connection(self, **extra_overrides: Any) -> dict[str, Any]:
        """
        Return an Airflow connection that authenticates with :attr:`api_key`: no login, no Cognito.

        :param extra_overrides: keys to add to or replace in ``extra``.
        """
        extra = {"auth_type": "api_key", **extra_overrides}
        return {"conn_type": "legalesign", "host": self.graphql_url, "password": self.api_key, "extra": extra}

    def connection_json(self, **extra_overrides: Any) -> str:
        """Return :meth:`connection` as a JSON string, e.g. for ``AIRFLOW_CONN_LEGALESIGN_DEFAULT``."""
        return json.dumps(self.connection(**extra_overrides))

    # Cognito administration.

    def create_user(self, username: str, password: str, *, temporary: bool = False) -> None:
        """
        Add a Cognito user who is also a member of the seeded group.

        :param temporary: leave the user in FORCE_CHANGE_PASSWORD, so that a login gets the
            NEW_PASSWORD_REQUIRED challenge instead of tokens.
        """
        local_part = username.partition("@")[0]
        # Kept for the SRP verifier, which derives its values from the password as Cognito does.
        # NOTE: a password changed later through Cognito's API (a NEW_PASSWORD_REQUIRED answer) is
        # not seen by it, so SRP logins keep checking the password set here.
        self._srp_verifier.set_password(username, password)
        self._require_admin().create_user(
            username,
            password,
            temporary=temporary,
            attributes={"email": username, "given_name": local_part, "family_name": "Sandbox"},
        )
        user = self.store.add_user(username, local_part, "Sandbox")
        self.store.add_member(self.group_id, user)

    def create_app_client(
        self, *, generate_secret: bool = False, auth_flows: Iterable[str] = DEFAULT_AUTH_FLOWS
    ) -> tuple[str, str | None]:
        """
        Add an app client to the pool and return ``(client_id, client_secret)``.

        :param generate_secret: give the client a secret, so that logins need SECRET_HASH.
        :param auth_flows: the client's ExplicitAuthFlows.
        """
        client = self._require_admin().create_app_client(
            generate_secret=generate_secret, auth_flows=auth_flows
        )
        return client.client_id, client.secret

    # Documents and counts.

    def request_counts(self) -> dict[str, Any]:
        """
        Return the request counts since start or the last :meth:`reset_counts`.

        Shape: ``{"cognito": {action: n}, "graphql": {root field: n}, "files": {"download": n},
        "totals": {"cognito": n, "graphql": n, "files": n}}``. Cognito actions are the
        ``X-Amz-Target`` names, e.g. ``InitiateAuth``. A GraphQL request counts once per root
        field, and one that cannot be parsed counts as ``"(invalid request)"``. The totals
        count HTTP requests. Rejected requests (400, 401, 403) count too, and the sandbox's own
        seeding calls do not.

        ``"processed"`` has the same shape without its own ``"processed"``, and counts only the
        requests that the sandbox processed: an injected fault that responds to or drops a request
        unprocessed leaves it out, while ``delay`` and ``drop_after`` faults count it. A
        ``send`` in ``processed`` therefore means that its send task was created, and its document
        follows after ``task_delay``.
        """
        return self.counter.snapshot()

    def reset_counts(self) -> None:
        """Set every request count, and the counts of :meth:`auth_flow_counts`, back to zero."""
        self.counter.reset()
        self.auth_flows.reset()

    def auth_flow_counts(self) -> dict[str, int]:
        """
        Return the processed Cognito InitiateAuth requests by AuthFlow since start or :meth:`reset_counts`.

        For example ``{"USER_PASSWORD_AUTH": 1, "REFRESH_TOKEN_AUTH": 2}``: one password login, then two
        refreshes. Rejected requests count too. An SRP login counts as one ``USER_SRP_AUTH``; its
        RespondToAuthChallenge shows in :meth:`request_counts`.
        """
        return self.auth_flows.snapshot()

    def sign_document(self, document_id: str) -> None:
        """
        Mark an in-progress document as signed by every recipient.

        :raises NotFoundError: if no document has this id.
        :raises StateError: if the document is not in progress.
        """
        self.store.sign_document(document_id)

    def reject_document(self, document_id: str) -> None:
        """
        Mark an in-progress document as rejected by its first unsigned recipient.

        :raises NotFoundError: if no document has this id.
        :raises StateError: if the document is not in progress.
        """
        self.store.reject_document(document_id)

    def documents(self, tag: str | None = None) -> list[dict[str, Any]]:
        """Return the stored documents (only those tagged ``tag``, if given) as dicts."""
        return self.store.documents_snapshot(tag)

    # Fault injection.

    def inject_fault(
        self,
        side: str,
        kind: str,
        *,
        count: int = 1,
        operation: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        delay: float | None = None,
        retry_after: float | None = None,
    ) -> None:
        """
        Make the next ``count`` matching requests of one side fail in a chosen way.

        Faults apply in the order they were injected, and each applies to the requests after the
        call, never to the sandbox's own seeding.

        :param side: ``"cognito"``, ``"graphql"`` or ``"files"``.
        :param kind: ``"response"``, ``"delay"``, ``"drop_before"``, ``"drop_after"``,
            ``"html_502"``, ``"throttle"`` or ``"expired_token"``, as described in
            :mod:`airflow_provider_legalesign.sandbox.faults`.
        :param count: how many matching requests get the fault.
        :param operation: the Cognito action (such as ``InitiateAuth``) or GraphQL root field
            (such as ``send``) that a request must carry to match. None matches any request.
        :param status: HTTP status of a ``response`` fault (required for that kind).
        :param headers: response headers of a ``response`` fault.
        :param body: body of a ``response`` fault: a str is sent as it is, a dict as JSON.
        :param delay: seconds a ``delay`` fault waits before processing the request. Make it
            longer than the client's timeout to cause a read timeout.
        :param retry_after: seconds in the ``Retry-After`` of a GraphQL ``throttle`` fault
            (default 1).
        :raises FaultError: if an argument is invalid or does not apply to ``kind``.
        """
        self.faults.add(
            side,
            kind,
            count=count,
            operation=operation,
            status=status,
            headers=headers,
            body=body,
            delay=delay,
            retry_after=retry_after,
        )

    def clear_faults(self) -> None:
        """Drop every pending fault. Requests already being delayed are still processed."""
        self.faults.clear()

    def pending_faults(self) -> list[dict[str, Any]]:
        """Return the faults not yet used up, each with ``count`` the requests it still applies to."""
        return self.faults.pending()

    def wait_for_faults(self, timeout: float = 10.0) -> None:
        """
        Wait until every request held by a ``delay`` or ``drop_after`` fault has been processed.

        Call it before reading :meth:`request_counts` after a client timed out on a delayed
        request, because the sandbox processes that request only after the delay.

        :raises TimeoutError: if such a request is still in progress after ``timeout`` seconds.
        """
        if not self.faults.wait_until_idle(timeout):
            raise TimeoutError(f"A delayed request was still being processed after {timeout:g} s")

    # Guards.

    def _require_admin(self) -> CognitoAdmin:
        if self._admin is None:
            raise RuntimeError("The sandbox is not running. Call start() or use it in a with block")
        return self._admin

    def _require_server(self, server: BackgroundServer | None) -> BackgroundServer:
        if server is None:
            raise RuntimeError("The sandbox is not running. Call start() or use it in a with block")
        return server
