"""
The bad-input table: connection fields, operator arguments and templates that users get wrong.

Each case runs the way a DAG author would meet it: a connection read by the hook, an operator
built with the arguments, or an operator built in a DAG and rendered by Airflow's own template
code. It either fails with a clear error that names the field and the fix, or works as a user
would expect. The table also feeds ``docs/reliability.md``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.sandbox.conftest import send_input

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from airflow_provider_legalesign.sandbox import Sandbox

QUERY = "query Me { user { id email } }"
SEND = "mutation Send($input: DocumentSendSettingsInput!) { send(input: $input) }"


@dataclass
class Harness:
    """What a case needs: the sandbox, a folder for query files, Airflow's connection, the logs."""

    sandbox: Sandbox
    folder: Path
    set_connection: Callable[..., str]
    # Returns what was logged so far: hooks log through structlog, which pytest sees as output.
    logged_text: Callable[[], str]
    tag: str = field(default_factory=lambda: f"bad-input-{uuid.uuid4().hex[:12]}")


@dataclass(frozen=True)
class BadInput:
    """
    One input and what a user must see.

    :param area: ``connection``, ``argument`` or ``template``.
    :param name: a short id for the test and the table.
    :param description: the input, as the table shows it.
    :param run: does what a user does with the input and returns the result.
    :param error: the exception class a user sees, or "" when the input works.
    :param message: text that the error message (or, for a working input, the log) contains.
    :param check: for a working input, checks the result; it returns what the table shows.
    """

    area: str
    name: str
    description: str
    run: Callable[[Harness], Any]
    error: str = ""
    message: tuple[str, ...] = ()
    check: Callable[[Any, Harness], None] | None = None
    result: str = ""

    @property
    def outcome(self) -> str:
        return f"{self.error}: {' ... '.join(self.message)}" if self.error else f"works: {self.result}"


# Connection fields.


def run_with_connection(change: Callable[[dict[str, Any]], None]) -> Callable[[Harness], Any]:
    def run(harness: Harness) -> Any:
        from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

        connection = harness.sandbox.connection()
        change(connection)
        harness.set_connection(connection)
        return LegalesignHook().run_query(QUERY)

    return run


