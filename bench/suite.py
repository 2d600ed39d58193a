"""
The benchmarks P1 to P6: each starts its measurement processes, then turns their raw results into
figures with targets and into detail lines for the report.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench import import_time
from bench.child import run_child
from bench.environment import REPO_ROOT, child_environment, work_dir
from bench.fixed_server import FixedServerProcess
from bench.stats import Figure, median

if TYPE_CHECKING:
    from bench.sandbox_process import SandboxInfo
    from bench.sizes import Sizes

# P3: the hook may take at most this many times as long per query as a bare session.
MAX_QUERY_TIME_RATIO = 1.05
# P4: the most that importing the operators module, or the provider's part of a DAG file, may add.
MAX_IMPORT_MS = 20.0
# P5: "about one request per trigger per poll interval" is read as this range.
POLL_RATE_RANGE = (0.95, 1.05)
# P6: how much more the peak may grow per extra document listed. A listing that kept every document
# would add about 1 KiB per document (a dict of eight fields), so 100 bytes is a tenth of that.
MAX_GROWTH_PER_DOCUMENT_BYTES = 100.0

CHILD_TIMEOUT_SECONDS = 900


@dataclass
class BenchmarkResult:
    """
    The outcome of one benchmark.

    :param benchmark: its id, such as ``P1``.
    :param title: one line saying what it measures.
    :param figures: the figures for the summary table.
    :param details: label and value lines with the absolute numbers behind the figures.
    :param raw: the measurement processes' own results, for the JSON output.
    """

    benchmark: str
    title: str
    figures: list[Figure]
    details: list[tuple[str, str]] = field(default_factory=list)
    raw: Any = None


def _all_equal(values: list[float], expected: float) -> bool:
    return all(value == expected for value in values)


def run_sequential_logins(sandbox: SandboxInfo, sizes: Sizes) -> BenchmarkResult:
    """P1: logins and wall time for sequential queries in one process."""
    queries = sizes.sequential_queries
    raw = run_child(
        "sequential_logins",
        {"sandbox": sandbox.to_dict(), "queries": queries, "runs": sizes.runs},
        timeout=CHILD_TIMEOUT_SECONDS,
    )
    return _login_result("P1", f"{queries} sequential queries in one process", queries, raw)


def run_concurrent_logins(sandbox: SandboxInfo, sizes: Sizes) -> BenchmarkResult:
    """P2: logins and wall time for threads that start together."""
    total = sizes.threads * sizes.queries_per_thread
    raw = run_child(
        "concurrent_logins",
        {
            "sandbox": sandbox.to_dict(),
            "threads": sizes.threads,
            "queries_per_thread": sizes.queries_per_thread,
            "runs": sizes.runs,
        },
        timeout=CHILD_TIMEOUT_SECONDS,
    )
    title = f"{sizes.threads} threads x {sizes.queries_per_thread} queries, starting together"
    return _login_result("P2", title, total, raw)


def _login_result(benchmark: str, title: str, queries: int, raw: dict[str, Any]) -> BenchmarkResult:
    runs = raw["runs"]
    hook_logins = [float(run["hook"]["logins"]) for run in runs]
    baseline_logins = [float(run["baseline"]["logins"]) for run in runs]
    figures = [
        Figure(
            f"{benchmark}.hook_logins",
            benchmark,
            "Cognito logins, provider hook",
            "logins",
            hook_logins,
            target="1 in every run",
            met=_all_equal(hook_logins, 1),
        ),
        Figure(
            f"{benchmark}.baseline_logins",
            benchmark,
            "Cognito logins, login-per-query client (baseline)",
            "logins",
            baseline_logins,
        ),
        Figure(
            f"{benchmark}.wall_time_ratio",
            benchmark,
            "Wall time, baseline / hook",
            "x",
            [run["wall_time_ratio"] for run in runs],
        ),
    ]
    hook_ms = median([run["hook"]["seconds"] * 1000 / queries for run in runs])
    baseline_ms = median([run["baseline"]["seconds"] * 1000 / queries for run in runs])
    details = [
        ("queries per run and side", str(queries)),
        ("hook, ms per query (median of runs)", f"{hook_ms:.2f}"),
        ("baseline, ms per query (median of runs)", f"{baseline_ms:.2f}"),
        (
            "GraphQL requests per run, hook / baseline",
            f"{runs[0]['hook']['graphql_requests']} / {runs[0]['baseline']['graphql_requests']}",
        ),
    ]
    return BenchmarkResult(benchmark, title, figures, details, raw)


def run_query_overhead(sandbox: SandboxInfo, sizes: Sizes) -> BenchmarkResult:
    """P3: time per query through the hook against a bare session, at the sandbox and a fixed server."""
    with FixedServerProcess() as fixed:
        raw = run_child(
            "query_overhead",
            {
                "servers": {"sandbox": sandbox.connection, "fixed": fixed.connection()},
                "pairs": sizes.overhead_pairs,
                "runs": sizes.runs,
            },
            timeout=CHILD_TIMEOUT_SECONDS,
        )
    labels = {
        "sandbox": "sandbox (new connection per request)",
        "fixed": "fixed-answer loopback server (kept-alive connection)",
    }
    figures = []
    details = [("timed pairs per run and server", str(raw["pairs"]))]
    for server, runs in raw["servers"].items():
        ratios = [run["ratio"] for run in runs]
        figures.append(
            Figure(
                f"P3.ratio_{server}",
                "P3",
                f"Time per query, hook / bare session, {labels[server]}",
                "x",
                ratios,
                target=f"<= {MAX_QUERY_TIME_RATIO}",
                met=median(ratios) <= MAX_QUERY_TIME_RATIO,
            )
        )
        figures.append(
            Figure(
                f"P3.overhead_{server}",
                "P3",
                f"Provider's added time per query, {labels[server]}",
                "us",
                [run["overhead_us"] for run in runs],
            )
        )
        details.append(
            (
                f"{server}: hook / bare, microseconds per query (median of runs)",
                f"{median([run['hook_us'] for run in runs]):.0f} / {median([run['bare_us'] for run in runs]):.0f}",
            )
        )
    return BenchmarkResult(
        "P3", "Time per query: hook against a bare requests.Session", figures, details, raw
    )


def run_import_time(sizes: Sizes) -> BenchmarkResult:
    """P4: import time beyond airflow.sdk, and network calls while parsing the DAG files."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The parse probe is one more process, so it runs beside the timings where those run in parallel.
        probe_future = pool.submit(_parse_without_network) if sizes.parallel_imports else None
        raw = import_time.measure(sizes.runs, parallel=sizes.parallel_imports)
        probe = probe_future.result() if probe_future else _parse_without_network()
    baseline_label = import_time.SUBJECTS[1].label
    baseline_ms = median([run["total_ms"] for run in raw[baseline_label]])
    figures = []
    for subject in import_time.SUBJECTS:
        runs = raw[subject.label]
        total = [run["total_ms"] for run in runs]
        provider = [run["provider_ms"] for run in runs]
        target = f"<= {MAX_IMPORT_MS:g} ms and below the HTTP operators module"
        if subject is import_time.SUBJECTS[1]:
            figures.append(Figure("P4.http_operators", "P4", f"Import: {subject.label}", "ms", total))
        elif not subject.is_dag_file:
            figures.append(
                Figure(
                    "P4.operators",
                    "P4",
                    f"Import: {subject.label}",
                    "ms",
                    total,
                    target=target,
                    met=median(total) <= MAX_IMPORT_MS and median(total) < baseline_ms,
                )
            )
        else:
            key = subject.module
            figures.append(
                Figure(
                    f"P4.{key}.provider",
                    "P4",
                    f"Import: {subject.label}, the provider's modules",
                    "ms",
                    provider,
                    target=target,
                    met=median(provider) <= MAX_IMPORT_MS and median(provider) < baseline_ms,
                )
            )
            figures.append(
                Figure(
                    f"P4.{key}.total",
                    "P4",
                    f"Import: {subject.label}, whole file with Airflow's DAG machinery",
                    "ms",
                    total,
                    target="below the HTTP operators module",
                    met=median(total) < baseline_ms,
                )
            )
    attempts = len(probe["connect_attempts"]) + len(probe["name_lookups"])
    parsed_all = probe["dag_ids"] == ["example_legalesign_send_and_wait", "example_legalesign_user"]
    figures.append(
        Figure(
            "P4.network_calls",
            "P4",
            "Connection attempts and name lookups while DagBag parses dags/",
            "calls",
            [float(attempts)],
            target="0, with both DAGs parsed",
            met=attempts == 0 and parsed_all and not probe["import_errors"],
        )
    )
    details = [
        ("DAGs parsed with the network blocked", ", ".join(probe["dag_ids"]) or "none"),
        ("import errors", json.dumps(probe["import_errors"]) if probe["import_errors"] else "none"),
    ]
    return BenchmarkResult(
        "P4",
        "Import time beyond `import airflow.sdk`, and network use at DAG parse",
        figures,
        details,
        {"imports": raw, "parse_probe": probe},
    )


