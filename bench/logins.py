"""
P1 and P2: Cognito logins for many queries from one process, the provider's hook against a client that
logs in before every query. Both sides run in the same process against the same sandbox, in
alternating order from run to run, and the sandbox counts the logins.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from bench.environment import set_connection
from bench.sandbox_process import SandboxControl, SandboxInfo, logins
from bench.tutorial_client import LoginPerQueryClient
from bench.workload import QUERY, request_body

if TYPE_CHECKING:
    from collections.abc import Callable


def _count_side(control: SandboxControl, side: Callable[[], None]) -> dict[str, Any]:
    """Run ``side`` with fresh counts and return its logins, GraphQL requests and wall time."""
    control.reset_counts()
    started = time.perf_counter()
    side()
    seconds = time.perf_counter() - started
    counts = control.counts()
    return {"logins": logins(counts), "graphql_requests": counts["totals"]["graphql"], "seconds": seconds}


def _alternate(
    run: int, hook_side: Callable[[], None], baseline_side: Callable[[], None], control: SandboxControl
) -> dict[str, Any]:
    # Even runs measure the hook first and odd runs the baseline first, so that neither side always
    # meets a sandbox that the other has just warmed up or loaded.
    order = [("hook", hook_side), ("baseline", baseline_side)]
    if run % 2:
        order.reverse()
    result = {name: _count_side(control, side) for name, side in order}
    result["wall_time_ratio"] = result["baseline"]["seconds"] / result["hook"]["seconds"]
    return result


def measure_sequential(config: dict[str, Any]) -> dict[str, Any]:
    """
    P1: ``queries`` sequential queries per run, through one hook and through the login-per-query client.

    Config: ``sandbox`` (:class:`SandboxInfo` data), ``queries``, ``runs``.
    """
    sandbox = SandboxInfo.from_dict(config["sandbox"])
    set_connection(sandbox.connection)
    from airflow_provider_legalesign.auth.token_cache import token_cache
    from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

    control = SandboxControl(sandbox.base_url)
    client = LoginPerQueryClient(sandbox.connection)
    body = request_body()
    queries = config["queries"]

    def hook_side() -> None:
        # A new process-wide cache per run, so every run starts without a token, as a new worker does.
        token_cache.clear()
        hook = LegalesignHook()
        for _ in range(queries):
            hook.run_query(QUERY)

    def baseline_side() -> None:
        for _ in range(queries):
            client.run_query(body)

    # One unmeasured round loads every lazily imported module on both sides.
    hook_side()
    baseline_side()
    runs = [_alternate(run, hook_side, baseline_side, control) for run in range(config["runs"])]
    return {"queries": queries, "runs": runs}


def measure_concurrent(config: dict[str, Any]) -> dict[str, Any]:
    """
    P2: ``threads`` threads that start together at a barrier, each sending ``queries_per_thread``
    queries, once with one hook per thread and once with the login-per-query client.

    Config: ``sandbox``, ``threads``, ``queries_per_thread``, ``runs``.
    """
    sandbox = SandboxInfo.from_dict(config["sandbox"])
    set_connection(sandbox.connection)
    from airflow_provider_legalesign.auth.token_cache import token_cache
    from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

    control = SandboxControl(sandbox.base_url)
    body = request_body()
    thread_count = config["threads"]
    queries = config["queries_per_thread"]

    def run_threads(make_worker: Callable[[], Callable[[], object]]) -> None:
        barrier = threading.Barrier(thread_count)
        errors: list[BaseException] = []

        def body_of_thread(work: Callable[[], object]) -> None:
            barrier.wait()
            try:
                for _ in range(queries):
                    work()
            except BaseException as error:
                errors.append(error)

        threads = [
            threading.Thread(target=body_of_thread, args=(make_worker(),)) for _ in range(thread_count)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError(
                f"{len(errors)} of {thread_count} threads failed, the first with {errors[0]!r}"
            )

    def hook_side() -> None:
        token_cache.clear()

        # One hook per thread, as separate tasks in one worker process each create their own.
        def make_worker() -> Callable[[], object]:
            hook = LegalesignHook()
            return lambda: hook.run_query(QUERY)

        run_threads(make_worker)

    def baseline_side() -> None:
        def make_worker() -> Callable[[], object]:
            client = LoginPerQueryClient(sandbox.connection)
            return lambda: client.run_query(body)

        run_threads(make_worker)

    LegalesignHook().run_query(QUERY)
    LoginPerQueryClient(sandbox.connection).run_query(body)
    runs = [_alternate(run, hook_side, baseline_side, control) for run in range(config["runs"])]
    return {"threads": thread_count, "queries_per_thread": queries, "runs": runs}
