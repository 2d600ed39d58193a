from __future__ import annotations

import json
import os
from pathlib import Path

# Airflow reads AIRFLOW_HOME when it is first imported, so the tests point it at a folder of their own
# before anything imports Airflow: no test reads or writes the user's ~/airflow.
REPO_ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("AIRFLOW_HOME", str(REPO_ROOT / ".airflow" / "unit"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

import pytest  # noqa: E402

from airflow_provider_legalesign import retry  # noqa: E402
from airflow_provider_legalesign.auth import token_cache  # noqa: E402
from tests.fake_legalesign import FakeLegalesign  # noqa: E402


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry pauses instead of sleeping through them."""
    recorded: list[float] = []
    monkeypatch.setattr(retry, "sleep", recorded.append)
    return recorded


@pytest.fixture(autouse=True)
def fresh_token_cache() -> None:
    token_cache.token_cache.clear()


@pytest.fixture
def fake() -> FakeLegalesign:
    server = FakeLegalesign().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> Path:
    """An AIRFLOW_HOME with a migrated SQLite database, shared by the tests that run DAGs."""
    from tests.dag_runner import AirflowEnvironment

    environment = AirflowEnvironment(tmp_path_factory.mktemp("airflow_home"))
    environment.migrate()
    return environment.home


@pytest.fixture
def set_connection(monkeypatch: pytest.MonkeyPatch):
    """Define an Airflow connection through its environment variable, in Airflow's JSON form."""

    def define(connection: dict, conn_id: str = "legalesign_default") -> str:
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(connection))
        return conn_id

    return define
