"""Declarations of the named scenario parameters the world model reads (name, unit, meaning)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamSpec:
    """A world parameter the model reads: its path ``component.name``, unit, meaning and range.

    ``default`` is None for a required parameter; an optional parameter takes ``default`` when
    the scenario does not declare it (its default reproduces the model without it).
    """

    path: str
    unit: str
    meaning: str
    low: float | None = None
    high: float | None = None
    default: float | None = None

    @property
    def required(self) -> bool:
        """True if a scenario must declare the parameter."""
        return self.default is None

    def check(self, values: object) -> str | None:
        """A message if any sampled value lies outside [low, high], else None."""
        import numpy as np

        v = np.asarray(values, dtype=float)
        if not np.all(np.isfinite(v)):
            return f"{self.path} has non-finite values"
        if self.low is not None and np.any(v < self.low):
            return f"{self.path} must be >= {self.low} ({self.unit}); got {float(v.min()):g}"
        if self.high is not None and np.any(v > self.high):
            return f"{self.path} must be <= {self.high} ({self.unit}); got {float(v.max()):g}"
        return None
