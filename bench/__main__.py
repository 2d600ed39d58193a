"""
Command line of the benchmarks: ``python -m bench`` runs P1 to P6 against servers on 127.0.0.1 and
writes ``BENCHMARKS.md``; ``--quick`` runs each once at a tiny size.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench import suite
from bench.environment import REPO_ROOT, WORK_DIR_VARIABLE, work_dir
from bench.machine import describe_machine, load_average
from bench.report import figures_table, render, results_json
from bench.sandbox_process import SandboxProcess
from bench.sizes import FULL, QUICK, Sizes

BENCHMARKS = ("P1", "P2", "P3", "P4", "P5", "P6")
# The seeded group of every sandbox contains this many documents before ``seed_documents`` are added.
SEEDED_GROUP_DOCUMENTS = 3


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="run every benchmark once at a tiny size")
    parser.add_argument("--runs", type=int, help="repetitions of each figure (default: 5, or 1 with --quick)")
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the Markdown report (default: BENCHMARKS.md, or .airflow/bench/quick.md with --quick)",
    )
    parser.add_argument(
        "--json", type=Path, help="also write the figures and raw results as JSON to this file"
    )
    parser.add_argument(
        "--only", help=f"comma-separated benchmark ids to run, from {','.join(BENCHMARKS)} (default: all)"
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="folder for logs, temporary files and AIRFLOW_HOME (default: .airflow/bench)",
    )
    parser.add_argument("--note", help="a line about the machine's conditions to add to the report")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks and write the report; return the exit status."""
    args = build_parser().parse_args(argv)
    airflow_version = metadata.version("apache-airflow")
    if int(airflow_version.split(".")[0]) < 3:
        print(
            f"error: the benchmarks need Airflow 3 (they time imports beyond airflow.sdk and parse DAGs "
            f"with Airflow 3's DagBag), but this environment has Airflow {airflow_version}.",
            file=sys.stderr,
        )
        return 2
    sizes = QUICK if args.quick else FULL
    if args.runs is not None:
        if args.runs < 1:
            print("error: --runs must be 1 or more", file=sys.stderr)
            return 2
        sizes = sizes.with_runs(args.runs)
    selected = BENCHMARKS if not args.only else tuple(item.strip().upper() for item in args.only.split(","))
    unknown = sorted(set(selected) - set(BENCHMARKS))
    if unknown:
        print(
            f"error: unknown benchmark id(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    if args.work_dir:
        os.environ[WORK_DIR_VARIABLE] = str(args.work_dir.resolve())
    output = args.output or (work_dir() / "quick.md" if args.quick else REPO_ROOT / "BENCHMARKS.md")

    run = {
        "mode": "quick" if args.quick else "full",
        "command": shlex.join(["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])]),
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": describe_machine(),
        "load_before": load_average(),
        "note": args.note,
    }
    started = time.monotonic()
    results = run_benchmarks(selected, sizes)
    run["duration_seconds"] = time.monotonic() - started
    run["load_after"] = load_average()

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(run, results, sizes))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(results_json(run, results, sizes))
    print(figures_table([figure for result in results for figure in result.figures]))
    print(f"\nWrote {output} in {run['duration_seconds']:.0f} s.")
    return 0


def run_benchmarks(selected: tuple[str, ...], sizes: Sizes) -> list[suite.BenchmarkResult]:
    """Start the sandboxes the selected benchmarks need, run the benchmarks, stop the sandboxes."""
    small, large = sizes.listing_sizes
    sandboxes: dict[str, SandboxProcess] = {}
    if {"P1", "P2", "P3"} & set(selected):
        sandboxes["main"] = SandboxProcess("main")
    if "P6" in selected:
        for size in (small, large):
            sandboxes[f"listing-{size}"] = SandboxProcess(
                f"listing-{size}", seed_documents=size - SEEDED_GROUP_DOCUMENTS
            )
    # Started together, so that their start-up overlaps; each benchmark waits for the one it uses.
    for sandbox in sandboxes.values():
        sandbox.start()

    def run(benchmark: str) -> suite.BenchmarkResult:
        print(f"Running {benchmark}...", flush=True)
        started = time.monotonic()
        if benchmark == "P1":
            result = suite.run_sequential_logins(sandboxes["main"].wait_ready(), sizes)
        elif benchmark == "P2":
            result = suite.run_concurrent_logins(sandboxes["main"].wait_ready(), sizes)
        elif benchmark == "P3":
            result = suite.run_query_overhead(sandboxes["main"].wait_ready(), sizes)
        elif benchmark == "P4":
            result = suite.run_import_time(sizes)
        elif benchmark == "P5":
            result = suite.run_triggers(sizes)
        else:
            listing = {size: sandboxes[f"listing-{size}"].wait_ready() for size in (small, large)}
            result = suite.run_listing(sizes, listing)
        print(f"{benchmark} took {time.monotonic() - started:.0f} s.", flush=True)
        return result

    # P4 needs no sandbox, so it runs first, while the sandboxes start. With parallel_imports (the
    # quick run) it also runs beside the others, whose times then are not figures of record.
    order = sorted(selected, key=lambda benchmark: (benchmark != "P4", benchmark))
    results = []
    try:
        with ThreadPoolExecutor(max_workers=1) as background:
            import_timing = None
            if sizes.parallel_imports and "P4" in order:
                import_timing = background.submit(run, "P4")
                order.remove("P4")
            results = [run(benchmark) for benchmark in order]
            if import_timing is not None:
                results.append(import_timing.result())
    finally:
        for sandbox in sandboxes.values():
            sandbox.stop()
    # The report keeps the id order.
    return sorted(results, key=lambda result: result.benchmark)


if __name__ == "__main__":
    sys.exit(main())
