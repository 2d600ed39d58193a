"""
P5: many ``LegalesignDocumentTrigger`` instances in one event loop, as in Airflow's triggerer, until
the sandbox signs their documents.

Each run is a fresh process with a sandbox of its own. It first sends the documents through the hook
(``send``), so each trigger watches a real in-progress document. Then, with the token cache empty, the
triggers start spread evenly over one poll interval, as triggers that were deferred at different
moments would be. After a window of whole poll intervals the sandbox signs every document
(:meth:`Sandbox.sign_document`, inside the sandbox process), and the run ends when every trigger has
fired.

The sandbox counts the logins and the ``document`` queries. The request rate is taken over the window,
which starts once every trigger runs, so each trigger polls a whole number of times within it. A
wrapper around ``LegalesignHook.get_document`` counts the polls on the client side and times them.

The sandbox closes every connection after its response, as HTTP/1.0 does, but an HTTP/1.1 server
normally keeps them open. So a second phase runs the same number of triggers against the fixed-answer server, which keeps
connections open and reports every document as in progress. Once every trigger has polled at least
twice, it counts the sockets open in the process.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import os
import statistics
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.environment import set_connection
from bench.fixed_server import FixedServerProcess
from bench.memory import current_rss_kib
from bench.sandbox_process import SandboxControl, SandboxInfo, SandboxProcess, counts_difference, logins


def _send_documents(info: SandboxInfo, control: SandboxControl, count: int) -> list[str]:
    from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

    hook = LegalesignHook()
    tag = f"bench-trigger-{uuid.uuid4().hex[:12]}"
    for index in range(count):
        hook.send_document(
            {
                "groupId": info.group_id,
                "templateId": info.template_id,
                "title": f"Trigger benchmark document {index + 1}",
                "recipients": [
                    {
                        "email": f"signer{index + 1}@example.com",
                        "firstName": "Bench",
                        "lastName": f"Signer {index + 1}",
                        "order": 1,
                        "roleId": info.role_id,
                    }
                ],
                "tag": tag,
            }
        )
    document_ids = [document["id"] for document in control.documents(tag)]
    if len(document_ids) != count:
        raise RuntimeError(f"Sent {count} documents, but the sandbox lists {len(document_ids)} tagged {tag}.")
    return document_ids


class PollRecorder:
    """Records when each document was polled, by wrapping ``LegalesignHook.get_document``."""

    def __init__(self) -> None:
        self.starts: dict[str, list[float]] = defaultdict(list)
        self.durations: list[float] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        """Wrap the hook class's ``get_document``; triggers created afterwards use the wrapper."""
        from airflow_provider_legalesign.hooks.legalesign import LegalesignHook

        original = LegalesignHook.get_document
        recorder = self

        def recorded_get_document(hook: LegalesignHook, document_id: str) -> dict[str, Any]:
            started = time.perf_counter()
            try:
                return original(hook, document_id)
            finally:
                ended = time.perf_counter()
                with recorder._lock:
                    recorder.starts[document_id].append(started)
                    recorder.durations.append(ended - started)

        LegalesignHook.get_document = recorded_get_document  # type: ignore[method-assign,assignment]

    def polls(self) -> int:
        """Return the number of polls recorded."""
        return sum(len(times) for times in self.starts.values())

    def median_period(self) -> float:
        """Return the median time from one poll's start to the next poll's start of the same document."""
        gaps = [
            later - earlier for times in self.starts.values() for earlier, later in itertools.pairwise(times)
        ]
        return statistics.median(gaps)


async def _wait_for_event(trigger: Any, delay: float) -> str:
    await asyncio.sleep(delay)
    async for event in trigger.run():
        return str(event.payload["status"])
    raise RuntimeError(f"The trigger of document {trigger.document_id} ended without an event.")


def _count_sessions() -> int:
    import requests

    gc.collect()
    return sum(1 for item in gc.get_objects() if isinstance(item, requests.Session))


def _count_open_sockets() -> int:
    count = 0
    for entry in Path("/proc/self/fd").iterdir():
        try:
            if os.readlink(entry).startswith("socket:"):
                count += 1
        except OSError:
            pass  # The descriptor closed between listing and reading it.
    return count


async def _hold_connections(count: int, poke_interval: float, conn_id: str) -> int:
    """Run ``count`` triggers against the keep-alive server until each polled twice; return open sockets."""
    from airflow_provider_legalesign.triggers.legalesign import LegalesignDocumentTrigger

    tasks = [
        asyncio.create_task(
            _wait_for_event(
                LegalesignDocumentTrigger(
                    document_id=f"keepalive-{index}", legalesign_conn_id=conn_id, poke_interval=poke_interval
                ),
                index * poke_interval / count,
            )
        )
        for index in range(count)
    ]
    await asyncio.sleep(2.5 * poke_interval)
    sockets = _count_open_sockets()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return sockets


