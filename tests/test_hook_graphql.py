"""GraphQL transport: retries, mutation safety, error shapes and secrecy, against a loopback server."""

from __future__ import annotations

import logging
import socket

import pytest
import requests

from airflow_provider_legalesign.exceptions import (
    LegalesignAPIError,
    LegalesignConfigurationError,
    LegalesignGraphQLError,
)
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook
from tests.fake_legalesign import FakeLegalesign, Reply

QUERY = "query Me { user { id email } }"
MUTATION = 'mutation Archive { archiveDocument(input: {documentId: "ZG9jMQ=="}) }'
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


@pytest.fixture
def hook(fake, set_connection) -> LegalesignHook:
    set_connection(fake.connection(max_attempts=3, timeout=0.5))
    hook = LegalesignHook()
    hook.get_access_token()
    return hook


def test_query_returns_data(fake, hook):
    assert hook.run_query(QUERY) == {"user": fake.graphql_data["user"]}


def test_variables_and_operation_name_sent(fake, hook):
    hook.run_query("query Doc($id: ID!) { document(id: $id) { id } }", {"id": "ZG9jMQ=="}, "Doc")

    body = fake.graphql_requests[0].body
    assert body["variables"] == {"id": "ZG9jMQ=="}
    assert body["operationName"] == "Doc"


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=500, body={"errors": [{"message": "boom"}]}),
        Reply(status=502, body=HTML_502),
        Reply(status=503, body="unavailable"),
        Reply(status=429, body={"errors": [{"message": "slow down"}]}),
        Reply(drop=True),
        Reply(delay=1.5),
        Reply(body={"errors": [{"errorType": "ThrottlingException", "message": "Rate exceeded"}]}),
    ],
    ids=["500", "502-html", "503", "429", "dropped", "read-timeout", "appsync-throttling"],
)
def test_query_retried_after_transient_failure(fake, hook, reply, waits):
    fake.graphql_replies.append(reply)

    assert hook.run_query(QUERY) == {"user": fake.graphql_data["user"]}

    assert len(fake.graphql_requests) == 2
    assert len(waits) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=400, body={"errors": [{"errorType": "ValidationError", "message": "bad field"}]}),
        Reply(status=403, body={"message": "Forbidden"}),
        Reply(status=404, body="not found"),
        Reply(body={"data": None, "errors": [{"errorType": "Unauthorized", "message": "Not Authorized"}]}),
    ],
    ids=["400-validation", "403", "404", "200-resolver-error"],
)
def test_client_error_not_retried(fake, hook, reply, waits):
    fake.graphql_replies.append(reply)

    with pytest.raises((LegalesignAPIError, LegalesignGraphQLError)):
        hook.run_query(QUERY)

    assert len(fake.graphql_requests) == 1
    assert waits == []


def test_retries_stop_at_max_attempts_with_real_exception(fake, hook, waits):
    fake.graphql_replies.extend(Reply(delay=1.5) for _ in range(3))

    with pytest.raises(LegalesignAPIError) as caught:
        hook.run_query(QUERY)

    assert len(fake.graphql_requests) == 3
    assert len(waits) == 2
    assert isinstance(caught.value.__cause__, requests.ReadTimeout)
    assert "read timeout after 0.5 s" in str(caught.value)


def test_retry_after_honoured(fake, hook, waits):
    fake.graphql_replies.append(Reply(status=429, headers={"Retry-After": "7"}, body={}))

    hook.run_query(QUERY)

    assert waits == [7.0]


def test_retry_after_beyond_limit_fails(fake, hook, waits):
    fake.graphql_replies.append(Reply(status=429, headers={"Retry-After": "3600"}, body={}))

    with pytest.raises(LegalesignAPIError) as caught:
        hook.run_query(QUERY)

    assert caught.value.retry_after == 3600
    assert waits == []


def test_retry_logged_with_attempt_wait_and_reason(fake, hook, caplog):
    fake.graphql_replies.append(Reply(status=503, body="unavailable"))

    with caplog.at_level(logging.WARNING):
        hook.run_query(QUERY)

    message = next(record.getMessage() for record in caplog.records if "Attempt" in record.getMessage())
    assert "Attempt 1 of 3 failed" in message
    assert "HTTP 503" in message
    assert "Retrying in" in message


@pytest.mark.parametrize(
    "reply",
    [Reply(delay=1.5), Reply(status=500, body={}), Reply(status=502, body=HTML_502), Reply(drop=True)],
    ids=["read-timeout", "500", "502-html", "dropped"],
)
def test_mutation_not_replayed_after_ambiguous_failure(fake, hook, reply, waits):
    fake.graphql_replies.append(reply)

    with pytest.raises(LegalesignAPIError) as caught:
        hook.run_query(MUTATION)

    assert "may or may not have been applied" in str(caught.value)
    assert len(fake.graphql_requests) == 1
    assert waits == []


def test_mutation_replayed_after_429(fake, hook):
    fake.graphql_replies.append(Reply(status=429, body={}))

    hook.run_query(MUTATION)

    assert len(fake.graphql_requests) == 2


def test_mutation_replayed_after_connection_refused(set_connection, waits, monkeypatch):
    # The GraphQL port has no listener on the first attempt. The retry pause starts the server there,
    # so the second attempt is answered.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cognito = FakeLegalesign().start()
    graphql: list[FakeLegalesign] = []

    def start_server_during_pause(seconds: float) -> None:
        waits.append(seconds)
        server = FakeLegalesign(port=port).start()
        server.valid_tokens = cognito.valid_tokens
        graphql.append(server)

    from airflow_provider_legalesign import retry

    monkeypatch.setattr(retry, "sleep", start_server_during_pause)
    connection = cognito.connection()
    connection["host"] = f"http://127.0.0.1:{port}/graphql"
    set_connection(connection)
    try:
        LegalesignHook().run_query(MUTATION)
        assert len(graphql[0].graphql_requests) == 1
        assert len(waits) == 1
    finally:
        cognito.stop()
        for server in graphql:
            server.stop()


