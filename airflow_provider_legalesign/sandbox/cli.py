"""
Command line of the sandbox: ``python -m airflow_provider_legalesign.sandbox``.

Without a subcommand it starts both servers, prints the Airflow connections (API key, SRP login and
password login) and serves until SIGINT or SIGTERM. The subcommands ``sign``, ``reject``, ``documents``, ``counts``,
``inject-fault`` and ``clear-faults`` talk to the control endpoints of a sandbox that is already
running.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import signal
import sys
import threading
from typing import Any

import requests

from airflow_provider_legalesign.sandbox.faults import KINDS, SIDES
from airflow_provider_legalesign.sandbox.servers import HOST, PortInUseError
from airflow_provider_legalesign.sandbox.service import Sandbox

log = logging.getLogger(__name__)

DEFAULT_PORT = 8765
DEFAULT_COGNITO_PORT = 8766
CONTROL_TIMEOUT_SECONDS = 10
PROGRAM = "python -m airflow_provider_legalesign.sandbox"


def _non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port from 0 to 65535, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with the serve options and the control subcommands."""
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description=(
            "Run a local stand-in for Legalesign on 127.0.0.1: moto's Cognito for logins and a"
            " GraphQL server with a seeded user, group, template and documents. Without a"
            " subcommand it serves until Ctrl+C or SIGTERM."
        ),
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help="GraphQL port on 127.0.0.1, or 0 for a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--cognito-port",
        type=_port,
        default=DEFAULT_COGNITO_PORT,
        help="Cognito port on 127.0.0.1, or 0 for a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--access-token-ttl",
        type=_positive_int,
        default=3600,
        metavar="SECONDS",
        help="seconds an access token is accepted, also sent as ExpiresIn on login (default: %(default)s)",
    )
    parser.add_argument(
        "--task-delay",
        type=_non_negative_float,
        default=1.0,
        metavar="SECONDS",
        help="seconds from send until the task completes and the document exists (default: %(default)s)",
    )
    parser.add_argument(
        "--link-ttl",
        type=_non_negative_float,
        default=60.0,
        metavar="SECONDS",
        help="seconds a document.link download URL stays valid (default: %(default)s)",
    )
    parser.add_argument(
        "--auto-sign-after",
        type=_non_negative_float,
        default=None,
        metavar="SECONDS",
        help="sign every sent document automatically this many seconds after send (default: never)",
    )
    parser.add_argument(
        "--seed-documents",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="number of extra documents to add to the seeded group (default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="level of the log lines written to stderr (default: %(default)s)",
    )

    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in (
        ("sign", "mark a document in progress as signed by every recipient"),
        ("reject", "mark a document in progress as rejected by its first unsigned recipient"),
    ):
        command = subcommands.add_parser(name, help=summary, description=f"On a running sandbox, {summary}.")
        command.add_argument("document_id", metavar="DOC_ID", help="the document's GraphQL id")
        _add_control_port(command)
    documents = subcommands.add_parser("documents", help="print the stored documents as JSON")
    documents.add_argument("--tag", help="print only documents with this tag")
    _add_control_port(documents)
    counts = subcommands.add_parser("counts", help="print the request counts as JSON")
    counts.add_argument("--reset", action="store_true", help="set the counts back to zero after printing")
    _add_control_port(counts)
    _add_fault_commands(subcommands)
    return parser


def _add_fault_commands(subcommands: Any) -> None:
    inject = subcommands.add_parser(
        "inject-fault",
        help="make the next matching requests of one side fail",
        description=(
            "On a running sandbox, make the next COUNT requests of SIDE (optionally only those of one"
            " operation) fail with KIND. Prints the pending faults."
        ),
    )
    inject.add_argument("side", choices=SIDES, help="the server side whose requests fail")
    inject.add_argument("kind", choices=KINDS, help="how they fail")
    inject.add_argument(
        "--count",
        type=_positive_int,
        default=1,
        help="how many matching requests fail (default: %(default)s)",
    )
    inject.add_argument(
        "--operation",
        help="only requests of this Cognito action (InitiateAuth) or GraphQL root field (send)",
    )
    inject.add_argument("--status", type=int, help="HTTP status of a response fault")
    inject.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="a response header of a response fault; repeat for several",
    )
    inject.add_argument("--body", help="body of a response fault, sent as it is")
    inject.add_argument(
        "--delay", type=_non_negative_float, metavar="SECONDS", help="seconds a delay fault waits"
    )
    inject.add_argument(
        "--retry-after",
        type=_non_negative_float,
        metavar="SECONDS",
        help="Retry-After of a GraphQL throttle fault (default: 1)",
    )
    _add_control_port(inject)
    clear = subcommands.add_parser("clear-faults", help="drop every pending fault")
    _add_control_port(clear)


