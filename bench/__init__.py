"""
Benchmarks of the Legalesign provider against the local sandbox: logins, round trips, DAG parse cost,
trigger load and listing memory.

``python -m bench`` (``make bench``) runs them all and writes ``BENCHMARKS.md``; ``--quick`` runs each
once at a tiny size. Every server involved listens on 127.0.0.1 in a process of its own, so the
measured client shares neither its interpreter nor its memory with a server.
"""