def _parse_without_network() -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.parse_probe"],
        cwd=REPO_ROOT,
        env=child_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"The parse probe failed with status {completed.returncode}:\n{completed.stderr[-3000:]}"
        )
    return json.loads(lines[-1])


def run_triggers(sizes: Sizes) -> BenchmarkResult:
    """P5: triggers in one event loop until their documents are signed; one fresh process per run."""
    config = {
        "triggers": sizes.triggers,
        "poke_interval": sizes.poke_interval,
        "window_intervals": sizes.window_intervals,
    }
    runs = [run_child("triggers", config, timeout=CHILD_TIMEOUT_SECONDS) for _ in range(sizes.runs)]
    logins = [float(run["logins"]) for run in runs]
    rates = [run["requests_per_trigger_per_interval"] for run in runs]
    per_poll = [run["requests_per_poll"] for run in runs]
    low, high = POLL_RATE_RANGE
    figures = [
        Figure(
            "P5.logins", "P5", "Cognito logins", "logins", logins, "1 in every run", _all_equal(logins, 1)
        ),
        Figure(
            "P5.requests_per_interval",
            "P5",
            "GraphQL requests per trigger per poll interval",
            "requests",
            rates,
            target=f"about 1 ({low} to {high})",
            met=low <= median(rates) <= high,
        ),
        Figure(
            "P5.requests_per_poll",
            "P5",
            "GraphQL requests per poll",
            "requests",
            per_poll,
            target="1",
            met=_all_equal(per_poll, 1),
        ),
        Figure(
            "P5.memory_per_trigger",
            "P5",
            "Resident memory per waiting trigger",
            "KiB",
            [run["rss_per_trigger_kib"] for run in runs],
        ),
        Figure(
            "P5.sessions_per_trigger",
            "P5",
            "requests.Session objects per waiting trigger",
            "sessions",
            [run["sessions_per_trigger"] for run in runs],
        ),
        Figure(
            "P5.sockets_per_trigger",
            "P5",
            "Open sockets per waiting trigger, keep-alive server",
            "sockets",
            [run["keepalive_sockets_per_trigger"] for run in runs],
        ),
    ]
    details = [
        ("triggers, poke interval", f"{sizes.triggers}, {sizes.poke_interval:g} s"),
        (
            "median time from one poll's start to the next",
            f"{median([run['median_poll_period_seconds'] for run in runs]):.3f} s",
        ),
        (
            "median duration of one poll",
            f"{median([run['median_poll_seconds'] for run in runs]) * 1000:.1f} ms",
        ),
        ("triggers that fired success, per run", ", ".join(str(run["successes"]) for run in runs)),
        (
            "seconds from signing until the last trigger fired",
            ", ".join(f"{run['seconds_after_signing']:.1f}" for run in runs),
        ),
    ]
    title = f"{sizes.triggers} LegalesignDocumentTriggers in one event loop until their documents are signed"
    return BenchmarkResult("P5", title, figures, details, runs)


