"""
Time each layer of one query against the fixed-answer server, to find where the provider's own time per
query goes. Run as ``python -m bench.query_layers`` (``--pyinstrument`` adds a profile of ``run_query``
when pyinstrument is installed).

The layers, each timed in turn within every round so that load on the machine falls on all alike:

- ``bare``: ``requests.Session.post`` of the encoded body, then ``.json()``, as in P3;
- ``transport``: ``LegalesignHook._execute`` with a ready body, token and parsed operation;
- ``token + transport``: the same, with the token read from the cache;
- ``encode + token + transport``: the same, with the body encoded and the operation parsed;
- ``run_query``: the whole hook call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import TYPE_CHECKING

from bench.environment import child_environment, set_connection
from bench.fixed_server import FixedServerProcess
from bench.workload import QUERY

if TYPE_CHECKING:
    from collections.abc import Callable


def time_layers(rounds: int) -> dict[str, float]:
    """Return the median microseconds per call of each layer over ``rounds`` rounds."""
    import requests

    from airflow_provider_legalesign.graphql_operation import parse_operation
    from airflow_provider_legalesign.graphql_transport import encode_request
    from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

    hook = LegalesignHook()
    hook.run_query(QUERY)
    token = hook.get_access_token()
    body = encode_request(QUERY, None, None)
    operation = parse_operation(QUERY, None)
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = hook.settings.endpoint
    layers: dict[str, Callable[[], object]] = {
        "bare": lambda: session.post(url, data=body, headers=headers, timeout=(30.0, 30.0)).json()["data"],
        "transport": lambda: hook._execute(body, token, operation),
        "token + transport": lambda: hook._execute(body, hook.get_access_token(), operation),
        "encode + token + transport": lambda: hook._execute(
            encode_request(QUERY, None, None), hook.get_access_token(), parse_operation(QUERY, None)
        ),
        "run_query": lambda: hook.run_query(QUERY),
    }
    times: dict[str, list[float]] = {name: [] for name in layers}
    names = list(layers)
    for index in range(rounds):
        # Alternating the order stops any layer from always running right after the same other one.
        for name in names if index % 2 else reversed(names):
            started = time.perf_counter()
            layers[name]()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1e6 for name, values in times.items()}


def profile_run_query(calls: int) -> str:
    """Return pyinstrument's text profile of ``calls`` calls of ``run_query``."""
    from pyinstrument import Profiler

    from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

    hook = LegalesignHook()
    hook.run_query(QUERY)
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for _ in range(calls):
        hook.run_query(QUERY)
    profiler.stop()
    return str(profiler.output_text(unicode=False, color=False))


def main(argv: list[str] | None = None) -> int:
    """Start the fixed-answer server, time the layers and print them."""
    parser = argparse.ArgumentParser(prog="python -m bench.query_layers", description=__doc__)
    parser.add_argument(
        "--rounds", type=int, default=3000, help="rounds of one call per layer (default: 3000)"
    )
    parser.add_argument(
        "--pyinstrument", action="store_true", help="also print a pyinstrument profile of run_query"
    )
    args = parser.parse_args(argv)
    os.environ.update(child_environment())
    with FixedServerProcess() as server:
        set_connection(server.connection())
        medians = time_layers(args.rounds)
        bare = medians["bare"]
        for name, microseconds in medians.items():
            print(f"{name:28s} {microseconds:8.1f} us  {microseconds - bare:+7.1f} us against bare")
        if args.pyinstrument:
            try:
                print(profile_run_query(args.rounds))
            except ImportError:
                print("error: pyinstrument is not installed. Install it with pip install pyinstrument.")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
