"""
P3: time per query through ``LegalesignHook.run_query`` against a bare ``requests.Session`` POST of the
same body, with the same token, to the same server.

Each run times ``pairs`` pairs of one hook query and one bare query, in alternating order within the
pair, and compares the medians. Against the sandbox, both sides open a new connection per request
because the sandbox closes each one. Against the fixed server both sides keep one connection open,
and because that server responds at once, the difference is the provider's own work per query.
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING, Any

from bench.environment import set_connection
from bench.workload import QUERY, request_body

if TYPE_CHECKING:
    from collections.abc import Callable

TIMEOUT_SECONDS = 30.0
WARM_UP_PAIRS = 20


def _time_call(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _measure_server(conn_id: str, pairs: int, runs: int) -> list[dict[str, float]]:
    import requests

    from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

    hook = LegalesignHook(legalesign_conn_id=conn_id)
    # The same token, the same body and the same headers as the hook sends (its session adds only a
    # User-Agent), so that the bare side does nothing the hook can skip.
    token = hook.get_access_token()
    url = hook.settings.endpoint
    body = request_body()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    session = requests.Session()

    def hook_query() -> None:
        hook.run_query(QUERY)

    def bare_query() -> None:
        response = session.post(url, data=body, headers=headers, timeout=(TIMEOUT_SECONDS, TIMEOUT_SECONDS))
        response.json()["data"]

    for _ in range(WARM_UP_PAIRS):
        hook_query()
        bare_query()

    results = []
    for _ in range(runs):
        hook_times: list[float] = []
        bare_times: list[float] = []
        for index in range(pairs):
            if index % 2:
                bare_times.append(_time_call(bare_query))
                hook_times.append(_time_call(hook_query))
            else:
                hook_times.append(_time_call(hook_query))
                bare_times.append(_time_call(bare_query))
        hook_median = statistics.median(hook_times)
        bare_median = statistics.median(bare_times)
        results.append(
            {
                "hook_us": hook_median * 1e6,
                "bare_us": bare_median * 1e6,
                "ratio": hook_median / bare_median,
                "overhead_us": (hook_median - bare_median) * 1e6,
            }
        )
    return results


def measure(config: dict[str, Any]) -> dict[str, Any]:
    """
    Time hook and bare queries against each server in ``servers``.

    Config: ``servers`` (a dict of a label to an Airflow connection in JSON form), ``pairs``, ``runs``.
    Returns per server and run the median microseconds of each side, their ratio and difference.
    """
    results = {}
    for label, connection in config["servers"].items():
        conn_id = f"legalesign_{label}"
        set_connection(connection, conn_id)
        results[label] = _measure_server(conn_id, config["pairs"], config["runs"])
    return {"pairs": config["pairs"], "servers": results}
