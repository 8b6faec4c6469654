"""Calibration of an event (attack) count process on a file of period counts.

:func:`calibrate_attacks` fits ``count_i ~ Poisson(exposure_i exp(b0 + b1 mid_i))`` (a log-linear
trend in time) on the periods that end by the as-of date and evaluates it at the as-of date; the
armed-threat component (:mod:`melian.world.components.armed_threat`) starts from that rate.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from melian.errors import InputError, ModelError, Problem


@dataclass(frozen=True)
class AttackCalibration:
    """Poisson log-linear trend fit of period attack counts, evaluated at the as-of date."""

    rate: float  # attacks per month at the as-of date
    se_log_rate: float
    trend_per_month: float
    fitted: tuple[float, ...]
    observed: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        """Plain data."""
        return {
            "rate": self.rate,
            "se_log_rate": self.se_log_rate,
            "trend_per_month": self.trend_per_month,
            "fitted": list(self.fitted),
            "observed": list(self.observed),
        }


def _months(a: dt.date, b: dt.date) -> float:
    """Length in months between two dates (365.25 / 12 days a month)."""
    return (b - a).days / (365.25 / 12)


def calibrate_attacks(path: Path, as_of: dt.date) -> AttackCalibration:
    """Fit ``count_i ~ Poisson(exposure_i * exp(b0 + b1 * mid_i))`` by Newton's method.

    ``exposure_i`` is the period length in months and ``mid_i`` its midpoint in months relative
    to ``as_of``, so ``exp(b0)`` is the monthly rate at the as-of date. Only periods ending on or
    before ``as_of`` are used.
    """
    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    except OSError as exc:
        raise InputError(
            [Problem(str(path), None, None, "", f"cannot read attack counts: {exc}")]
        ) from None
    expo, mid, cnt = [], [], []
    for k, r in enumerate(rows, start=2):
        try:
            a = dt.date.fromisoformat(r["start"].strip())
            b = dt.date.fromisoformat(r["end"].strip())
            c = int(r["attacks"])
        except (KeyError, ValueError, AttributeError):
            raise InputError(
                [
                    Problem(
                        str(path),
                        k,
                        1,
                        "",
                        "expected columns start,end,attacks with ISO dates and an integer count",
                    )
                ]
            ) from None
        if b > as_of:
            continue
        if b < a or c < 0:
            raise InputError(
                [Problem(str(path), k, 1, "", "period end before start or negative count")]
            )
        e = _months(a, b + dt.timedelta(days=1))
        expo.append(e)
        mid.append(_months(as_of, a) + e / 2)
        cnt.append(c)
    if len(cnt) < 2 or sum(cnt) == 0:
        raise ModelError(
            f"{path}: at least two periods with attacks before the as-of date are "
            "needed to calibrate the attack intensity"
        )
    E, M, Y = np.array(expo), np.array(mid), np.array(cnt, dtype=float)
    b = np.array([math.log(Y.sum() / E.sum()), 0.0])
    X = np.column_stack([np.ones_like(M), M])
    for _ in range(50):
        mu = E * np.exp(X @ b)
        grad = X.T @ (Y - mu)
        H = X.T @ (X * mu[:, None])
        delta = np.linalg.solve(H, grad)
        b = b + delta
        if np.max(np.abs(delta)) < 1e-12:
            break
    mu = E * np.exp(X @ b)
    cov = np.linalg.inv(X.T @ (X * mu[:, None]))
    return AttackCalibration(
        float(math.exp(b[0])),
        float(math.sqrt(cov[0, 0])),
        float(b[1]),
        tuple(float(v) for v in mu),
        tuple(int(v) for v in cnt),
    )