def _list_documents(sizes: Sizes, sandboxes: dict[int, SandboxInfo]) -> dict[int, list[dict[str, Any]]]:
    """Run the listing ``sizes.runs`` times for each group size, each time in a fresh process."""
    small, large = sizes.listing_sizes
    results: dict[int, list[dict[str, Any]]] = {small: [], large: []}
    output = work_dir() / f"listing-{os.getpid()}.jsonl"
    for run in range(sizes.runs):
        # Alternate which size goes first, so that neither always runs on a machine the other warmed.
        for size in (small, large) if run % 2 == 0 else (large, small):
            config = {
                "sandbox": sandboxes[size].to_dict(),
                "page_size": sizes.page_size,
                "output": str(output),
            }
            result = run_child("listing", config, timeout=CHILD_TIMEOUT_SECONDS)
            if result["documents"] != size:
                raise RuntimeError(
                    f"Listing a group of {size} documents returned {result['documents']}; expected {size}."
                )
            results[size].append(result)
    output.unlink(missing_ok=True)
    return results


def run_listing(sizes: Sizes, sandboxes: dict[int, SandboxInfo]) -> BenchmarkResult:
    """P6: requests and peak memory of iter_documents for two group sizes, one fresh process per run."""
    small, large = sizes.listing_sizes
    results = _list_documents(sizes, sandboxes)

    expected_requests = math.ceil(large / sizes.page_size)
    large_requests = [float(run["requests"]) for run in results[large]]
    growth_small = [run["peak_growth_kib"] / 1024 for run in results[small]]
    growth_large = [run["peak_growth_kib"] / 1024 for run in results[large]]
    per_document = [
        (big - little) * 1024 * 1024 / (large - small)
        for big, little in zip(growth_large, growth_small, strict=True)
    ]

    figures = [
        Figure(
            "P6.requests",
            "P6",
            f"GraphQL requests to list {large:,} documents, page size {sizes.page_size}",
            "requests",
            large_requests,
            target=str(expected_requests),
            met=_all_equal(large_requests, expected_requests),
        ),
        Figure(
            "P6.growth_small", "P6", f"Peak RSS growth while listing {small:,} documents", "MiB", growth_small
        ),
        Figure(
            "P6.growth_large", "P6", f"Peak RSS growth while listing {large:,} documents", "MiB", growth_large
        ),
        Figure(
            "P6.growth_per_document",
            "P6",
            f"Extra peak RSS growth per extra document, {large:,} against {small:,}",
            "bytes",
            per_document,
            target=f"<= {MAX_GROWTH_PER_DOCUMENT_BYTES:g} (flat)",
            met=median(per_document) <= MAX_GROWTH_PER_DOCUMENT_BYTES,
        ),
    ]

    details = [
        (
            f"peak RSS of the listing process, {size:,} documents",
            f"{median([run['peak_rss_kib'] for run in results[size]]) / 1024:.1f} MiB",
        )
        for size in (small, large)
    ]
    details += [
        (
            f"seconds to list and write {size:,} documents",
            f"{median([run['seconds'] for run in results[size]]):.2f}",
        )
        for size in (small, large)
    ]
    title = f"Listing {large:,} documents with iter_documents into a JSON-lines file"
    return BenchmarkResult("P6", title, figures, details, {str(size): runs for size, runs in results.items()})