async def _run_triggers(
    document_ids: list[str],
    sandbox: SandboxProcess,
    control: SandboxControl,
    poke_interval: float,
    window_intervals: int,
) -> dict[str, Any]:
    from airflow_provider_legalesign.triggers.legalesign import LegalesignDocumentTrigger

    count = len(document_ids)
    loop = asyncio.get_running_loop()
    started = loop.time()
    tasks = [
        asyncio.create_task(
            _wait_for_event(
                LegalesignDocumentTrigger(document_id=document_id, poke_interval=poke_interval),
                index * poke_interval / count,
            )
        )
        for index, document_id in enumerate(document_ids)
    ]

    # The last trigger starts one interval in; half an interval later every trigger is between polls.
    await asyncio.sleep(started + 1.5 * poke_interval - loop.time())
    window_start = loop.time()
    counts_at_start = await asyncio.to_thread(control.counts)
    await asyncio.sleep(window_start + window_intervals * poke_interval - loop.time())
    counts_at_end = await asyncio.to_thread(control.counts)
    window_seconds = loop.time() - window_start
    # Every trigger is waiting now, so this is what waiting triggers hold.
    waiting_rss_kib = current_rss_kib()
    sessions = _count_sessions()

    signing_started = loop.time()
    await asyncio.to_thread(sandbox.sign, document_ids)
    statuses = await asyncio.gather(*tasks)
    return {
        "window": counts_difference(counts_at_end, counts_at_start),
        "window_seconds": window_seconds,
        "waiting_rss_kib": waiting_rss_kib,
        "sessions": sessions,
        "successes": statuses.count("success"),
        "seconds_after_signing": loop.time() - signing_started,
    }


def measure(config: dict[str, Any]) -> dict[str, Any]:
    """
    Run ``triggers`` triggers until their documents are signed, once, against a new sandbox.

    Config: ``triggers``, ``poke_interval``, ``window_intervals``.
    """
    sandbox = SandboxProcess("triggers").start()
    try:
        # Airflow loads while the sandbox starts.
        import airflow_provider_legalesign.triggers.legalesign  # noqa: F401

        return _measure(config, sandbox, sandbox.wait_ready())
    finally:
        sandbox.stop()


def _measure(config: dict[str, Any], sandbox: SandboxProcess, info: SandboxInfo) -> dict[str, Any]:
    set_connection(info.connection)
    from airflow_provider_legalesign.auth.token_cache import token_cache

    control = SandboxControl(info.base_url)
    count = config["triggers"]
    poke_interval = config["poke_interval"]
    document_ids = _send_documents(info, control, count)
    recorder = PollRecorder()
    recorder.install()
    # The triggerer starts with no token, so the triggers' own login is counted.
    token_cache.clear()
    gc.collect()
    rss_before_kib = current_rss_kib()
    sessions_before = _count_sessions()
    counts_before = control.counts()
    started = time.perf_counter()
    outcome = asyncio.run(
        _run_triggers(document_ids, sandbox, control, poke_interval, config["window_intervals"])
    )
    seconds = time.perf_counter() - started
    total = counts_difference(control.counts(), counts_before)
    document_requests = total["graphql"].get("document", 0)
    window_requests = outcome["window"]["graphql"].get("document", 0)
    polls = recorder.polls()
    median_period = recorder.median_period()
    median_poll = statistics.median(recorder.durations)

    with FixedServerProcess() as keepalive_server:
        set_connection(keepalive_server.connection(), "legalesign_keepalive")
        sockets_before = _count_open_sockets()
        # The fixed server responds at once, so a shorter interval keeps this phase brief.
        sockets = asyncio.run(_hold_connections(count, min(poke_interval, 1.0), "legalesign_keepalive"))
    return {
        "triggers": count,
        "poke_interval": poke_interval,
        "logins": logins({"cognito": total["cognito"]}),
        "document_requests": document_requests,
        "other_graphql_requests": {name: n for name, n in total["graphql"].items() if name != "document"},
        "client_polls": polls,
        "requests_per_poll": document_requests / polls,
        "requests_per_trigger_per_interval": window_requests
        / (count * outcome["window_seconds"] / poke_interval),
        "median_poll_period_seconds": median_period,
        "median_poll_seconds": median_poll,
        "rss_per_trigger_kib": (outcome["waiting_rss_kib"] - rss_before_kib) / count,
        "sessions_per_trigger": (outcome["sessions"] - sessions_before) / count,
        "keepalive_sockets_per_trigger": (sockets - sockets_before) / count,
        "successes": outcome["successes"],
        "seconds_after_signing": outcome["seconds_after_signing"],
        "seconds": seconds,
    }
