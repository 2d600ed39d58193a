from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from typing import IO

import pytest
import requests

from airflow_provider_legalesign.sandbox.servers import bind_socket

pytestmark = pytest.mark.integration

MODULE = "airflow_provider_legalesign.sandbox"
STARTUP_TIMEOUT = 30


def read_until_export(stream: IO[str]) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("export AIRFLOW_CONN_LEGALESIGN_DEFAULT="):
            return lines
    raise AssertionError(f"the CLI printed no export line. It printed {lines}")


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", MODULE, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def cli_process() -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, "--port", "0", "--cognito-port", "0", "--task-delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    yield process
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def test_cli_prints_connection_and_stops_on_sigterm(cli_process: subprocess.Popen[str]) -> None:
    assert cli_process.stdout is not None
    lines = read_until_export(cli_process.stdout)
    connection_line = lines[lines.index("Airflow connection with a password login (JSON):") + 1]
    connection = json.loads(connection_line)
    assert connection["conn_type"] == "legalesign"
    assert connection["login"] == "sandbox.user@example.com"
    assert connection["extra"]["region"] == "eu-west-2"
    assert lines[-1] == f"export AIRFLOW_CONN_LEGALESIGN_DEFAULT='{connection_line}'"

    login = requests.post(
        connection["extra"]["auth_endpoint"],
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        json={
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": connection["extra"]["client_id"],
            "AuthParameters": {"USERNAME": connection["login"], "PASSWORD": connection["password"]},
        },
        timeout=10,
    )
    token = login.json()["AuthenticationResult"]["AccessToken"]
    user = requests.post(
        connection["host"],
        json={"query": "{ user { email } }"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert user.json() == {"data": {"user": {"email": "sandbox.user@example.com"}}}

    api_key_line = lines[lines.index("Airflow connection with the API key (JSON):") + 1]
    api_key_connection = json.loads(api_key_line)
    [key_line] = [line for line in lines if line.startswith("API key: ")]
    assert api_key_connection["password"] == key_line.removeprefix("API key: ")
    assert api_key_connection["extra"] == {"auth_type": "api_key"}
    with_key = requests.post(
        api_key_connection["host"],
        json={"query": "{ user { email } }"},
        headers={"Authorization": f"Bearer {api_key_connection['password']}"},
        timeout=10,
    )
    assert with_key.json() == {"data": {"user": {"email": "sandbox.user@example.com"}}}

    port = str(urllib.parse.urlsplit(connection["host"]).port)
    documents = run_cli("documents", "--tag", "sandbox-seed", "--port", port)
    assert documents.returncode == 0, documents.stderr
    in_progress = [d for d in json.loads(documents.stdout) if d["status"] == "inprogress"]
    signed = run_cli("sign", in_progress[0]["id"], "--port", port)
    assert signed.returncode == 0, signed.stderr
    assert json.loads(signed.stdout)["status"] == "completed"
    again = run_cli("reject", in_progress[0]["id"], "--port", port)
    assert again.returncode == 1
    assert "HTTP 409" in again.stderr

    cli_process.send_signal(signal.SIGTERM)
    assert cli_process.wait(timeout=15) == 0
    assert cli_process.stderr is not None
    assert "Sandbox stopped" in cli_process.stderr.read()


def test_cli_port_in_use_exits_non_zero() -> None:
    occupied_socket = bind_socket(0, "test")
    try:
        port = str(occupied_socket.getsockname()[1])
        result = run_cli("--port", port, "--cognito-port", "0")
    finally:
        occupied_socket.close()
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 (GraphQL) is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_control_command_without_sandbox_fails_clearly() -> None:
    probe = bind_socket(0, "test")
    port = str(probe.getsockname()[1])
    probe.close()
    result = run_cli("counts", "--port", port)
    assert result.returncode == 1
    assert f"no sandbox answered on 127.0.0.1:{port}" in result.stderr


def test_cli_help_names_units() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for option in (
        "--access-token-ttl",
        "--task-delay",
        "--link-ttl",
        "--auto-sign-after",
        "--seed-documents",
    ):
        assert option in result.stdout
    assert result.stdout.count("seconds") >= 4
