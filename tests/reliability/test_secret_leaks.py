"""
Secret-leak scan: run representative flows with distinctive secrets and search everything they left.

Secrets: the password (a right and a wrong one), the app client secret, SECRET_HASH, every token
Cognito issued, every bearer token sent, and the signature of every download link. The recorder on
the sandbox's servers collects those that only exist at run time, also inside ``airflow dags test``.

Places searched: the log records and printed output of the in-process flows, exception texts with
their chained causes and tracebacks, rendered template fields, and returned (XCom) values. From the
DAG runs: the output of ``airflow dags test``, every file under AIRFLOW_HOME/logs, and every cell of
every table of Airflow's SQLite database (XCom, rendered fields, task instances). The test requires
0 hits.
"""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import textwrap
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

# redact is Airflow's own masking function.
from airflow.providers.common.compat.sdk import DAG, redact

from airflow_provider_legalesign.exceptions import LegalesignError
from airflow_provider_legalesign.hooks.legalesign import LegalesignHook
from airflow_provider_legalesign.operators.legalesign import (
    LegalesignDownloadDocumentOperator,
    LegalesignGraphQLOperator,
)
from airflow_provider_legalesign.queries import SEND_DOCUMENT
from tests.airflow_version import AIRFLOW_3
from tests.dag_runner import AirflowEnvironment
from tests.reliability.conftest import MAX_ATTEMPTS, TIMEOUT
from tests.reliability.secret_recorder import SecretRecorder, record_secrets
from tests.sandbox.conftest import send_input

pytestmark = [pytest.mark.integration, pytest.mark.dags]

CANARY_USER = "leak.canary@example.com"
CANARY_PASSWORD = "Canary-Pw-9f81c2!x"
WRONG_PASSWORD = "Canary-Wrong-5d0e7!y"
QUERY_FILE = "query Me { user { id email firstName } }\n"

# The sandbox's server side logs what it receives, as a real service's access log would, so its
# records are not the provider's output.
SERVER_LOGGERS = ("airflow_provider_legalesign.sandbox", "werkzeug")
PROVIDER_LOGGERS = ("airflow_provider_legalesign", "airflow.task")


@dataclass
class Scan:
    """The texts to search, by kind of place, and the secrets to search them for."""

    places: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, text: Any) -> None:
        self.places.setdefault(kind, []).append(text if isinstance(text, str) else repr(text))

    def add_exception(self, error: BaseException) -> None:
        self.add("exception texts", str(error))
        self.add("exception texts", "".join(traceback.format_exception(error)))

    def hits(self, secrets: dict[str, str]) -> list[str]:
        """Return where each hit is and the text around it, with the secret replaced by its label."""
        found = []
        for kind, texts in self.places.items():
            for index, text in enumerate(texts):
                for secret, label in secrets.items():
                    position = text.find(secret)
                    if position >= 0:
                        context = text[max(0, position - 160) : position + len(secret) + 60]
                        found.append(f"{label} in {kind} #{index}: {context.replace(secret, f'<{label}>')}")
        return found

    def summary(self) -> str:
        counts = ", ".join(f"{kind}: {len(texts)}" for kind, texts in sorted(self.places.items()))
        return f"{sum(len(texts) for texts in self.places.values())} places ({counts})"


@pytest.fixture(scope="module")
def canary(sandbox) -> dict[str, Any]:
    """A user and an app client with a secret, so that logins send SECRET_HASH."""
    sandbox.create_user(CANARY_USER, CANARY_PASSWORD)
    client_id, client_secret = sandbox.create_app_client(generate_secret=True)
    assert client_secret is not None
    connection = sandbox.connection(
        client_id=client_id, client_secret=client_secret, timeout=TIMEOUT, max_attempts=MAX_ATTEMPTS
    )
    connection["login"] = CANARY_USER
    connection["password"] = CANARY_PASSWORD
    return connection


@pytest.fixture(scope="module")
def recorder(sandbox) -> SecretRecorder:
    return record_secrets(sandbox)


