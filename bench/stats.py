"""Figures as the report shows them: the values of every run, their median, min and max, and a target."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Figure:
    """
    One measured quantity of a benchmark, with one value per run.

    :param key: a stable name for tests and tools, such as ``P1.hook_logins``.
    :param benchmark: the benchmark id, such as ``P1``.
    :param name: what was measured, in a few words.
    :param unit: the unit of the values, such as ``ms`` or ``logins``.
    :param values: one value per run.
    :param target: the target in words, or empty when the figure is only reported.
    :param met: whether the target is met, or ``None`` when there is no target.
    """

    key: str
    benchmark: str
    name: str
    unit: str
    values: list[float]
    target: str = ""
    met: bool | None = None

    @property
    def median(self) -> float:
        """The median of the values."""
        return statistics.median(self.values)

    @property
    def minimum(self) -> float:
        """The smallest value."""
        return min(self.values)

    @property
    def maximum(self) -> float:
        """The largest value."""
        return max(self.values)

    def to_dict(self) -> dict[str, Any]:
        """Return the figure as JSON-ready data, with the median, min and max added."""
        data = asdict(self)
        data.update(median=self.median, min=self.minimum, max=self.maximum)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        """Rebuild a figure from :meth:`to_dict` output."""
        return cls(
            key=data["key"],
            benchmark=data["benchmark"],
            name=data["name"],
            unit=data["unit"],
            values=[float(value) for value in data["values"]],
            target=data.get("target", ""),
            met=data.get("met"),
        )


def median(values: list[float]) -> float:
    """Return the median of ``values``."""
    return statistics.median(values)
