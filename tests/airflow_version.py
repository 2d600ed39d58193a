"""The installed Airflow's version, for the few tests whose expectations differ between Airflow 2 and 3."""

from __future__ import annotations

from importlib.metadata import version

from packaging.version import Version

AIRFLOW_VERSION = Version(version("apache-airflow"))
AIRFLOW_3 = AIRFLOW_VERSION.major >= 3

# How `airflow dags test` reports that it runs a deferred task's trigger: Airflow 3 logs the task's new
# state, Airflow 2 logs that it runs the trigger in line.
DAGS_TEST_DEFERRAL_MESSAGE = "new_state=deferred" if AIRFLOW_3 else "[DAG TEST] running trigger in line"
