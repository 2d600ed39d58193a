"""
The Legalesign sandbox in a process of its own, and a client for its control endpoints (request counts,
documents, signing).

Running the sandbox apart keeps its request handling off the measured process's interpreter lock and
out of its memory figures, as a remote Legalesign would be. ``python -m bench.sandbox_process`` starts
a :class:`~airflow_provider_legalesign.sandbox.Sandbox`, prints one JSON line with what the benchmarks
need, and serves until its standard input closes. A line ``sign <id> <id> ...`` on its standard input
signs those documents through :meth:`Sandbox.sign_document`, and the process replies ``signed <n>``.
"""

from __future__ import annotations

import argparse
import json
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import IO, Any

import requests

from bench.environment import REPO_ROOT, child_environment, log_dir

CONTROL_TIMEOUT_SECONDS = 30
START_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class SandboxInfo:
    """
    Connection, addresses and seeded ids of a running sandbox.

    :param connection: the Airflow connection (password login) in JSON form, for ``AIRFLOW_CONN_<ID>``.
    :param base_url: the GraphQL server's root, where the ``/_sandbox/`` control endpoints are.
    :param group_id: the seeded group.
    :param template_id: the seeded template.
    :param role_id: the seeded template's signer role.
    """

    connection: dict[str, Any]
    base_url: str
    group_id: str
    template_id: str
    role_id: str

    def to_dict(self) -> dict[str, Any]:
        """Return the info as JSON-ready data."""
        return {
            "connection": self.connection,
            "base_url": self.base_url,
            "group_id": self.group_id,
            "template_id": self.template_id,
            "role_id": self.role_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxInfo:
        """Rebuild the info from :meth:`to_dict` output."""
        return cls(**data)


class SandboxProcess:
    """
    A sandbox on free ports of 127.0.0.1, in a process started with ``python -m bench.sandbox_process``.

    :param name: a label for the log file.
    :param seed_documents: extra documents in the seeded group (it always has 3 more).
    :param task_delay: seconds from ``send`` until the document exists.
    """

    def __init__(self, name: str, *, seed_documents: int = 0, task_delay: float = 0.0) -> None:
        self.name = name
        self.seed_documents = seed_documents
        self.task_delay = task_delay
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._log_file: IO[str] | None = None
        self._log_path = log_dir() / f"sandbox-{name}.log"
        self._info: SandboxInfo | None = None

    def start(self) -> SandboxProcess:
        """Start the process without waiting for it; :meth:`wait_ready` waits."""
        self._log_file = self._log_path.open("w")
        command = [
            sys.executable,
            "-m",
            "bench.sandbox_process",
            f"--task-delay={self.task_delay}",
            f"--seed-documents={self.seed_documents}",
        ]
        self._process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=child_environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )
        # A thread reads the output, so that wait_ready can time out on a sandbox that never starts.
        stdout = self._process.stdout
        assert stdout is not None
        threading.Thread(target=self._read_lines, args=(stdout,), daemon=True).start()
        return self

    def _read_lines(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_ready(self) -> SandboxInfo:
        """
        Wait until the sandbox prints its JSON line and return what it holds.

        :raises RuntimeError: the sandbox exited or printed nothing within 120 s.
        """
        if self._info is None:
            try:
                line = self._lines.get(timeout=START_TIMEOUT_SECONDS)
            except queue.Empty:
                line = None
            if not line:
                raise RuntimeError(
                    f"The sandbox {self.name} did not start within {START_TIMEOUT_SECONDS} s; "
                    f"see {self._log_path}."
                )
            self._info = SandboxInfo.from_dict(json.loads(line))
        return self._info

    def sign(self, document_ids: list[str]) -> None:
        """
        Sign in-progress documents inside the sandbox process, without an HTTP request per document.

        :raises RuntimeError: the sandbox did not confirm within 60 s.
        """
        assert self._process is not None
        assert self._process.stdin is not None
        self._process.stdin.write("sign " + " ".join(document_ids) + "\n")
        self._process.stdin.flush()
        try:
            reply = self._lines.get(timeout=60)
        except queue.Empty:
            reply = None
        if reply != f"signed {len(document_ids)}":
            raise RuntimeError(
                f"Signing {len(document_ids)} documents in the sandbox {self.name} failed: it replied "
                f"{reply!r}, expected 'signed {len(document_ids)}'. See {self._log_path}."
            )

    def stop(self) -> None:
        """Stop the sandbox by closing its standard input, and kill it if it has not exited after 10 s."""
        if self._process is not None and self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> SandboxInfo:
        return self.start().wait_ready()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class SandboxControl:
    """
    Client of a running sandbox's ``/_sandbox/`` control endpoints, which need no token and are not
    counted as requests.

    :param base_url: the sandbox's GraphQL server root, ``http://127.0.0.1:<port>``.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/") + "/_sandbox"
        self._session = requests.Session()

    def counts(self) -> dict[str, Any]:
        """Return the request counts: ``{"cognito": {...}, "graphql": {...}, "files": {...}, "totals": {...}}``."""
        response = self._session.get(f"{self.base_url}/counts", timeout=CONTROL_TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()

    def reset_counts(self) -> None:
        """Set every request count back to zero."""
        response = self._session.post(f"{self.base_url}/counts/reset", timeout=CONTROL_TIMEOUT_SECONDS)
        response.raise_for_status()

    def documents(self, tag: str | None = None) -> list[dict[str, Any]]:
        """Return the stored documents, only those tagged ``tag`` if given."""
        params = {"tag": tag} if tag else None
        response = self._session.get(
            f"{self.base_url}/documents", params=params, timeout=CONTROL_TIMEOUT_SECONDS
        )
        response.raise_for_status()
        return response.json()


def logins(counts: dict[str, Any]) -> int:
    """Return the number of Cognito logins (``InitiateAuth`` calls) in a counts snapshot."""
    return int(counts["cognito"].get("InitiateAuth", 0))


def counts_difference(after: dict[str, Any], before: dict[str, Any]) -> dict[str, dict[str, int]]:
    """
    Return ``after - before`` for each side (``cognito``, ``graphql``, ``files``) and the ``totals``
    of two counts snapshots, leaving out operations whose count did not change.
    """
    difference: dict[str, dict[str, int]] = {}
    for side in ("cognito", "graphql", "files", "totals"):
        earlier = before.get(side, {})
        changed = {name: count - earlier.get(name, 0) for name, count in after.get(side, {}).items()}
        difference[side] = {name: count for name, count in changed.items() if count}
    return difference


def main(argv: list[str] | None = None) -> int:
    """Start a sandbox, print its :class:`SandboxInfo` as one JSON line, and serve until stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_process")
    parser.add_argument(
        "--task-delay", type=float, default=0.0, help="seconds from send until the document exists"
    )
    parser.add_argument("--seed-documents", type=int, default=0, help="extra documents in the seeded group")
    args = parser.parse_args(argv)

    from airflow_provider_legalesign.sandbox import Sandbox

    def exit_on_signal(signal_number: int, _frame: Any) -> None:
        # SystemExit unwinds the with block below, so the sandbox stops cleanly.
        raise SystemExit(128 + signal_number)

    signal.signal(signal.SIGTERM, exit_on_signal)
    with Sandbox(task_delay=args.task_delay, seed_documents=args.seed_documents) as sandbox:
        info = SandboxInfo(
            connection=sandbox.connection(),
            base_url=sandbox.base_url,
            group_id=sandbox.group_id,
            template_id=sandbox.template_id,
            role_id=sandbox.role_id,
        )
        print(json.dumps(info.to_dict()), flush=True)
        for line in sys.stdin:
            command, *document_ids = line.split()
            if command == "sign":
                for document_id in document_ids:
                    sandbox.sign_document(document_id)
                print(f"signed {len(document_ids)}", flush=True)
            else:
                print(f"unknown command {command!r}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