def _add_control_port(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help="GraphQL port of the running sandbox on 127.0.0.1 (default: %(default)s)",
    )


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(args, "log_level", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command is None:
        return serve(args)
    return run_control_command(args)


def serve(args: argparse.Namespace) -> int:
    """Start the sandbox, print how to connect, and serve until SIGINT or SIGTERM."""
    sandbox = Sandbox(
        port=args.port,
        cognito_port=args.cognito_port,
        access_token_ttl=args.access_token_ttl,
        task_delay=args.task_delay,
        link_ttl=args.link_ttl,
        auto_sign_after=args.auto_sign_after,
        seed_documents=args.seed_documents,
    )
    try:
        sandbox.start()
    except PortInUseError as error:
        print(f"error: {error.strerror}", file=sys.stderr)
        return 1

    stop_requested = threading.Event()

    def request_stop(signal_number: int, _frame: Any) -> None:
        log.info("Received %s, stopping", signal.Signals(signal_number).name)
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        _print_banner(sandbox)
        # A timed wait lets the main thread run the signal handlers promptly.
        while not stop_requested.wait(timeout=0.2):
            pass
    finally:
        sandbox.stop()
    return 0


def _print_banner(sandbox: Sandbox) -> None:
    connection_json = sandbox.connection_json()
    lines = [
        "Legalesign sandbox is running. Stop it with Ctrl+C.",
        f"GraphQL endpoint: {sandbox.graphql_url}",
        f"Cognito endpoint: {sandbox.cognito_url}",
        f"User pool id: {sandbox.user_pool_id}  App client id: {sandbox.client_id}",
        f"User: {sandbox.username}  Password: {sandbox.password}",
        f"API key: {sandbox.api_key}",
        f"Group id: {sandbox.group_id}",
        f"Template id: {sandbox.template_id}  Role id: {sandbox.role_id}",
        "Airflow connection with the API key (JSON):",
        json.dumps(sandbox.api_key_connection()),
        "Airflow connection with an SRP login (JSON):",
        json.dumps(sandbox.connection(auth_flow="USER_SRP_AUTH")),
        "Airflow connection with a password login (JSON):",
        connection_json,
        f"export AIRFLOW_CONN_LEGALESIGN_DEFAULT={shlex.quote(connection_json)}",
    ]
    print("\n".join(lines), flush=True)


def run_control_command(args: argparse.Namespace) -> int:
    """Send one control request to a running sandbox and print the JSON response."""
    base = f"http://{HOST}:{args.port}/_sandbox"
    if args.command in ("sign", "reject"):
        method, url, body = "POST", f"{base}/documents/{args.command}", {"documentId": args.document_id}
    elif args.command == "inject-fault":
        try:
            method, url, body = "POST", f"{base}/faults", _fault_request(args)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    elif args.command == "clear-faults":
        method, url, body = "DELETE", f"{base}/faults", None
    elif args.command == "documents":
        method, url, body = "GET", f"{base}/documents", None
    else:
        method, url, body = "GET", f"{base}/counts", None

    params = {"tag": args.tag} if args.command == "documents" and args.tag else None
    try:
        response = requests.request(method, url, json=body, params=params, timeout=CONTROL_TIMEOUT_SECONDS)
        if args.command == "counts" and args.reset and response.ok:
            requests.post(f"{base}/counts/reset", timeout=CONTROL_TIMEOUT_SECONDS).raise_for_status()
    except requests.RequestException as error:
        print(
            f"error: no sandbox answered on {HOST}:{args.port} ({error.__class__.__name__}). Start one"
            f" with `{PROGRAM} --port {args.port}` or pass the --port it uses",
            file=sys.stderr,
        )
        return 1

    try:
        response_body = response.json()
    except ValueError:
        response_body = {"error": response.text}
    if not response.ok:
        print(
            f"error: {args.command} failed with HTTP {response.status_code}: {response_body.get('error')}",
            file=sys.stderr,
        )
        return 1
    print(json.dumps(response_body, indent=2))
    return 0


def _fault_request(args: argparse.Namespace) -> dict[str, Any]:
    """Return the JSON body of ``POST /_sandbox/faults`` for the ``inject-fault`` arguments."""
    headers: dict[str, str] = {}
    for item in args.header:
        name, separator, value = item.partition(":")
        if not separator or not name.strip():
            raise ValueError(f"--header must look like NAME:VALUE, got {item!r}")
        headers[name.strip()] = value.strip()
    fields = {
        "side": args.side,
        "kind": args.kind,
        "count": args.count,
        "operation": args.operation,
        "status": args.status,
        "headers": headers or None,
        "body": args.body,
        "delay": args.delay,
        "retry_after": args.retry_after,
    }
    # The server rejects fields that the kind does not use, so only the given ones are sent.
    return {name: value for name, value in fields.items() if value is not None}
