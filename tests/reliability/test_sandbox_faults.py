"""The sandbox's fault injection: each kind as a client sees it, and what the server processed."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_legalesign.sandbox import Sandbox
from airflow_provider_legalesign.sandbox.cli import main as cli_main
from airflow_provider_legalesign.sandbox.faults import FaultError
from tests.reliability.conftest import DELAY, TIMEOUT
from tests.sandbox.conftest import SEND, graphql, initiate_auth, login, send_input

pytestmark = pytest.mark.integration

QUERY = "{ user { id } }"


@pytest.fixture
def token(faulty: Sandbox) -> str:
    value = login(faulty)
    faulty.reset_counts()
    return value


def processed(sandbox: Sandbox, side: str = "graphql") -> dict[str, int]:
    return sandbox.request_counts()["processed"][side]


@pytest.mark.parametrize(
    ("kind", "parameters", "status", "header", "body_part"),
    [
        ("html_502", {}, 502, None, "502 Bad Gateway"),
        ("throttle", {}, 429, ("Retry-After", "1"), "TooManyRequestsException"),
        ("throttle", {"retry_after": 7}, 429, ("Retry-After", "7"), "Rate exceeded"),
        ("expired_token", {}, 401, None, "Token has expired."),
        (
            "response",
            {"status": 503, "headers": {"X-Fault": "yes"}, "body": {"message": "down"}},
            503,
            ("X-Fault", "yes"),
            '{"message": "down"}',
        ),
        ("response", {"status": 200, "body": "not json"}, 200, ("Content-Type", "text/plain"), "not json"),
    ],
    ids=["html_502", "throttle", "throttle-retry-after", "expired_token", "response-json", "response-text"],
)
def test_graphql_canned_fault(faulty, token, kind, parameters, status, header, body_part):
    faulty.inject_fault("graphql", kind, **parameters)

    response = graphql(faulty, token, QUERY)

    assert response.status_code == status
    assert body_part in response.text
    if header is not None:
        assert response.headers[header[0]].startswith(header[1])
    assert processed(faulty) == {}
    assert faulty.request_counts()["graphql"] == {"user": 1}


def test_cognito_throttle_is_400(faulty):
    faulty.inject_fault("cognito", "throttle")

    response = initiate_auth(faulty)

    assert response.status_code == 400
    assert response.json()["__type"] == "TooManyRequestsException"
    assert response.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert processed(faulty, "cognito") == {}


def test_cognito_response_fault_is_amz_json(faulty):
    faulty.inject_fault(
        "cognito", "response", status=400, body={"__type": "InternalErrorException", "message": "x"}
    )

    response = initiate_auth(faulty)

    assert response.headers["Content-Type"] == "application/x-amz-json-1.1"


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("throttle", 503, "SlowDown"), ("expired_token", 403, "AccessDenied"), ("html_502", 502, "Bad Gateway")],
)
def test_files_canned_fault(faulty, token, kind, status, code):
    link = graphql(
        faulty, token, "query L($id: ID!) { document(id: $id) { link } }", {"id": faulty.documents()[0]["id"]}
    ).json()["data"]["document"]["link"]
    faulty.inject_fault("files", kind)

    response = requests.get(link, timeout=TIMEOUT)

    assert response.status_code == status
    assert code in response.text
    assert processed(faulty, "files") == {}


def test_drop_before_not_processed(faulty, token):
    faulty.inject_fault("graphql", "drop_before")

    with pytest.raises(requests.ConnectionError):
        graphql(faulty, token, SEND, {"input": send_input(faulty, tag="dropped-before")})

    assert faulty.request_counts()["graphql"] == {"send": 1}
    assert processed(faulty) == {}
    assert faulty.documents("dropped-before") == []


def test_drop_after_processes_send(faulty, token):
    faulty.inject_fault("graphql", "drop_after")

    with pytest.raises(requests.ConnectionError):
        graphql(faulty, token, SEND, {"input": send_input(faulty, tag="dropped-after")})

    assert processed(faulty) == {"send": 1}
    assert len(faulty.documents("dropped-after")) == 1


def test_drop_after_login_issues_tokens(faulty):
    faulty.inject_fault("cognito", "drop_after")

    with pytest.raises(requests.ConnectionError):
        initiate_auth(faulty)

    assert processed(faulty, "cognito") == {"InitiateAuth": 1}


def test_delay_times_out_then_processes(faulty, token):
    faulty.inject_fault("graphql", "delay", delay=DELAY)

    with pytest.raises(requests.Timeout):
        requests.post(
            faulty.graphql_url,
            json={"query": SEND, "variables": {"input": send_input(faulty)}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        )

    assert processed(faulty) == {}
    faulty.wait_for_faults()
    assert processed(faulty) == {"send": 1}


def test_operation_filter(faulty, token):
    faulty.inject_fault("graphql", "html_502", operation="send")

    assert graphql(faulty, token, QUERY).status_code == 200
    assert graphql(faulty, token, SEND, {"input": send_input(faulty)}).status_code == 502
    assert graphql(faulty, token, SEND, {"input": send_input(faulty)}).status_code == 200


def test_count_and_order(faulty, token):
    faulty.inject_fault("graphql", "html_502", count=2)
    faulty.inject_fault("graphql", "throttle")

    statuses = [graphql(faulty, token, QUERY).status_code for _ in range(4)]

    assert statuses == [502, 502, 429, 200]
    assert faulty.pending_faults() == []


def test_cognito_fault_spares_graphql(faulty, token):
    faulty.inject_fault("cognito", "html_502")

    assert graphql(faulty, token, QUERY).status_code == 200
    assert faulty.pending_faults()[0]["side"] == "cognito"


def test_clear_faults(faulty, token):
    faulty.inject_fault("graphql", "html_502", count=5)
    faulty.clear_faults()

    assert graphql(faulty, token, QUERY).status_code == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"side": "smtp", "kind": "delay"}, "side must be one of cognito, graphql, files"),
        ({"side": "graphql", "kind": "explode"}, "kind must be one of"),
        ({"side": "cognito", "kind": "expired_token"}, "does not apply to the cognito side"),
        ({"side": "graphql", "kind": "html_502", "count": 0}, "count must be a whole number of 1 or more"),
        ({"side": "graphql", "kind": "response"}, "needs status"),
        ({"side": "graphql", "kind": "response", "status": 99}, "needs status"),
        ({"side": "graphql", "kind": "delay"}, "needs delay"),
        ({"side": "graphql", "kind": "delay", "delay": -1}, "needs delay"),
        ({"side": "graphql", "kind": "html_502", "status": 500}, "does not use status"),
        ({"side": "graphql", "kind": "throttle", "retry_after": -2}, "retry_after must be"),
        ({"side": "graphql", "kind": "response", "status": 500, "headers": {"A": 1}}, "headers must be"),
    ],
    ids=[
        "side",
        "kind",
        "cognito-expired",
        "count",
        "no-status",
        "bad-status",
        "no-delay",
        "negative-delay",
        "unused",
        "retry-after",
        "headers",
    ],
)
def test_invalid_fault_rejected(faulty, arguments, message):
    arguments = dict(arguments)
    with pytest.raises(FaultError, match=message):
        faulty.inject_fault(arguments.pop("side"), arguments.pop("kind"), **arguments)

    assert faulty.pending_faults() == []


def test_control_endpoint_injects(faulty, token):
    created = requests.post(
        f"{faulty.base_url}/_sandbox/faults",
        json={"side": "graphql", "kind": "throttle", "retry_after": 3},
        timeout=TIMEOUT,
    )

    assert created.status_code == 201
    assert created.json()["faults"][0]["retry_after"] == 3
    assert graphql(faulty, token, QUERY).headers["Retry-After"] == "3"


def test_control_endpoint_lists_and_clears(faulty):
    faulty.inject_fault("graphql", "html_502", count=4)

    listed = requests.get(f"{faulty.base_url}/_sandbox/faults", timeout=TIMEOUT).json()
    cleared = requests.delete(f"{faulty.base_url}/_sandbox/faults", timeout=TIMEOUT)

    assert listed["faults"][0]["count"] == 4
    assert cleared.json() == {"faults": []}
    assert faulty.pending_faults() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"side": "graphql"}, "Send a JSON object like"),
        ({"side": "graphql", "kind": "delay", "sleep": 1}, "Unknown field(s) sleep"),
        ({"side": "graphql", "kind": "delay"}, "needs delay"),
    ],
    ids=["no-kind", "unknown-field", "invalid"],
)
def test_control_endpoint_rejects(faulty, body, message):
    response = requests.post(f"{faulty.base_url}/_sandbox/faults", json=body, timeout=TIMEOUT)

    assert response.status_code == 400
    assert message in response.json()["error"]


def test_control_requests_never_faulted(faulty):
    faulty.inject_fault("graphql", "html_502")

    assert requests.get(f"{faulty.base_url}/_sandbox/health", timeout=TIMEOUT).status_code == 200
    assert len(faulty.pending_faults()) == 1


def test_cli_injects_and_clears(faulty, token, capsys):
    port = str(faulty.port)

    injected = cli_main(["inject-fault", "graphql", "response", "--status", "418", "--port", port])
    status = graphql(faulty, token, QUERY).status_code
    cleared = cli_main(["inject-fault", "graphql", "html_502", "--port", port])
    cleared += cli_main(["clear-faults", "--port", port])

    assert injected == 0
    assert status == 418
    assert cleared == 0
    assert faulty.pending_faults() == []


def test_cli_reports_invalid_fault(faulty, capsys):
    code = cli_main(["inject-fault", "graphql", "delay", "--port", str(faulty.port)])

    assert code == 1
    assert "needs delay" in capsys.readouterr().err
