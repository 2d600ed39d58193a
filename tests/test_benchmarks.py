"""
The benchmark suite at its quick size: ``python -m bench --quick`` runs every benchmark once, and the
figures that do not depend on the machine's speed meet their targets. Wall times are never asserted.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from tests.airflow_version import AIRFLOW_3
from tests.conftest import REPO_ROOT

pytestmark = [
    pytest.mark.integration,
    # The benchmarks measure imports beyond `import airflow.sdk`, which Airflow 2 does not have.
    pytest.mark.skipif(not AIRFLOW_3, reason="the benchmark suite measures against airflow.sdk (Airflow 3)"),
]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    report_path = folder / "BENCHMARKS.md"
    json_path = folder / "results.json"
    command = [
        sys.executable,
        "-m",
        "bench",
        "--quick",
        "--output",
        str(report_path),
        "--json",
        str(json_path),
        "--work-dir",
        str(folder / "work"),
    ]
    completed = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=280, check=False
    )
    assert completed.returncode == 0, f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
    return json.loads(json_path.read_text()), report_path.read_text()


def figure(results: dict, key: str) -> dict:
    matches = [item for item in results["figures"] if item["key"] == key]
    assert len(matches) == 1, f"no single figure {key}"
    return matches[0]


def test_quick_run_covers_every_benchmark(quick_run):
    results, _ = quick_run
    assert sorted({item["benchmark"] for item in results["figures"]}) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert results["mode"] == "quick"


def test_sequential_queries_log_in_once(quick_run):
    results, _ = quick_run
    queries = results["sizes"]["sequential_queries"]
    assert figure(results, "P1.hook_logins")["values"] == [1.0]
    assert figure(results, "P1.baseline_logins")["values"] == [float(queries)]
    run = results["raw"]["P1"]["runs"][0]
    assert run["hook"]["graphql_requests"] == queries
    assert run["baseline"]["graphql_requests"] == queries


def test_concurrent_threads_log_in_once(quick_run):
    results, _ = quick_run
    sizes = results["sizes"]
    queries = sizes["threads"] * sizes["queries_per_thread"]
    assert figure(results, "P2.hook_logins")["values"] == [1.0]
    assert figure(results, "P2.baseline_logins")["values"] == [float(queries)]
    assert results["raw"]["P2"]["runs"][0]["hook"]["graphql_requests"] == queries


def test_query_overhead_measures_both_servers(quick_run):
    results, _ = quick_run
    servers = results["raw"]["P3"]["servers"]
    assert sorted(servers) == ["fixed", "sandbox"]
    for runs in servers.values():
        assert runs[0]["hook_us"] > 0
        assert runs[0]["bare_us"] > 0


def test_dag_parse_makes_no_network_calls(quick_run):
    results, _ = quick_run
    probe = results["raw"]["P4"]["parse_probe"]
    assert probe["dag_ids"] == ["example_legalesign_send_and_wait", "example_legalesign_user"]
    assert probe["import_errors"] == {}
    assert probe["connect_attempts"] == []
    assert probe["name_lookups"] == []
    assert figure(results, "P4.network_calls")["met"] is True


def test_import_time_finds_provider_modules(quick_run):
    results, _ = quick_run
    # A DAG file that uses the provider imports some of its modules. Zero would mean that the import
    # tree was parsed wrongly, which would make every import figure wrong.
    assert figure(results, "P4.example_legalesign_user.provider")["values"][0] > 0
    assert figure(results, "P4.example_legalesign_send_and_wait.provider")["values"][0] > 0


def test_triggers_share_one_login(quick_run):
    results, _ = quick_run
    run = results["raw"]["P5"][0]
    assert run["logins"] == 1
    assert run["successes"] == results["sizes"]["triggers"]
    assert run["other_graphql_requests"] == {}


def test_triggers_send_one_request_per_poll(quick_run):
    results, _ = quick_run
    run = results["raw"]["P5"][0]
    assert run["requests_per_poll"] == 1.0
    assert run["document_requests"] >= results["sizes"]["triggers"]
    # A slow machine can only lower the rate, so an upper bound holds on any machine: a trigger that
    # polled twice per interval would show about 2.
    assert run["requests_per_trigger_per_interval"] <= 1.1


def test_listing_requests_one_page_at_a_time(quick_run):
    results, _ = quick_run
    sizes = results["sizes"]
    small, large = sizes["listing_sizes"]
    expected = math.ceil(large / sizes["page_size"])
    assert figure(results, "P6.requests")["values"] == [float(expected)]
    listed = results["raw"]["P6"]
    assert [run["documents"] for run in listed[str(small)]] == [small]
    assert [run["documents"] for run in listed[str(large)]] == [large]


def test_report_names_machine_and_command(quick_run):
    _, report = quick_run
    assert "## Machine" in report
    assert "| id | figure | unit | median | min | max | runs | target | result |" in report
    assert "python -m bench --quick" in report