def set_field(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(connection: dict[str, Any]) -> None:
        connection[name] = value

    return change


def set_extra(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(connection: dict[str, Any]) -> None:
        connection["extra"][name] = value

    return change


def replace_extra(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(connection: dict[str, Any]) -> None:
        connection["extra"] = value

    return change


def returns_user(result: Any, harness: Harness) -> None:
    assert result["user"]["email"] == harness.sandbox.username


CONNECTION_CASES = [
    BadInput(
        "connection",
        "no-login",
        "login missing",
        run_with_connection(set_field("login", None)),
        "LegalesignConfigurationError",
        ("the login is missing", "Set it to the Legalesign username"),
    ),
    BadInput(
        "connection",
        "no-password",
        "password empty",
        run_with_connection(set_field("password", "")),
        "LegalesignConfigurationError",
        ("the password is missing", "Set it to the Legalesign password"),
    ),
    BadInput(
        "connection",
        "no-client-id",
        "extra `client_id` missing",
        run_with_connection(lambda connection: connection["extra"].pop("client_id")),
        "LegalesignConfigurationError",
        ("extra field client_id is missing", "Set it to the Cognito app client id"),
    ),
    BadInput(
        "connection",
        "extra-not-json",
        "extra is `{client_id: abc` (not JSON)",
        run_with_connection(replace_extra("{client_id: abc")),
        "LegalesignConfigurationError",
        ("the extra field is not valid JSON", 'Write it as a JSON object, for example {"client_id": "..."}'),
    ),
    BadInput(
        "connection",
        "extra-array",
        'extra is `["client_id"]` (a JSON array)',
        run_with_connection(replace_extra('["client_id"]')),
        "LegalesignConfigurationError",
        ("the extra field must be a JSON object", "not a JSON list"),
    ),
    BadInput(
        "connection",
        "client-id-number",
        "extra `client_id` is the number 12345",
        run_with_connection(set_extra("client_id", 12345)),
        "LegalesignConfigurationError",
        ("the extra field client_id must be a string", "not int"),
    ),
    BadInput(
        "connection",
        "region-name",
        "extra `region` is `London`",
        run_with_connection(set_extra("region", "London")),
        "LegalesignConfigurationError",
        ("the extra field region 'London' is not an AWS region name", "such as 'eu-west-2'"),
    ),
    BadInput(
        "connection",
        "host-no-scheme",
        "host is `graphql.uk.legalesign.com` (no scheme)",
        run_with_connection(set_field("host", "graphql.uk.legalesign.com")),
        "LegalesignConfigurationError",
        ("host (GraphQL endpoint)", "is not an http(s) URL", "Use a full URL such as"),
    ),
    BadInput(
        "connection",
        "host-plain-http",
        "host is `http://graphql.example.com/graphql` (plain http, not loopback)",
        run_with_connection(set_field("host", "http://graphql.example.com/graphql")),
        "LegalesignConfigurationError",
        ("uses plain http on a host that is not loopback", "Use https"),
    ),
    BadInput(
        "connection",
        "auth-endpoint-scheme",
        "extra `auth_endpoint` is `ftp://127.0.0.1/`",
        run_with_connection(set_extra("auth_endpoint", "ftp://127.0.0.1/")),
        "LegalesignConfigurationError",
        ("extra field auth_endpoint", "is not an http(s) URL"),
    ),
    BadInput(
        "connection",
        "timeout-word",
        'extra `timeout` is `"fast"`',
        run_with_connection(set_extra("timeout", "fast")),
        "LegalesignConfigurationError",
        ("the extra field timeout must be a positive number of seconds, got 'fast'", "Remove it"),
    ),
    BadInput(
        "connection",
        "timeout-zero",
        "extra `timeout` is 0",
        run_with_connection(set_extra("timeout", 0)),
        "LegalesignConfigurationError",
        ("the extra field timeout must be a positive number of seconds, got 0", "default (30)"),
    ),
    BadInput(
        "connection",
        "attempts-fraction",
        "extra `max_attempts` is 2.5",
        run_with_connection(set_extra("max_attempts", 2.5)),
        "LegalesignConfigurationError",
        ("max_attempts must be a positive whole number, got 2.5", "default (5)"),
    ),
    BadInput(
        "connection",
        "attempts-bool",
        "extra `max_attempts` is `true`",
        run_with_connection(set_extra("max_attempts", True)),
        "LegalesignConfigurationError",
        ("max_attempts must be a positive whole number, got True",),
    ),
    BadInput(
        "connection",
        "misspelt-extra",
        "extra has `timout` (misspelt `timeout`)",
        run_with_connection(set_extra("timout", 5)),
        message=("extra fields that this provider does not read: timout", "Check their spelling"),
        check=returns_user,
        result="runs with the defaults and logs a warning naming `timout`",
    ),
    BadInput(
        "connection",
        "wrong-password",
        "wrong password",
        run_with_connection(set_field("password", "Not-the-password-1")),
        "LegalesignAuthError",
        ("Cognito rejected the login", "Check the connection's login and password"),
    ),
    BadInput(
        "connection",
        "unknown-client",
        "extra `client_id` of no app client",
        run_with_connection(set_extra("client_id", "nosuchclient0000000000000")),
        "LegalesignAuthError",
        (
            "ResourceNotFoundException",
            "Check the connection's extra fields client_id, region and auth_endpoint",
        ),
    ),
]


# Operator arguments.


def build_operator(**arguments: Any) -> Any:
    from airflow_provider_legalesign.operators.legalesign import LegalesignGraphQLOperator

    return LegalesignGraphQLOperator(task_id="bad_input", **arguments)


def build(**arguments: Any) -> Callable[[Harness], Any]:
    def run(harness: Harness) -> Any:
        return build_operator(**arguments)

    return run


def execute(**arguments: Any) -> Callable[[Harness], Any]:
    def run(harness: Harness) -> Any:
        harness.set_connection(harness.sandbox.connection())
        return build_operator(**arguments).execute({})

    return run


ARGUMENT_CASES = [
    BadInput(
        "argument",
        "query-none",
        "`query=None`",
        build(query=None),
        "LegalesignConfigurationError",
        ("query must be a non-empty string", "or the path of a .graphql or .gql file"),
    ),
    BadInput(
        "argument",
        "query-blank",
        '`query="   "`',
        build(query="   "),
        "LegalesignConfigurationError",
        ("query must be a non-empty string",),
    ),
    BadInput(
        "argument",
        "query-number",
        "`query=42`",
        build(query=42),
        "LegalesignConfigurationError",
        ("query must be a non-empty string",),
    ),
    BadInput(
        "argument",
        "variables-list",
        '`variables=["id", "abc"]`',
        build(query=QUERY, variables=["id", "abc"]),
        "LegalesignConfigurationError",
        ("variables must be a dict or a JSON object string, not list",),
    ),
    BadInput(
        "argument",
        "variables-json-array",
        "`variables='[1, 2]'` (JSON, but not an object)",
        execute(query=QUERY, variables="[1, 2]"),
        "LegalesignConfigurationError",
        ("variables must be a dict or a JSON object string", "this string is a JSON array"),
    ),
    BadInput(
        "argument",
        "variables-not-json",
        "`variables='id=abc'`",
        execute(query=QUERY, variables="id=abc"),
        "LegalesignConfigurationError",
        ("variables rendered to a string that is not JSON", "Pass a dict, or a JSON object string"),
    ),
    BadInput(
        "argument",
        "variables-datetime",
        "`variables={'from': datetime(...)}`",
        execute(query=QUERY, variables={"from": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}),
        "LegalesignConfigurationError",
        ("not JSON-serialisable", "for example dates with .isoformat()"),
    ),
    BadInput(
        "argument",
        "variables-nan",
        "`variables={'limit': float('nan')}`",
        execute(query=QUERY, variables={"limit": float("nan")}),
        "LegalesignConfigurationError",
        ("not JSON-serialisable", "Convert such values"),
    ),
    BadInput(
        "argument",
        "variables-set",
        "`variables={'ids': {'a', 'b'}}` (a set)",
        execute(query=QUERY, variables={"ids": {"a", "b"}}),
        "LegalesignConfigurationError",
        ("not JSON-serialisable", "lists or dicts"),
    ),
    BadInput(
        "argument",
        "syntax-error",
        "`query='{ user { id }'` (a brace missing)",
        execute(query="{ user { id }"),
        "LegalesignGraphQLError",
        ("not valid GraphQL, so it was not sent", "line 1, column 14"),
    ),
    BadInput(
        "argument",
        "fragments-only",
        "a document with only a fragment",
        execute(query="fragment F on User { id }"),
        "LegalesignConfigurationError",
        ("defines no operation", "Add a query or a mutation"),
    ),
    BadInput(
        "argument",
        "two-operations",
        "two operations and no `operation_name`",
        execute(query="query A { user { id } } query B { user { email } }"),
        "LegalesignConfigurationError",
        ("defines 2 operations ('A', 'B')", "Pass operation_name to choose one"),
    ),
    BadInput(
        "argument",
        "unknown-operation",
        "`operation_name='C'`, which the document does not define",
        execute(query="query A { user { id } }", operation_name="C"),
        "LegalesignConfigurationError",
        ("has no operation named 'C'", "Fix operation_name"),
    ),
    BadInput(
        "argument",
        "subscription",
        "a subscription",
        execute(query="subscription S { documentSigned { id } }"),
        "LegalesignConfigurationError",
        ("subscription operations need a WebSocket connection and are not supported", "poll"),
    ),
    BadInput(
        "argument",
        "unknown-field",
        "a field the schema does not have",
        execute(query="{ user { nickname } }"),
        "LegalesignGraphQLError",
        ("[ValidationError]", "nickname"),
    ),
    BadInput(
        "argument",
        "missing-variable",
        "a required variable not passed",
        execute(query="query D($id: ID!) { document(id: $id) { id } }"),
        "LegalesignGraphQLError",
        ("[ValidationError]", "$id"),
    ),
    BadInput(
        "argument",
        "unknown-conn-id",
        "`legalesign_conn_id='legalesign_typo'`",
        execute(query=QUERY, legalesign_conn_id="legalesign_typo"),
        "AirflowNotFoundException",
        ("legalesign_typo",),
    ),
    BadInput(
        "argument",
        "result-too-large",
        "a result larger than `max_result_bytes` (here 50)",
        execute(query="{ user { id email firstName lastName } }", max_result_bytes=50),
        "LegalesignConfigurationError",
        ("more than max_result_bytes (50)", "was not pushed to XCom", "Select fewer fields"),
    ),
]


# Templates: the operator is built in a DAG and rendered by Airflow.


def render(
    query: str,
    *,
    files: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    native: bool = False,
    **arguments: Any,
) -> Callable[[Harness], Any]:
    def run(harness: Harness) -> Any:
        from airflow.providers.common.compat.sdk import DAG

        for name, text in (files or {}).items():
            (harness.folder / name).write_text(text)
        harness.set_connection(harness.sandbox.connection())
        with DAG(
            f"bad_input_{harness.tag.replace('-', '_')}",
            schedule=None,
            start_date=dt.datetime(2026, 1, 1),
            template_searchpath=[str(harness.folder)],
            render_template_as_native_obj=native,
        ):
            operator = build_operator(query=query, **resolve_arguments(arguments, harness))
        operator.resolve_template_files()
        operator.render_template_fields({"params": params or {}, "ds": "2026-01-31"})
        return operator.execute({})

    return run


def resolve_arguments(arguments: dict[str, Any], harness: Harness) -> dict[str, Any]:
    """Fill in the sandbox's send input where a case asks for it with the key ``send_title``."""
    if "send_title" not in arguments:
        return arguments
    resolved = dict(arguments)
    title = resolved.pop("send_title")
    resolved["variables"] = {"input": send_input(harness.sandbox, title=title, tag=harness.tag)}
    return resolved


def sent_title(expected: str) -> Callable[[Any, Harness], None]:
    def check(result: Any, harness: Harness) -> None:
        assert [document["name"] for document in harness.sandbox.documents(harness.tag)] == [expected]

    return check


COMMENT_BRACE = "query Me {# the signed-in user\n  user { id email }\n}\n"

TEMPLATE_CASES = [
    BadInput(
        "template",
        "file-missing",
        "`query='missing.graphql'`, a file that does not exist",
        render("missing.graphql"),
        "LegalesignConfigurationError",
        ("query file 'missing.graphql' was not found", "template_searchpath"),
    ),
    BadInput(
        "template",
        "file-empty",
        "a query file that is empty",
        render("empty.graphql", files={"empty.graphql": ""}),
        "LegalesignConfigurationError",
        ("the query file 'empty.graphql' is empty", "Write the GraphQL operation into it"),
    ),
    BadInput(
        "template",
        "file-syntax-error",
        "a query file with invalid GraphQL",
        render("broken.graphql", files={"broken.graphql": "query Me {\n  user { id \n"}),
        "LegalesignGraphQLError",
        ("not valid GraphQL, so it was not sent", "line 2, column 13"),
    ),
    BadInput(
        "template",
        "comment-after-brace",
        "`{#` in an inline query (a comment right after a brace)",
        render(COMMENT_BRACE),
        "LegalesignConfigurationError",
        ("query is not a valid Jinja template", '"{#" starts a Jinja comment', "{% raw %}"),
    ),
    BadInput(
        "template",
        "comment-after-brace-file",
        "`{#` in a query file",
        render("me.graphql", files={"me.graphql": COMMENT_BRACE}),
        "LegalesignConfigurationError",
        ("query is not a valid Jinja template", "me.graphql", "{% raw %}"),
    ),
    BadInput(
        "template",
        "literal-braces",
        "`{{ name }}` meant literally, in a string of the query",
        render('mutation { send(input: {title: "Dear {{ name }}"}) }'),
        "LegalesignConfigurationError",
        ("query field uses a value that is not defined", "'name' is undefined", "{% raw %}"),
    ),
    BadInput(
        "template",
        "raw-block",
        "`{% raw %}` around text with `{{`",
        render("{% raw %}" + SEND + "{% endraw %}", send_title="{% raw %}Dear {{ name }}{% endraw %}"),
        check=sent_title("Dear {{ name }}"),
        result="the braces are sent as they are",
    ),
    BadInput(
        "template",
        "inline-ending-graphql",
        "inline query text that ends in `.graphql`",
        render(QUERY + "\n# Kept in sync with queries/current_user.graphql"),
        check=returns_user,
        result="runs as inline text, not read as a file",
    ),
    BadInput(
        "template",
        "variable-ending-graphql",
        "a variables value that ends in `.graphql`",
        render(SEND, send_title="schema.graphql"),
        check=sent_title("schema.graphql"),
        result="the value is sent as it is, not read as a file",
    ),
    BadInput(
        "template",
        "file-found",
        "`query='me.graphql'`, a file in `template_searchpath`",
        render("me.graphql", files={"me.graphql": QUERY}),
        check=returns_user,
        result="the file's text is sent",
    ),
    BadInput(
        "template",
        "variables-json-template",
        "`variables` a JSON string built by a template",
        render(QUERY, variables='{"unused": "{{ ds }}"}'),
        check=returns_user,
        result="rendered, then decoded as JSON",
    ),
    BadInput(
        "template",
        "variables-bad-json-template",
        "`variables` a template that renders to invalid JSON",
        render(QUERY, variables="{'day': '{{ ds }}'}"),
        "LegalesignConfigurationError",
        ("variables rendered to a string that is not JSON", "Pass a dict, or a JSON object string"),
    ),
    BadInput(
        "template",
        "variables-undefined",
        "`variables` using an undefined template value",
        render(QUERY, variables={"id": "{{ params.document }}"}),
        "LegalesignConfigurationError",
        ("variables field uses a value that is not defined", "document"),
    ),
    BadInput(
        "template",
        "native-datetime",
        "native rendering that turns a variable into a datetime",
        render(
            QUERY,
            native=True,
            params={"when": dt.datetime(2026, 1, 31, tzinfo=dt.UTC)},
            variables={"from": "{{ params.when }}"},
        ),
        "LegalesignConfigurationError",
        ("not JSON-serialisable", ".isoformat()"),
    ),
]

BAD_INPUTS = CONNECTION_CASES + ARGUMENT_CASES + TEMPLATE_CASES
