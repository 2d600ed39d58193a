"""The Markdown report (``BENCHMARKS.md``) and the JSON results of a benchmark run."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.sizes import Sizes
    from bench.stats import Figure
    from bench.suite import BenchmarkResult

FINDINGS = Path(__file__).with_name("findings.md")

QUICK_MODE_WARNING = [
    "This is a quick run: one run of each benchmark at a tiny size, with the import timings running "
    "beside the other benchmarks. Only its counts (logins, requests, network calls) are meaningful. Its "
    "times are not figures of record, so a time target marked not met here says nothing about the "
    "provider.",
    "",
]

METHODS = {
    "P1": (
        "One process sends the queries one after another, once through one `LegalesignHook` (token "
        "cache emptied first) and once through a client that logs in before every query with plain "
        "`requests.post` (`InitiateAuth`, then the GraphQL POST), as a script that runs once per query "
        "does. The sandbox counts the logins. The order of the two sides alternates from run to run."
    ),
    "P2": (
        "The threads wait at a barrier and then send their queries at once, each thread through its "
        "own `LegalesignHook` (as separate tasks in one worker would), or through its own "
        "login-per-query client. The sandbox counts the logins."
    ),
    "P3": (
        "Each run times pairs of one `run_query` and one bare `requests.Session.post` of the same "
        "bytes with the same token and headers, followed by `.json()`, in alternating order within "
        "the pair, and divides the medians. The sandbox closes every connection (HTTP/1.0), so there "
        "both sides connect per request and its GraphQL execution dominates. The fixed-answer server "
        "(`bench/fixed_server.py`, its own process) keeps connections open and responds at once, so "
        "the difference there is the provider's own work per query. `python -m bench.query_layers` "
        "splits that difference by layer."
    ),
    "P4": (
        "Each figure comes from fresh `python -X importtime -c 'import airflow.sdk; import X'` "
        "processes: X's top-level entry is what X adds beyond `airflow.sdk`, including for a DAG file "
        "the building of its DAG. For a DAG file, the provider's share is the time of the outermost "
        "`airflow_provider_legalesign` modules in X's import tree; the rest of the whole-file figure "
        "is Airflow's own `@dag`, `@task` and timetable modules, which any DAG file loads. The network "
        "check parses `dags/` with Airflow's `DagBag` in a process whose `socket.connect`, "
        "`connect_ex`, `getaddrinfo` and `gethostbyname` raise and record the attempt. That check runs "
        "once, because it counts calls and a count does not vary from run to run."
    ),
    "P5": (
        "Each run is a fresh process with its own sandbox. It sends the documents through the hook, "
        "empties the token cache, and starts the triggers in one `asyncio` loop, spread evenly over one "
        "poll interval. The request rate is counted at the sandbox over a window of whole poll "
        "intervals that starts once all triggers run. Then the sandbox signs every document and the "
        "run ends when every trigger has fired. Memory per trigger is the growth of the process's "
        "resident set size while the triggers wait, divided by their number. The sandbox closes each "
        "connection after its response, so a second phase runs as many triggers against the "
        "fixed-answer server, which keeps connections open, and counts the process's open sockets once "
        "each trigger has polled twice."
    ),
    "P6": (
        "Each run is a fresh process that logs in, resets its peak resident set size "
        "(`/proc/self/clear_refs`), lists the whole group with `iter_documents` and writes each "
        "document as a JSON line. Two sandboxes hold groups of exactly the two sizes; the sizes "
        "alternate which goes first. The growth is the peak minus the resident size before listing."
    ),
}


def _format_number(value: float, unit: str) -> str:
    if unit in ("logins", "calls") or (unit == "requests" and float(value).is_integer()):
        return f"{value:.0f}"
    if unit in ("sessions", "sockets"):
        return f"{value:.2f}"
    if unit in ("x", "requests"):
        return f"{value:.3f}"
    if unit in ("us", "bytes"):
        return f"{value:.0f}"
    return f"{value:.1f}"


def _met_text(figure: Figure) -> str:
    if figure.met is None:
        return "reported"
    return "met" if figure.met else "**not met**"


def figures_table(figures: list[Figure]) -> str:
    """Return the summary table of every figure as Markdown."""
    lines = [
        "| id | figure | unit | median | min | max | runs | target | result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for figure in figures:
        unit = figure.unit
        lines.append(
            f"| {figure.benchmark} | {figure.name} | {unit} | {_format_number(figure.median, unit)} | "
            f"{_format_number(figure.minimum, unit)} | {_format_number(figure.maximum, unit)} | "
            f"{len(figure.values)} | {figure.target or '-'} | {_met_text(figure)} |"
        )
    return "\n".join(lines)


def _machine_section(run: dict[str, Any]) -> list[str]:
    machine = run["machine"]
    versions = machine["versions"]
    memory = f"{machine['memory_gib']:.1f} GiB" if machine["memory_gib"] else "unknown"
    load_before = run["load_before"]
    load_after = run["load_after"]
    lines = [
        "## Machine",
        "",
        f"- CPU: {machine['cpu_model']}, {machine['cores']} cores",
        f"- Memory: {memory}",
        f"- OS: {machine['os']}",
        f"- Python {machine['python']} ({machine['implementation']}), Airflow {versions['apache-airflow']}, "
        f"provider {versions['airflow-provider-legalesign']}, requests {versions['requests']}, "
        f"urllib3 {versions['urllib3']}, moto {versions['moto']}",
    ]
    if load_before and load_after:
        lines.append(
            f"- Load average (1, 5, 15 min) before the run: {', '.join(f'{x:.2f}' for x in load_before)}; "
            f"after: {', '.join(f'{x:.2f}' for x in load_after)}"
        )
    if run.get("note"):
        lines.append(f"- {run['note']}")
    return lines


def _sizes_line(sizes: Sizes) -> str:
    return ", ".join(f"{name} {value}" for name, value in asdict(sizes).items())


def render(run: dict[str, Any], results: list[BenchmarkResult], sizes: Sizes) -> str:
    """Return the whole report as Markdown."""
    figures = [figure for result in results for figure in result.figures]
    lines = [
        "# Benchmarks",
        "",
        "What the provider costs where it matters on shared Airflow workers: Cognito logins, HTTP round "
        "trips, DAG parse time, triggerer load and memory. Every server is local: the Legalesign sandbox "
        "(moto's Cognito and the GraphQL server, `airflow_provider_legalesign.sandbox`) and a fixed-answer "
        "server, each in a process of its own on 127.0.0.1. Each figure is the median of the runs, with "
        "min and max; ratios compare a baseline and the provider measured side by side in the same run.",
        "",
        "Logins and request counts do not depend on the machine. Times do, and against real Legalesign "
        "each login and round trip costs network latency (tens to hundreds of milliseconds) that the "
        "loopback sandbox does not have, so the provider's savings in logins are worth more there than "
        "the wall-time ratios below show.",
        "",
        f"Generated on {run['started_at']} in {run['duration_seconds']:.0f} s ({run['mode']} mode).",
        "",
        *(QUICK_MODE_WARNING if run["mode"] == "quick" else []),
        "## Reproduce",
        "",
        "```bash",
        "make bench                                     # or: .venv/bin/python -m bench",
        ".venv/bin/python -m bench --quick --output /tmp/quick.md   # every benchmark once, tiny sizes",
        "```",
        "",
        f"Command of this run: `{run['command']}`. Sizes: {_sizes_line(sizes)}. The scripts are in `bench/`; "
        "each measurement's log is in `.airflow/bench/logs/`.",
        "",
        *_machine_section(run),
        "",
        "## Figures",
        "",
        figures_table(figures),
        "",
    ]
    for result in results:
        lines += [f"## {result.benchmark}: {result.title}", "", METHODS[result.benchmark], ""]
        if result.details:
            lines += ["| detail | value |", "|---|---|"]
            lines += [f"| {label} | {value} |" for label, value in result.details]
            lines.append("")
    if FINDINGS.exists():
        lines += [FINDINGS.read_text().strip(), ""]
    return "\n".join(lines)


def results_json(run: dict[str, Any], results: list[BenchmarkResult], sizes: Sizes) -> str:
    """Return the run, its figures and every raw measurement as JSON."""
    return json.dumps(
        {
            **run,
            "sizes": asdict(sizes),
            "figures": [figure.to_dict() for result in results for figure in result.figures],
            "raw": {result.benchmark: result.raw for result in results},
        },
        indent=2,
    )