def wrong_password(connection: dict[str, Any]) -> dict[str, Any]:
    return {**connection, "password": WRONG_PASSWORD}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_flows(sandbox, connection, set_connection, folder: Path, scan: Scan) -> list[str]:
    """Run every in-process flow, add what each left to ``scan``, and return the flow outcomes."""
    (folder / "me.graphql").write_text(QUERY_FILE)
    document_id = next(item["id"] for item in sandbox.documents() if item["status"] == "completed")

    def templated_operator() -> Any:
        with DAG("leaks", schedule=None, start_date=datetime(2026, 1, 1), template_searchpath=[str(folder)]):
            operator = LegalesignGraphQLOperator(
                task_id="me", query="me.graphql", variables={"day": "{{ ds }}", "title": "{{ params.title }}"}
            )
        operator.resolve_template_files()
        operator.render_template_fields({"ds": "2026-01-31", "params": {"title": "Leak scan"}})
        scan.add("rendered template fields", operator.query)
        scan.add("rendered template fields", json.dumps(operator.variables))
        return operator.execute({})

    def download() -> Any:
        operator = LegalesignDownloadDocumentOperator(
            task_id="pdf", document_id=document_id, destination=f"{folder}/pdf/"
        )
        return operator.execute({})

    def send() -> Any:
        return LegalesignHook().run_query(SEND_DOCUMENT, {"input": send_input(sandbox)}, "SendDocument")

    def query() -> Any:
        return LegalesignHook().run_query("{ user { id } }")

    good = connection
    bad_extra = {**connection, "extra": json.dumps(connection["extra"])[:-1]}
    refused = {**connection, "host": f"http://127.0.0.1:{closed_port()}/graphql"}
    flows: list[tuple[str, dict[str, Any], list[dict[str, Any]], Any]] = [
        ("success with a query file and templates", good, [], templated_operator),
        (
            "retries: throttled login, 502 page, dropped connection",
            good,
            [
                {"side": "cognito", "kind": "throttle"},
                {"side": "graphql", "kind": "html_502"},
                {"side": "graphql", "kind": "drop_before"},
            ],
            templated_operator,
        ),
        ("401 replay", good, [{"side": "graphql", "kind": "expired_token"}], query),
        ("401 twice", good, [{"side": "graphql", "kind": "expired_token", "count": 2}], query),
        ("mutation not replayed", good, [{"side": "graphql", "kind": "drop_after"}], send),
        ("GraphQL validation error", good, [], lambda: LegalesignHook().run_query("{ user { nickname } }")),
        ("wrong password", wrong_password(good), [], query),
        ("extra cut short", bad_extra, [], query),
        ("invalid timeout", {**good, "extra": {**good["extra"], "timeout": "soon"}}, [], query),
        ("endpoint refused", refused, [], query),
        ("connection test with a wrong password", wrong_password(good), [], LegalesignHook().test_connection),
        (
            "download: expired link, then a 502 page",
            good,
            [{"side": "files", "kind": "expired_token"}, {"side": "files", "kind": "html_502"}],
            download,
        ),
        ("download: 404", good, [{"side": "files", "kind": "response", "status": 404}], download),
    ]

    outcomes = []
    for name, flow_connection, faults, flow in flows:
        from airflow_provider_legalesign.auth.token_cache import token_cache

        token_cache.clear()
        sandbox.clear_faults()
        for fault in faults:
            sandbox.inject_fault(**fault)
        set_connection(flow_connection)
        try:
            result = flow()
        except LegalesignError as error:
            scan.add_exception(error)
            outcomes.append(f"{name}: {type(error).__name__}")
        else:
            scan.add("returned (XCom) values", json.dumps(result, default=str))
            outcomes.append(f"{name}: returned")
    sandbox.clear_faults()
    return outcomes


LEAK_DAG = """
from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_provider_legalesign.operators.legalesign import (
    LegalesignDownloadDocumentOperator,
    LegalesignGraphQLOperator,
)

with DAG(
    "leak_scan",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    template_searchpath=[{folder!r}],
):
    fetch = LegalesignGraphQLOperator(
        task_id="fetch_user", query="me.graphql", variables={{"day": "{{{{ ds }}}}"}}
    )
    download = LegalesignDownloadDocumentOperator(
        task_id="download", document_id={document_id!r}, destination={destination!r}
    )
    bad_login = LegalesignGraphQLOperator(
        task_id="bad_login", query="{{ user {{ id }} }}", legalesign_conn_id="legalesign_wrong"
    )
    fetch >> download >> bad_login
"""


