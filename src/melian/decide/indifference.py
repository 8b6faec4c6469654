"""Indifference thresholds: when a difference between two options is not a preference.

Outranking methods give each criterion ``j`` an **indifference threshold** ``q_j``: two options
whose values on it differ by no more than ``q_j`` are indifferent on it, and only a larger
difference is a preference (PROMETHEE: Brans & Vincke 1985, "A preference ranking organisation
method", Management Science 31; ELECTRE: Roy 1991, "The outranking approach and the foundations
of ELECTRE methods", Theory and Decision 31). melian sets ``q_j`` from how the criterion's values
were obtained:

* **Monte Carlo** (``monte-carlo``): values estimated from the world model's simulated paths with
  a standard error at hand (an outcome's ``mean``: ``sd / sqrt(paths)``; an event's probability:
  ``sqrt(p (1 - p) / paths)``). ``q_j = z sqrt(2) max_i se_ij`` with ``z = 2``: two standard
  errors of the difference of two options' estimates, each with the column's largest standard
  error, taken as independent. The world model draws every option with common random numbers,
  which usually makes two options' estimates positively correlated and the true standard error of
  their difference smaller: this threshold is an upper bound, and errs towards indifference.
* **Tolerance** (``tolerance``): values computed without sampling (game quantities, forecasts,
  judgement scores) and world statistics the ensemble gives no standard error for (quantiles,
  CVaR): ``q_j = 1e-9 max_i |x_ij| + 1e-12``, so that floating-point noise never counts as a
  preference and nothing else is hidden.
* **Given** (``given``): a threshold the caller declares (in the criterion's units).

Every threshold is at least the tolerance. It is used twice:

1. A criterion whose whole range across the options is within its threshold
   (``max_i x_ij - min_i x_ij <= q_j``) is **non-discriminating**: TOPSIS and the weighted sum
   leave it out, giving every option the same normalised value on it, as they leave out a
   column on which every option scores the same (min-max normalisation would stretch its noise
   to the whole 0-1 range, and the ranking would rest on it).
2. An option **leads** on a criterion taken alone when no other option comes within ``q_j`` of
   it; options within ``q_j`` of the best are **tied** there, and a tie is not a lead
   (:func:`standing`).

Within a discriminating criterion TOPSIS and the weighted sum use the values as they are: they are
compensatory methods with no pairwise thresholds (PROMETHEE is the method that applies ``q_j`` to
every pair).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from melian.errors import ModelError

#: Standard errors in an indifference threshold (two standard errors of a difference).
Z = 2.0
#: Relative and absolute floating-point tolerance (of the column's largest magnitude).
REL_TOL = 1e-9
ABS_TOL = 1e-12

Basis = Literal["monte-carlo", "tolerance", "given"]


@dataclass(frozen=True)
class Indifference:
    """One criterion's indifference threshold, where it comes from, and whether it discriminates.

    Attributes
    ----------
    criterion
        The criterion's id.
    threshold
        ``q_j``, in the criterion's units: differences up to it are not preferences.
    basis
        ``monte-carlo`` (two standard errors of a difference), ``tolerance`` (floating point)
        or ``given``.
    spread
        The criterion's range across the options, ``max - min``.
    """

    criterion: str
    threshold: float
    basis: Basis
    spread: float

    @property
    def discriminating(self) -> bool:
        """True if some two options differ on the criterion by more than its threshold."""
        return self.spread > self.threshold

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "criterion": self.criterion,
            "threshold": self.threshold,
            "basis": self.basis,
            "spread": self.spread,
            "discriminating": self.discriminating,
        }


def tolerance(values: np.ndarray) -> float:
    """The floating-point tolerance of a column: ``1e-9 max |x| + 1e-12``."""
    v = np.asarray(values, dtype=float)
    return float(REL_TOL * (np.max(np.abs(v)) if v.size else 0.0) + ABS_TOL)


def threshold(
    values: np.ndarray, errors: np.ndarray | None = None, given: float | None = None
) -> tuple[float, Basis]:
    """The indifference threshold of one criterion column and its basis.

    Parameters
    ----------
    values
        The column: the criterion's value for every option.
    errors
        The standard error of every value (Monte Carlo estimates), or None. Used when every
        option has a finite, non-negative one.
    given
        A threshold the caller declares (non-negative, in the criterion's units); overrides
        the others.

    Returns
    -------
    tuple[float, str]
        ``q_j`` (at least :func:`tolerance`) and ``monte-carlo``, ``tolerance`` or ``given``.
    """
    tol = tolerance(values)
    if given is not None:
        if not (np.isfinite(given) and given >= 0):
            raise ModelError(
                f"an indifference threshold must be a non-negative number, got {given}"
            )
        return max(float(given), tol), "given"
    if errors is not None:
        e = np.asarray(errors, dtype=float)
        if e.shape == np.shape(values) and e.size and np.all(np.isfinite(e)) and np.all(e >= 0):
            return max(float(Z * np.sqrt(2.0) * e.max()), tol), "monte-carlo"
    return tol, "tolerance"


def indifference_thresholds(
    matrix: np.ndarray,
    criteria: Sequence[str],
    errors: Mapping[str, np.ndarray] | None = None,
    given: Mapping[str, float] | None = None,
) -> list[Indifference]:
    """The indifference threshold of every criterion (column) of a decision matrix.

    Parameters
    ----------
    matrix
        Options x criteria.
    criteria
        The criteria's ids, in column order.
    errors
        ``criterion -> standard error per option`` (rows' order) for the Monte Carlo criteria.
    given
        ``criterion -> threshold`` declared by the caller.

    Returns
    -------
    list[Indifference]
        One per criterion, in column order (see :func:`threshold`).
    """
    m = np.asarray(matrix, dtype=float)
    errors = errors or {}
    given = given or {}
    unknown = set(given) - set(criteria)
    if unknown:
        raise ModelError(f"indifference thresholds name unknown criteria {sorted(unknown)}")
    out = []
    for j, c in enumerate(criteria):
        q, basis = threshold(m[:, j], errors.get(c), given.get(c))
        spread = float(np.ptp(m[:, j])) if m.shape[0] else 0.0
        out.append(Indifference(c, q, basis, spread))
    return out


def discriminating(matrix: np.ndarray, thresholds: np.ndarray | None = None) -> np.ndarray:
    """Which columns some two options differ on by more than the column's threshold.

    ``thresholds`` defaults to each column's :func:`tolerance`, so that a column equal up to
    floating-point noise is never stretched by min-max normalisation.
    """
    m = np.asarray(matrix, dtype=float)
    if thresholds is None:
        q = np.array([tolerance(m[:, j]) for j in range(m.shape[1])])
    else:
        q = np.asarray(thresholds, dtype=float)
        if q.shape != (m.shape[1],):
            raise ModelError(f"{q.shape[0]} thresholds for a matrix of {m.shape[1]} criteria")
    if m.shape[0] == 0:
        return np.zeros(m.shape[1], dtype=bool)
    return np.ptp(m, axis=0) > q


@dataclass(frozen=True)
class Standing:
    """Where one option stands on one criterion taken alone.

    ``first`` if no other option is better by more than the threshold; then ``lead`` if every
    other option is worse by more than it, else ``tied_with`` lists the options within it.
    """

    first: bool
    lead: bool
    tied_with: tuple[str, ...]


def standing(
    values: Mapping[str, float], direction: str, threshold: float, option: str
) -> Standing:
    """Whether ``option`` is first on a criterion taken alone, and leads or ties there.

    Parameters
    ----------
    values
        ``option -> value`` on the criterion.
    direction
        ``max`` (higher is better) or ``min``.
    threshold
        The criterion's indifference threshold ``q``: a difference up to ``q`` is no preference.
    option
        The option to place.

    Returns
    -------
    Standing
        ``first`` when no other option beats ``option`` by more than ``q``; ``lead`` when it
        beats every other by more than ``q``; otherwise the options within ``q`` of it that
        keep it from leading (``tied_with``, in the order of ``values``).
    """
    if direction not in ("max", "min"):
        raise ModelError(f"direction must be 'max' or 'min', got {direction!r}")
    sign = 1.0 if direction == "max" else -1.0
    x = sign * float(values[option])
    others = {o: sign * float(v) for o, v in values.items() if o != option}
    if any(v - x > threshold for v in others.values()):
        return Standing(False, False, ())
    tied = tuple(o for o, v in others.items() if x - v <= threshold)
    return Standing(True, not tied, tied)
