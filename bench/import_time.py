"""
P4: what importing the operators module and each example DAG file costs beyond ``import airflow.sdk``,
measured with ``python -X importtime`` in fresh processes, against the HTTP provider's operators module.

Each process runs ``import airflow.sdk; import <subject>``, so the subject's top-level entry in the
importtime report contains exactly what the subject adds. That is its own code and every module it
pulls in that ``airflow.sdk`` had not loaded, and for a DAG file also the building of its DAG. For a
DAG file the report also splits out the provider's share: the time of the provider's own modules,
found in the import tree under the DAG file. The rest is Airflow's DAG machinery (``@dag``, ``@task``, timetables), which any
DAG file loads.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.environment import DAGS_FOLDER, REPO_ROOT, child_environment

PROVIDER_PACKAGE = "airflow_provider_legalesign"
PRELUDE = "import airflow.sdk"


@dataclass(frozen=True)
class Subject:
    """
    A module whose import is timed.

    :param label: how the report names it.
    :param module: the module to import.
    :param is_dag_file: whether it is a DAG file from ``dags/``, imported with that folder on the path.
    """

    label: str
    module: str
    is_dag_file: bool = False


SUBJECTS = (
    Subject("provider operators module", "airflow_provider_legalesign.operators.legalesign"),
    Subject("HTTP provider operators module (baseline)", "airflow.providers.http.operators.http"),
    Subject("DAG file example_legalesign_user.py", "example_legalesign_user", is_dag_file=True),
    Subject(
        "DAG file example_legalesign_send_and_wait.py", "example_legalesign_send_and_wait", is_dag_file=True
    ),
)


@dataclass
class ImportNode:
    """One line of an importtime report: a module, its own and cumulative microseconds, its imports."""

    module: str
    self_us: int
    cumulative_us: int
    children: list[ImportNode] = field(default_factory=list)


def parse_importtime(report: str) -> list[ImportNode]:
    """
    Build the import tree from ``-X importtime`` output and return its top-level nodes in order.

    Python prints a module after the modules it imports, two more spaces of indent per level, so a
    line's children are the deeper lines printed just before it.
    """
    pending: dict[int, list[ImportNode]] = {}
    for line in report.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue  # the header line
        name_field = parts[2]
        depth = (len(name_field) - len(name_field.lstrip(" ")) - 1) // 2
        node = ImportNode(
            module=name_field.strip(),
            self_us=int(parts[0].removeprefix("import time:").strip()),
            cumulative_us=int(parts[1].strip()),
            children=pending.pop(depth + 1, []),
        )
        pending.setdefault(depth, []).append(node)
    return pending.get(0, [])


def provider_share_us(node: ImportNode) -> int:
    """Return the cumulative microseconds of the outermost provider modules under ``node``."""
    if node.module.split(".")[0] == PROVIDER_PACKAGE:
        return node.cumulative_us
    return sum(provider_share_us(child) for child in node.children)


def time_import(subject: Subject) -> dict[str, float]:
    """
    Import ``subject`` after ``airflow.sdk`` in a new process and return its cost in milliseconds.

    Returns ``total_ms`` (everything beyond ``airflow.sdk``) and ``provider_ms`` (the provider's own
    modules within it).
    """
    environment = child_environment()
    if subject.is_dag_file:
        environment["PYTHONPATH"] = f"{DAGS_FOLDER}:{REPO_ROOT}"
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"{PRELUDE}; import {subject.module}"],
        cwd=REPO_ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"Importing {subject.module} failed:\n{completed.stderr[-3000:]}")
    nodes = [node for node in parse_importtime(completed.stderr) if node.module == subject.module]
    if not nodes:
        raise RuntimeError(f"The importtime report has no top-level entry for {subject.module}.")
    node = nodes[0]
    return {"total_ms": node.cumulative_us / 1000, "provider_ms": provider_share_us(node) / 1000}


def measure(runs: int, *, parallel: bool = False) -> dict[str, list[dict[str, float]]]:
    """
    Time every subject ``runs`` times, rotating their order from run to run so that a burst of load
    on the machine does not always fall on the same subject.

    :param parallel: run the processes side by side, one per core, which is faster but lets them
        compete for the CPU.
    """
    order: list[Subject] = []
    for run in range(runs):
        shift = run % len(SUBJECTS)
        order += SUBJECTS[shift:] + SUBJECTS[:shift]
    with ThreadPoolExecutor(max_workers=(os.cpu_count() or 1) if parallel else 1) as pool:
        timings = list(pool.map(time_import, order))
    results: dict[str, list[dict[str, float]]] = {subject.label: [] for subject in SUBJECTS}
    for subject, timing in zip(order, timings, strict=True):
        results[subject.label].append(timing)
    return results
