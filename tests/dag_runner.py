"""
Run DAGs with ``airflow dags test`` in a private AIRFLOW_HOME, and read back what they stored.

Used by the DAG tests and by ``make demo`` (``python -m tests.dag_runner``). Every run is a real
Airflow CLI process against a migrated SQLite database; results are read from that database.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def isolated_airflow_environment(home: Path, dags_folder: Path) -> dict[str, str]:
    """
    Return this process's environment for an Airflow of its own: ``home`` and ``dags_folder``, no examples.

    Every ``AIRFLOW_CONN_*``, ``AIRFLOW__*`` and ``AIRFLOW_HOME`` variable of the calling shell is left out,
    so no setting of the developer's own Airflow reaches the test one.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW_CONN_", "AIRFLOW__", "AIRFLOW_HOME"))
    }
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
    )
    return env


@dataclass
class DagRunResult:
    returncode: int
    output: str


class AirflowEnvironment:
    """
    An AIRFLOW_HOME with its own SQLite database, DAG folder and connections.

    :param home: the AIRFLOW_HOME folder; created if missing.
    :param dags_folder: the folder Airflow parses for DAGs.
    """

    def __init__(self, home: Path, dags_folder: Path = REPO_ROOT / "dags") -> None:
        self.home = home
        self.dags_folder = dags_folder
        home.mkdir(parents=True, exist_ok=True)

    @property
    def database(self) -> Path:
        return self.home / "airflow.db"

    def environment(
        self, connections: dict[str, dict[str, Any]], extra_env: dict[str, str] | None = None
    ) -> dict[str, str]:
        env = isolated_airflow_environment(self.home, self.dags_folder)
        env.update(
            {
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "PYTHONPATH": str(REPO_ROOT),
            }
        )
        for conn_id, connection in connections.items():
            env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(connection)
        env.update(extra_env or {})
        return env

    def migrate(self) -> None:
        """Create or upgrade the metadata database (about 4 s on SQLite)."""
        if self.database.exists():
            return
        subprocess.run(
            [AIRFLOW, "db", "migrate"],
            env=self.environment({}),
            check=True,
            capture_output=True,
            timeout=300,
        )

    def dags_test(
        self,
        dag_id: str,
        connections: dict[str, dict[str, Any]],
        *,
        extra_env: dict[str, str] | None = None,
        extra_arguments: list[str] | None = None,
        timeout: float = 600,
    ) -> DagRunResult:
        """Run ``airflow dags test DAG_ID`` and return its exit code and combined output."""
        completed = subprocess.run(
            [AIRFLOW, "dags", "test", dag_id, *(extra_arguments or [])],
            env=self.environment(connections, extra_env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return DagRunResult(completed.returncode, completed.stdout + completed.stderr)

    def _latest_run_id(self, connection: sqlite3.Connection, dag_id: str) -> str:
        row = connection.execute(
            "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)
        ).fetchone()
        if row is None:
            raise LookupError(f"no run of {dag_id} in {self.database}")
        return str(row[0])

    def task_states(self, dag_id: str) -> dict[str, str | None]:
        """Return each task's state in the latest run of ``dag_id``."""
        with sqlite3.connect(self.database) as connection:
            run_id = self._latest_run_id(connection, dag_id)
            rows = connection.execute(
                "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)
            ).fetchall()
        return {task_id: state for task_id, state in rows}

    def xcom(self, dag_id: str, task_id: str, key: str = "return_value") -> Any:
        """Return an XCom value of the latest run of ``dag_id``, decoded from its JSON column."""
        with sqlite3.connect(self.database) as connection:
            run_id = self._latest_run_id(connection, dag_id)
            row = connection.execute(
                "SELECT value FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ? AND key = ?",
                (dag_id, run_id, task_id, key),
            ).fetchone()
        if row is None:
            raise LookupError(f"no XCom {key!r} from {dag_id}.{task_id}")
        return json.loads(row[0])


def main() -> int:
    """Start the sandbox, run the example DAG against it, print the XCom result and stop the sandbox."""
    from airflow_provider_legalesign.sandbox import Sandbox

    environment = AirflowEnvironment(REPO_ROOT / ".demo" / "airflow_home")
    print(f"Migrating the Airflow database in {environment.home} ...", flush=True)
    environment.migrate()
    with Sandbox() as sandbox:
        print(f"Sandbox GraphQL endpoint: {sandbox.graphql_url}", flush=True)
        print("Running: airflow dags test example_legalesign_user", flush=True)
        result = environment.dags_test(
            "example_legalesign_user", {"legalesign_default": sandbox.connection()}
        )
    if result.returncode != 0:
        print(result.output[-4000:])
        print(f"The DAG run failed (exit code {result.returncode}).")
        return 1
    user = environment.xcom("example_legalesign_user", "fetch_user")
    greeting = environment.xcom("example_legalesign_user", "greet")
    print("XCom return_value of fetch_user:")
    print(json.dumps(user, indent=2))
    print(f"XCom return_value of greet: {greeting}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
