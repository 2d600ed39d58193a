"""Description of the machine that ran the benchmarks: CPU, cores, memory, load and versions."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

# Distributions whose versions change what the benchmarks measure.
VERSIONED_DISTRIBUTIONS = ("apache-airflow", "airflow-provider-legalesign", "requests", "urllib3", "moto")


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / (1024 * 1024)
    return None


def load_average() -> tuple[float, float, float] | None:
    """Return the 1, 5 and 15 minute load averages, or ``None`` where the OS has none."""
    try:
        return os.getloadavg()
    except OSError:
        return None


def describe_machine() -> dict[str, Any]:
    """Return the CPU model, core count, memory, OS, Python and package versions of this machine."""
    versions = {}
    for name in VERSIONED_DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "versions": versions,
    }