def run_dags(sandbox, connection, airflow_home: Path, folder: Path, scan: Scan) -> None:
    """Run a DAG with faults and a failing login, and the example DAG, under ``airflow dags test``."""
    dags = folder / "dags"
    dags.mkdir()
    document_id = next(item["id"] for item in sandbox.documents() if item["status"] == "completed")
    (dags / "leak_scan.py").write_text(
        textwrap.dedent(
            LEAK_DAG.format(folder=str(folder), document_id=document_id, destination=f"{folder}/dag_pdf/")
        )
    )
    connections = {"legalesign_default": connection, "legalesign_wrong": wrong_password(connection)}

    sandbox.inject_fault("cognito", "throttle", operation="InitiateAuth")
    sandbox.inject_fault("graphql", "expired_token", operation="user")
    sandbox.inject_fault("graphql", "html_502", operation="document")
    sandbox.inject_fault("files", "expired_token")
    sandbox.inject_fault("files", "html_502")
    environment = AirflowEnvironment(airflow_home, dags_folder=dags)
    # NOTE: at the default INFO level. At DEBUG, Airflow 3.3 itself prints secrets: its task supervisor
    # logs the value of each secret that a task registers for masking, and the console output of
    # `airflow dags test` is not masked, so urllib3's request lines show download link signatures.
    result = environment.dags_test("leak_scan", connections)
    scan.add("airflow dags test output", result.output)
    assert environment.task_states("leak_scan") == {
        "fetch_user": "success",
        "download": "success",
        "bad_login": "failed",
    }, result.output[-3000:]
    assert sandbox.pending_faults() == []

    sandbox.inject_fault("cognito", "html_502")
    sandbox.inject_fault("graphql", "expired_token", operation="user")
    example = AirflowEnvironment(airflow_home)
    example_result = example.dags_test("example_legalesign_user", {"legalesign_default": connection})
    scan.add("airflow dags test output", example_result.output)
    assert example_result.returncode == 0, example_result.output[-3000:]
    assert sandbox.pending_faults() == []


def add_log_record(record: logging.LogRecord, scan: Scan) -> None:
    """Add one in-process log record as a task log would show it."""
    if record.name.startswith(SERVER_LOGGERS):
        return
    text = record.getMessage()
    if record.exc_info:
        text += "".join(traceback.format_exception(*record.exc_info))
    if record.name.startswith(PROVIDER_LOGGERS):
        scan.add("provider log records", text)
    else:
        # Airflow masks registered secrets in everything a task logs, so other libraries' records
        # (urllib3 logs each request line at DEBUG) are searched as that masking leaves them.
        scan.add("library log records, as masked", redact(text))


def add_airflow_home(airflow_home: Path, scan: Scan) -> None:
    scan.places.setdefault("task log files", [])
    for path in sorted((airflow_home / "logs").rglob("*")):
        if path.is_file():
            scan.add("task log files", path.read_text(errors="replace"))
    with sqlite3.connect(airflow_home / "airflow.db") as database:
        tables = [row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in database.execute(f'SELECT * FROM "{table}"'):
                for cell in row:
                    if cell is None:
                        continue
                    text = cell.decode("utf-8", errors="replace") if isinstance(cell, bytes) else str(cell)
                    scan.add("database cells", text)


def search_terms(recorder: SecretRecorder, connection: dict[str, Any]) -> dict[str, str]:
    """Return every secret to search for, with a label; a JWT also by its payload and signature."""
    terms = {
        CANARY_PASSWORD: "password",
        WRONG_PASSWORD: "wrong password",
        connection["extra"]["client_secret"]: "client secret",
    }
    for value, kind in recorder.all_values().items():
        terms[value] = kind
        parts = value.split(".")
        if len(parts) == 3:
            terms[parts[1]] = f"{kind} (JWT payload)"
            terms[parts[2]] = f"{kind} (JWT signature)"
    return terms


# Under Airflow 2 this test process also prints urllib3's DEBUG request lines, and the one for the PDF
# download contains the signed link, which Airflow masks only in task logs. Airflow 3 does not print them.
@pytest.mark.skipif(not AIRFLOW_3, reason="Airflow 2 prints urllib3's DEBUG lines with the signed link")
def test_no_secret_leaks(sandbox, canary, recorder, set_connection, airflow_home, tmp_path, caplog, capsys):
    scan = Scan()
    caplog.set_level("DEBUG")

    outcomes = run_flows(sandbox, canary, set_connection, tmp_path, scan)
    run_dags(sandbox, canary, airflow_home, tmp_path, scan)

    for record in caplog.records:
        add_log_record(record, scan)
    output = capsys.readouterr()
    for line in (output.out + output.err).splitlines():
        scan.add("printed log lines", line)
    add_airflow_home(airflow_home, scan)
    terms = search_terms(recorder, canary)
    kinds = {kind for kind in terms.values() if "JWT" not in kind}

    hits = scan.hits(terms)
    with capsys.disabled():
        print(f"\nLeak scan: {len(terms)} secret strings searched in {scan.summary()}: {len(hits)} hits")
    assert hits == []
    assert {"AccessToken", "SECRET_HASH", "bearer token", "link signature", "PASSWORD"} <= kinds
    assert len(outcomes) == 13