@pytest.mark.parametrize(
    "query",
    [
        "# mutation { archiveDocument }\nquery { user { id } }",
        'query { user(id: "mutation") { id } }',
        "fragment mutation on User { id }\nquery { user { ...mutation } }",
    ],
    ids=["comment", "string", "fragment-name"],
)
def test_query_mentioning_mutation_still_retried(fake, hook, query):
    fake.graphql_replies.append(Reply(status=503, body="unavailable"))

    hook.run_query(query)

    assert len(fake.graphql_requests) == 2


def test_operation_name_selects_mutation(fake, hook):
    fake.graphql_replies.append(Reply(status=503, body="unavailable"))
    document = f"{QUERY}\n{MUTATION}"

    with pytest.raises(LegalesignAPIError, match="may or may not"):
        hook.run_query(document, operation_name="Archive")

    assert len(fake.graphql_requests) == 1


def test_several_operations_need_operation_name(fake, hook):
    with pytest.raises(LegalesignConfigurationError, match="operation_name"):
        hook.run_query(f"{QUERY}\n{MUTATION}")

    assert fake.graphql_requests == []


def test_invalid_graphql_not_sent(fake, hook):
    with pytest.raises(LegalesignGraphQLError, match="not valid GraphQL") as caught:
        hook.run_query("query { user { id }")

    assert "line 1" in str(caught.value)
    assert fake.graphql_requests == []


def test_graphql_errors_raise_with_every_detail(fake, hook):
    errors = [
        {
            "message": "Not Authorized to access document on type Query",
            "errorType": "Unauthorized",
            "path": ["a"],
        },
        {"message": "Document not found", "errorType": "NotFound", "path": ["b", 0, "id"]},
    ]
    fake.graphql_replies.append(Reply(body={"data": {"a": None, "b": [{"id": None}]}, "errors": errors}))

    with pytest.raises(LegalesignGraphQLError) as caught:
        hook.run_query("{ a: document(id: 1) { id } b: user { id } }")

    assert caught.value.errors == errors
    assert caught.value.data == {"a": None, "b": [{"id": None}]}
    assert caught.value.error_types == ["Unauthorized", "NotFound"]
    assert "[Unauthorized] Not Authorized to access document on type Query (path: a)" in str(caught.value)
    assert "(path: b.0.id)" in str(caught.value)


def test_html_error_page_gives_status_and_excerpt(fake, hook):
    fake.graphql_replies.extend(Reply(status=502, body=HTML_502) for _ in range(3))

    with pytest.raises(LegalesignAPIError) as caught:
        hook.run_query(QUERY)

    assert caught.value.status_code == 502
    assert "HTTP 502: 502 Bad Gateway 502 Bad Gateway" in str(caught.value)
    assert "<html>" not in str(caught.value)


def test_non_json_success_body_is_clear(fake, hook):
    fake.graphql_replies.append(Reply(status=200, body="<html>login page</html>"))

    with pytest.raises(LegalesignAPIError, match="not a JSON object") as caught:
        hook.run_query(QUERY)

    assert caught.value.status_code == 200


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"when": object()}, "not JSON-serialisable"),
        ({"amount": float("nan")}, "not JSON-serialisable"),
        (["id"], "must be a dict"),
    ],
    ids=["object", "nan", "list"],
)
def test_bad_variables_rejected_before_sending(fake, hook, variables, expected):
    with pytest.raises(LegalesignConfigurationError, match=expected):
        hook.run_query("query Doc($id: ID!) { document(id: $id) { id } }", variables)

    assert fake.graphql_requests == []


def test_no_secret_in_logs_or_errors(fake, set_connection, caplog):
    secrets = {
        "password": "pw-Distinctive-71f3",
        "client_secret": "cs-Distinctive-a2b9",
    }
    connection = fake.connection(client_secret=secrets["client_secret"], max_attempts=2, timeout=0.5)
    connection["password"] = secrets["password"]
    set_connection(connection)
    hook = LegalesignHook()
    texts: list[str] = []

    with caplog.at_level(logging.DEBUG):
        token = hook.get_access_token()
        secret_hash = fake.cognito_requests[0].body["AuthParameters"]["SECRET_HASH"]
        for reply in (Reply(status=503, body="x"), Reply(delay=1.5), Reply(delay=1.5)):
            fake.graphql_replies.append(reply)
        with pytest.raises(LegalesignAPIError) as caught:
            hook.run_query(QUERY)
        texts.append(str(caught.value))
        fake.revoke_tokens()
        fake.graphql_replies.append(
            Reply(status=401, body={"errors": [{"errorType": "UnauthorizedException"}]})
        )
        hook.run_query(QUERY)
        texts.append(repr(hook.settings))
        texts.extend(record.getMessage() for record in caplog.records)

    for value in [*secrets.values(), token, secret_hash]:
        assert not any(value in text for text in texts), value


def test_secrets_registered_with_masker(fake, set_connection):
    from airflow.providers.common.compat.sdk import redact

    connection = fake.connection(client_secret="cs-Masked-4c1d")
    connection["password"] = "pw-Masked-90e2"
    set_connection(connection)

    token = LegalesignHook().get_access_token()

    for value in ("pw-Masked-90e2", "cs-Masked-4c1d", token):
        assert redact(f"before {value} after") == "before *** after"
