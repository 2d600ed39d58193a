"""Sizes and repetitions of each benchmark, for the full run and for the quick smoke run."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Sizes:
    """
    Sizes and repetition counts of the benchmarks.

    :param runs: repetitions of each figure; the report gives their median, min and max.
    :param sequential_queries: P1, queries sent one after another.
    :param threads: P2, threads that start together.
    :param queries_per_thread: P2, queries each thread sends.
    :param overhead_pairs: P3, timed pairs (one hook query, one bare query) per run and server.
    :param triggers: P5, triggers in one event loop.
    :param poke_interval: P5, seconds between a trigger's polls.
    :param window_intervals: P5, poll intervals in the window where the request rate is measured.
    :param listing_sizes: P6, the smaller and the larger number of documents listed.
    :param page_size: P6, documents per request.
    :param parallel_imports: P4, start the import-time processes side by side, and beside the other
        benchmarks. They then compete for the CPU, so only the quick run, whose times are not figures
        of record, does so.
    """

    runs: int
    sequential_queries: int
    threads: int
    queries_per_thread: int
    overhead_pairs: int
    triggers: int
    poke_interval: float
    window_intervals: int
    listing_sizes: tuple[int, int]
    page_size: int
    parallel_imports: bool = False

    def with_runs(self, runs: int) -> Sizes:
        """Return a copy with ``runs`` repetitions."""
        return replace(self, runs=runs)


FULL = Sizes(
    runs=5,
    sequential_queries=100,
    threads=32,
    queries_per_thread=10,
    overhead_pairs=300,
    triggers=500,
    # 500 triggers polling every 5 s send the sandbox 100 requests/s, which it serves on 2 busy cores.
    # At 2 s they send 250/s, more than it serves, so the request rate would measure the sandbox.
    poke_interval=5.0,
    window_intervals=2,
    listing_sizes=(2_000, 10_000),
    page_size=1000,
)

# Small enough to finish in seconds, large enough that every structural check still means something:
# several threads race for the first login, and the listing needs several pages.
QUICK = Sizes(
    runs=1,
    sequential_queries=10,
    threads=4,
    queries_per_thread=3,
    overhead_pairs=20,
    triggers=20,
    poke_interval=0.25,
    window_intervals=4,
    listing_sizes=(200, 1000),
    page_size=100,
    parallel_imports=True,
)
