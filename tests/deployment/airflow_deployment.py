"""
A running Airflow deployment for tests: API server, scheduler, DAG processor and triggerer.

Each component is its own ``airflow`` process, as in production, sharing one private AIRFLOW_HOME with a
SQLite database and the LocalExecutor. Every server listens on 127.0.0.1 only: the API server gets a
free port, and the scheduler and triggerer run without their log servers (which would bind every
interface), so the API server reads task logs from the shared log folder. Each process starts in its own
process group, and :meth:`AirflowDeployment.stop` ends the groups and every descendant.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
import requests

from tests.airflow_version import AIRFLOW_VERSION
from tests.dag_runner import isolated_airflow_environment

if TYPE_CHECKING:
    from collections.abc import Callable

REPO_ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
HOST = "127.0.0.1"

# The deployment tests drive Airflow 3's REST API (/api/v2), its Simple auth manager and its React UI.
# Airflow 2 has none of them, so those tests are skipped there.
REQUIRES_AIRFLOW_3 = f"needs Airflow 3 (/api/v2 and the React UI); this is Airflow {AIRFLOW_VERSION}"

ADMIN_USERNAME = "admin"

# The components in start order, with their command lines after ``airflow``.
COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server", "--host", HOST, "--workers", "1"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}

# Entries of /api/v2/monitor/health that must all read "healthy" before the tests start.
HEALTH_KEYS = ("metadatabase", "scheduler", "triggerer", "dag_processor")

TERMINATE_GRACE_SECONDS = 30
LOG_TAIL_LINES = 60


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    """Return the last ``lines`` lines of ``text``."""
    return "\n".join(text.splitlines()[-lines:])


class DeploymentError(AssertionError):
    """A deployment step that failed or timed out, with the logs that explain it in its message."""


@dataclass
class Component:
    """One running ``airflow`` process and the file that receives its output."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    descendants: set[int] = field(default_factory=set)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class AirflowDeployment:
    """
    Airflow's four server components on one machine, driven through the REST API like a user would.

    :param home: the AIRFLOW_HOME folder; created if missing.
    :param dags_folder: the folder the DAG processor parses.
    :param extra_env: settings added to every component's environment, e.g. ``AIRFLOW__CORE__...``.
    """

    def __init__(self, home: Path, dags_folder: Path, extra_env: dict[str, str] | None = None) -> None:
        self.home = home
        self.dags_folder = dags_folder
        self.extra_env = dict(extra_env or {})
        self.api_port = free_port()
        self.password = secrets.token_urlsafe(16)
        self.components: dict[str, Component] = {}
        self._session = requests.Session()
        self._token: str | None = None
        home.mkdir(parents=True, exist_ok=True)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def log_folder(self) -> Path:
        return self.home / "logs"

    def environment(self) -> dict[str, str]:
        """Return the environment shared by every component and CLI call of this deployment."""
        env = isolated_airflow_environment(self.home, self.dags_folder)
        env.update(
            {
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                # The example DAGs run one task at a time, so two worker processes suffice.
                "AIRFLOW__CORE__PARALLELISM": "2",
                "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
                "AIRFLOW__CORE__AUTH_MANAGER": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USERNAME}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__API__HOST": HOST,
                "AIRFLOW__API__PORT": str(self.api_port),
                "AIRFLOW__API__BASE_URL": f"{self.base_url}/",
                # The scheduler signs the workers' tokens and the API server checks them, so both need
                # the same secrets. Without them Airflow generates a different secret in each process.
                "AIRFLOW__API_AUTH__JWT_SECRET": self._secret("jwt_secret"),
                "AIRFLOW__API__SECRET_KEY": self._secret("api_secret_key"),
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.log_folder),
                # Parse new DAG files within seconds instead of the default five minutes.
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
                "NO_COLOR": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def _secret(self, name: str) -> str:
        # Generated once per deployment and kept in its home, so every component reads the same value.
        path = self.home / f".{name}"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
        return path.read_text()

    # Lifecycle.

    def migrate(self, timeout: float = 300) -> None:
        """Create the metadata database with ``airflow db migrate``."""
        completed = subprocess.run(
            [AIRFLOW, "db", "migrate"],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if completed.returncode != 0:
            raise DeploymentError(
                f"airflow db migrate failed with exit code {completed.returncode}:\n"
                f"{tail(completed.stdout + completed.stderr)}"
            )

    def start(self) -> None:
        """Migrate the database, set the admin password and start every component."""
        # The Simple auth manager reads its users' passwords from this JSON file. Writing a known one lets
        # the tests log in like a user, without parsing a generated password out of the logs.
        (self.home / "passwords.json").write_text(json.dumps({ADMIN_USERNAME: self.password}))
        self.migrate()
        env = self.environment()
        for name, arguments in COMPONENTS.items():
            command = [AIRFLOW, *arguments]
            if name == "api-server":
                command += ["--port", str(self.api_port)]
            log_path = self.home / f"{name}.log"
            with log_path.open("wb") as log_file:
                process = subprocess.Popen(
                    command,
                    env=env,
                    cwd=self.home,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.components[name] = Component(name, process, log_path)

    def stop(self) -> list[str]:
        """
        Send SIGTERM to every component and descendant, then SIGKILL to those left after a grace period.

        Returns the descriptions of processes that had to be killed, for the caller to report.
        """
        self._session.close()
        # Listed before any signal, while every parent still lives to name its children.
        processes = self._tracked_processes()
        for component in self.components.values():
            self._signal_group(component, signal.SIGTERM)
        for proc in processes:
            try:
                proc.terminate()
            except psutil.NoSuchProcess:
                continue
        _, survivors = psutil.wait_procs(processes, timeout=TERMINATE_GRACE_SECONDS)
        killed = []
        for proc in survivors:
            try:
                description = f"{proc.pid} {' '.join(proc.cmdline())[:120]}"
                proc.kill()
            except psutil.NoSuchProcess:
                continue
            killed.append(description)
        psutil.wait_procs(survivors, timeout=5)
        for component in self.components.values():
            try:
                component.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                killed.append(f"{component.process.pid} ({component.name}) did not exit after SIGKILL")
        return killed

    def running_processes(self) -> list[psutil.Process]:
        """Return the components and their descendants that are still alive."""
        return [proc for proc in self._tracked_processes() if _is_alive(proc)]

    def _tracked_processes(self) -> list[psutil.Process]:
        pids: set[int] = set()
        for component in self.components.values():
            self._remember_descendants(component)
            pids.add(component.process.pid)
            pids.update(component.descendants)
        procs = []
        for pid in pids:
            try:
                procs.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                continue
        return procs

    def _remember_descendants(self, component: Component) -> None:
        # The task supervisor moves each task process into a process group of its own (setpgid), so the
        # component's group does not reach it. The process tree does, as long as the parent lives.
        try:
            children = psutil.Process(component.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        component.descendants.update(child.pid for child in children)

    @staticmethod
    def _signal_group(component: Component, signum: signal.Signals) -> None:
        try:
            os.killpg(component.process.pid, signum)
        except ProcessLookupError:
            pass

    # Waiting.

    def wait_until(
        self, condition: Callable[[], Any], timeout: float, description: str, interval: float = 1.0
    ) -> Any:
        """
        Call ``condition`` until it returns a true value, and return that value.

        :raises DeploymentError: after ``timeout`` seconds, or when a component exits, with the logs.
        """
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            try:
                result = condition()
            except (requests.RequestException, DeploymentError) as error:
                result, last_error = None, error
            if result:
                return result
            exited = [c.name for c in self.components.values() if c.process.poll() is not None]
            if exited:
                raise DeploymentError(
                    f"{', '.join(exited)} exited while waiting for {description}.\n{self.describe()}"
                )
            if time.monotonic() > deadline:
                reason = f" Last error: {last_error}" if last_error else ""
                raise DeploymentError(
                    f"Timed out after {timeout:g} s waiting for {description}.{reason}\n{self.describe()}"
                )
            time.sleep(interval)

    def wait_until_healthy(self, timeout: float) -> dict[str, Any]:
        """Wait until /api/v2/monitor/health reports every component healthy, and return that report."""

        def healthy() -> dict[str, Any] | None:
            response = self._session.get(f"{self.base_url}/api/v2/monitor/health", timeout=10)
            if response.status_code != 200:
                return None
            report = response.json()
            statuses = [(report.get(key) or {}).get("status") for key in HEALTH_KEYS]
            return report if all(status == "healthy" for status in statuses) else None

        return self.wait_until(healthy, timeout, "every component to report healthy", interval=2)

    # REST API.

    def token(self) -> str:
        """Return a JWT for the admin user from the Simple auth manager's token endpoint."""
        if self._token is None:
            response = self._session.post(
                f"{self.base_url}/auth/token",
                json={"username": ADMIN_USERNAME, "password": self.password},
                timeout=30,
            )
            if response.status_code != 201:
                raise DeploymentError(
                    f"POST /auth/token returned {response.status_code}: {response.text[:500]}"
                )
            self._token = str(response.json()["access_token"])
        return self._token

    def api(self, method: str, path: str, *, expected: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        """
        Send a request to ``/api/v2`` + ``path`` as the admin user and return the decoded JSON body.

        :raises DeploymentError: the status is not in ``expected``; the message has the body.
        """
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        response = self._session.request(
            method, f"{self.base_url}/api/v2{path}", headers=headers, timeout=60, **kwargs
        )
        if response.status_code not in expected:
            raise DeploymentError(
                f"{method} /api/v2{path} returned {response.status_code}, expected {expected}: "
                f"{response.text[:2000]}"
            )
        if not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    # DAGs and their runs.

    def wait_for_dags(self, dag_ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
        """Wait until the DAG processor has stored every DAG of ``dag_ids``; return them by id."""

        def parsed() -> dict[str, dict[str, Any]] | None:
            dags = {dag["dag_id"]: dag for dag in self.api("GET", "/dags", params={"limit": 100})["dags"]}
            return dags if set(dag_ids) <= set(dags) else None

        return self.wait_until(
            parsed, timeout, f"the DAG processor to parse {', '.join(dag_ids)}", interval=2
        )

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Unpause ``dag_id``, start a run of it with ``conf`` like the Trigger button, and return the run id."""
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        run = self.api("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        return str(run["dag_run_id"])

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """Return the task instances of one run, by task id."""
        response = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {ti["task_id"]: ti for ti in response["task_instances"]}

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        return dict(self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"))

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
        """
        Wait until a DAG run finishes and return it.

        :raises DeploymentError: the run failed or timed out; the message has each task's state and the
            logs of the tasks that did not succeed.
        """

        def finished() -> dict[str, Any] | None:
            run = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
            return run if run["state"] in ("success", "failed") else None

        try:
            run = self.wait_until(finished, timeout, f"run {run_id} of {dag_id} to finish", interval=2)
        except DeploymentError as error:
            raise DeploymentError(f"{error}\n{self.describe_run(dag_id, run_id)}") from None
        if run["state"] != "success":
            raise DeploymentError(f"Run {run_id} of {dag_id} failed.\n{self.describe_run(dag_id, run_id)}")
        return dict(run)

    def describe_run(self, dag_id: str, run_id: str) -> str:
        """Return each task's state, and the log tail of every task that did not succeed."""
        try:
            task_instances = self.task_instances(dag_id, run_id)
        except (requests.RequestException, DeploymentError) as error:
            return f"(task instances unavailable: {error})"
        lines = [f"Task states: { {task_id: ti['state'] for task_id, ti in task_instances.items()} }"]
        for task_id, ti in task_instances.items():
            if ti["state"] != "success":
                lines.append(f"=== log of {task_id}:\n{tail(self.task_logs(dag_id, run_id, task_id))}")
        return "\n".join(lines)

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        """Return an XCom value as the REST API shows it."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}"
        return self.api("GET", path)["value"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> list[dict[str, Any]]:
        """Return one try's log as the UI's log view gets it: the task's lines and its trigger's lines."""
        path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}"
        response = self.api(
            "GET", path, params={"full_content": "true"}, headers={"Accept": "application/json"}
        )
        return list(response["content"])

    # Logs.

    def component_log(self, name: str) -> str:
        """Return everything component ``name`` has printed so far."""
        return self.components[name].log()

    def task_logs(self, dag_id: str, run_id: str, task_id: str) -> str:
        """Return the text of every log file of one task instance: its tries and its trigger runs."""
        folder = self.log_folder / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        parts = [f"--- {path.name}\n{path.read_text(errors='replace')}" for path in sorted(folder.glob("*"))]
        return "\n".join(parts)

    def describe(self) -> str:
        """Return the last lines of every component's output, for failure messages."""
        sections = []
        for component in self.components.values():
            state = component.process.poll()
            status = "running" if state is None else f"exited with {state}"
            sections.append(f"=== {component.name} ({status}), last lines:\n{tail(component.log())}")
        return "\n".join(sections)


def _is_alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
