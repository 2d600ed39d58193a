"""Conversion between epoch seconds and AppSync's ``AWSDateTime`` strings."""

from __future__ import annotations

import datetime as dt


def to_millis(epoch_seconds: float) -> int:
    """Round epoch seconds to whole milliseconds, the resolution of ``AWSDateTime`` strings."""
    return round(epoch_seconds * 1000)


def format_aws_datetime(epoch_seconds: float) -> str:
    """Format epoch seconds as UTC ISO 8601 with milliseconds, e.g. ``2025-01-31T09:30:00.000Z``."""
    millis = to_millis(epoch_seconds)
    moment = dt.datetime.fromtimestamp(millis // 1000, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def parse_aws_datetime(value: str) -> float:
    """
    Parse an ISO 8601 date-time with a ``Z`` or ``±hh:mm`` offset into epoch seconds.

    :raises ValueError: if ``value`` is not such a date-time. AppSync's ``AWSDateTime`` requires
        the offset, so a value without one is rejected too.
    """
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone offset. Add one, e.g. 2025-01-31T09:30:00Z")
    return moment.timestamp()
