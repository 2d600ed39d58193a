"""
Run one measurement in a fresh Python process, so that token caches, threads and memory of one
benchmark never carry over into the next.

The parent calls :func:`run_child`, which starts ``python -m bench.child NAME CONFIG RESULT``. The child
calls the measurement function registered under ``NAME`` with the decoded JSON ``CONFIG``, and writes
its JSON result to the file ``RESULT``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.environment import REPO_ROOT, child_environment, log_dir, work_dir

# Measurement functions by name, as "module:function".
MEASUREMENTS = {
    "sequential_logins": "bench.logins:measure_sequential",
    "concurrent_logins": "bench.logins:measure_concurrent",
    "query_overhead": "bench.query_overhead:measure",
    "triggers": "bench.triggers:measure",
    "listing": "bench.listing:measure",
}


class ChildFailedError(RuntimeError):
    """A measurement process exited with an error. The message contains the end of its output."""


def run_child(name: str, config: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """
    Run the measurement ``name`` in a new process and return its result.

    The child's output goes to ``<work dir>/logs/<name>.log``.

    :param timeout: seconds before the child is killed and the measurement fails.
    :raises ChildFailedError: the child exited with a non-zero status or wrote no result.
    """
    log_path = log_dir() / f"{name}.log"
    with tempfile.TemporaryDirectory(dir=work_dir()) as folder:
        result_path = Path(folder) / "result.json"
        command = [sys.executable, "-m", "bench.child", name, json.dumps(config), str(result_path)]
        started = time.monotonic()
        with log_path.open("w") as log_file:
            completed = subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=child_environment(),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if completed.returncode != 0 or not result_path.exists():
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
            raise ChildFailedError(
                f"Measurement {name} exited with status {completed.returncode} after "
                f"{time.monotonic() - started:.1f} s. The end of {log_path}:\n{tail}"
            )
        return json.loads(result_path.read_text())


def main(argv: list[str]) -> int:
    """Run the measurement named in ``argv`` and write its result file."""
    name, config_json, result_path = argv
    module_name, _, function_name = MEASUREMENTS[name].partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    result = function(json.loads(config_json))
    Path(result_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
