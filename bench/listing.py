"""
P6: listing every document of a group with ``LegalesignHook.iter_documents`` and writing each one to a
JSON-lines file, measuring requests and peak memory.

Each run is a fresh process against a sandbox whose group contains exactly the listed number of documents.
The peak resident set size is reset after a warm-up query, so it covers the listing alone plus what
the process already held. A listing that holds one page at a time peaks at the same size for 2,000
and for 10,000 documents.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.environment import set_connection
from bench.memory import current_rss_kib, peak_rss_kib, reset_peak_rss
from bench.sandbox_process import SandboxControl, SandboxInfo, counts_difference
from bench.workload import QUERY


def measure(config: dict[str, Any]) -> dict[str, Any]:
    """
    List the group's documents once and write them to ``output``.

    Config: ``sandbox``, ``page_size``, ``output`` (a file path).
    """
    info = SandboxInfo.from_dict(config["sandbox"])
    set_connection(info.connection)
    from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

    control = SandboxControl(info.base_url)
    hook = LegalesignHook()
    # Logs in and loads every module the listing uses, so the peak below belongs to the listing.
    hook.run_query(QUERY)
    counts_before = control.counts()
    output = Path(config["output"])
    reset_peak_rss()
    rss_before_kib = current_rss_kib()
    started = time.perf_counter()
    documents = 0
    with output.open("w") as file:
        for document in hook.iter_documents(info.group_id, page_size=config["page_size"]):
            file.write(json.dumps(document) + "\n")
            documents += 1
    seconds = time.perf_counter() - started
    peak_kib = peak_rss_kib()
    requests = counts_difference(control.counts(), counts_before)["totals"].get("graphql", 0)
    return {
        "documents": documents,
        "requests": requests,
        "file_bytes": output.stat().st_size,
        "rss_before_kib": rss_before_kib,
        "peak_rss_kib": peak_kib,
        "peak_growth_kib": peak_kib - rss_before_kib,
        "seconds": seconds,
    }
