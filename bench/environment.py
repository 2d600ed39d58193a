"""The environment of every process the benchmarks start: a private AIRFLOW_HOME and no stray settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DAGS_FOLDER = REPO_ROOT / "dags"
# Under .airflow/, which git ignores, like the test suite's own AIRFLOW_HOME.
DEFAULT_WORK_DIR = REPO_ROOT / ".airflow" / "bench"
# Names the work folder for this run and the processes it starts, so runs side by side keep apart.
WORK_DIR_VARIABLE = "LEGALESIGN_BENCH_WORK_DIR"


def work_dir() -> Path:
    """Return the folder for logs, temporary files and AIRFLOW_HOME, creating it if needed."""
    folder = Path(os.environ.get(WORK_DIR_VARIABLE) or DEFAULT_WORK_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_dir() -> Path:
    """Return the folder of the measurement and server logs, creating it if needed."""
    folder = work_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """
    Return the environment for a benchmark process.

    Connections and Airflow settings of the calling shell are dropped, so that a user's own
    ``AIRFLOW_CONN_LEGALESIGN_DEFAULT`` or config can never point a benchmark at a real account.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW_CONN_", "AIRFLOW__", "AIRFLOW_HOME", "PYTHONPATH"))
    }
    airflow_home = work_dir() / "home"
    airflow_home.mkdir(exist_ok=True)
    environment.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "PYTHONPATH": str(REPO_ROOT),
            WORK_DIR_VARIABLE: str(work_dir()),
            # Hash randomisation changes dict layouts and so memory figures from run to run.
            "PYTHONHASHSEED": "0",
        }
    )
    if extra:
        environment.update(extra)
    return environment


def set_connection(connection: dict[str, object], conn_id: str = "legalesign_default") -> None:
    """Define an Airflow connection in this process through its ``AIRFLOW_CONN_<ID>`` variable."""
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(connection)
