"""Resident memory of the current process, from ``/proc/self/status`` (Linux)."""

from __future__ import annotations

from pathlib import Path

STATUS = Path("/proc/self/status")


def _status_kib(field_name: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{STATUS} has no {field_name} line")


def current_rss_kib() -> int:
    """Return the resident set size now, in KiB."""
    return _status_kib("VmRSS")


def peak_rss_kib() -> int:
    """Return the highest resident set size since start or the last :func:`reset_peak_rss`, in KiB."""
    return _status_kib("VmHWM")


def reset_peak_rss() -> None:
    """
    Set the peak resident set size back to the current one.

    Linux does this when ``5`` is written to ``/proc/self/clear_refs``.
    """
    Path("/proc/self/clear_refs").write_text("5")
