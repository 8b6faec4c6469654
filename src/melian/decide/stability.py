"""Weight-stability intervals: how far can each weight move before the top option changes?

For criterion ``j`` with weight ``w_j``, the weight is moved to ``t`` in [0, 1] while the other
weights keep their proportions and the total stays one (``w_k(t) = w_k (1 - t) / (1 - w_j)``;
the one-at-a-time weight sensitivity of Triantaphyllou & Sánchez 1997, "A sensitivity analysis
approach for some deterministic multi-criteria decision-making methods", Decision Sciences 28,
and Mareschal 1988 for the proportional rescaling). The stability interval is the largest
interval around ``w_j`` on which the top option does not change; at each end the option that
takes over is reported.

For the weighted sum every preference is linear in ``t``, so the ends are computed exactly from
the intersections of the lines. For TOPSIS (not linear) the top option is scanned on a grid of
``t`` and each change is located by bisection to ``1e-9``; a flip narrower than the grid step
could be missed, which the result states.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.decide.indifference import discriminating
from melian.decide.mcda import METHODS, normaliser
from melian.errors import ModelError

GRID = 401
TOL = 1e-9


@dataclass(frozen=True)
class StabilityInterval:
    """The interval of one criterion's weight over which the top option stays the same."""

    criterion: str
    weight: float
    low: float
    high: float
    below: str | None
    above: str | None
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``below``/``above``: the option on top just past each end)."""
        return {
            "criterion": self.criterion,
            "weight": self.weight,
            "low": self.low,
            "high": self.high,
            "top_below_low": self.below,
            "top_above_high": self.above,
            "exact": self.exact,
        }


def moved_weights(weights: np.ndarray, j: int, t: float) -> np.ndarray:
    """Weights with ``w_j = t`` and the others rescaled in proportion to sum ``1 - t``."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    rest = w.sum() - w[j]
    out = np.empty_like(w)
    if rest > 0:
        out[:] = w * (1 - t) / rest
    else:
        out[:] = (1 - t) / (len(w) - 1) if len(w) > 1 else 0.0
    out[j] = t
    return out


def _wsm_exact(
    norm_matrix: np.ndarray, weights: np.ndarray, j: int
) -> tuple[float, float, int | None, int | None]:
    """Exact interval for the weighted sum on an already-normalised matrix."""
    w = weights / weights.sum()
    n_opt = norm_matrix.shape[0]
    rest = 1.0 - w[j]
    if rest > 0:
        base = (norm_matrix @ w - w[j] * norm_matrix[:, j]) / rest
    else:
        others = [k for k in range(norm_matrix.shape[1]) if k != j]
        base = norm_matrix[:, others].mean(axis=1) if others else np.zeros(n_opt)
    slope = norm_matrix[:, j] - base  # P_i(t) = base_i + t * slope_i
    t0 = w[j]
    p0 = base + t0 * slope
    top = int(np.argmax(p0))
    lo, hi = 0.0, 1.0
    below = above = None
    for i in range(n_opt):
        if i == top:
            continue
        ds = slope[i] - slope[top]
        db = base[top] - base[i]
        if abs(ds) < 1e-15:
            continue
        t = db / ds
        if ds > 0 and t0 <= t < hi:
            hi, above = t, i
        elif ds < 0 and lo < t <= t0:
            lo, below = t, i
    return max(0.0, lo), min(1.0, hi), below, above


def stability(
    matrix: np.ndarray,
    weights: np.ndarray,
    types: np.ndarray,
    method: str,
    normalisation: str,
    criteria: Sequence[str],
    options: Sequence[str],
    grid: int = GRID,
    thresholds: np.ndarray | None = None,
) -> list[StabilityInterval]:
    """Stability interval of every criterion's weight for ``method``/``normalisation``.

    ``thresholds`` are the criteria's indifference thresholds (default: the floating-point
    tolerance of each column): a non-discriminating criterion is left out of the preferences
    as :func:`melian.decide.mcda.scores` leaves it out, so moving its weight only rescales the
    others.
    """
    m = np.asarray(matrix, dtype=float)
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    t_ = np.asarray(types, dtype=int)
    out: list[StabilityInterval] = []
    if method == "wsm":
        nm = _normalised(m, t_, normalisation, thresholds)
        for j, c in enumerate(criteria):
            lo, hi, b, a = _wsm_exact(nm, w, j)
            out.append(
                StabilityInterval(
                    c,
                    float(w[j]),
                    float(lo),
                    float(hi),
                    None if b is None else options[b],
                    None if a is None else options[a],
                    True,
                )
            )
        return out
    if method != "topsis":
        raise ModelError(f"unknown MCDA method {method!r}; use {', '.join(METHODS)}")
    tops = _topsis_batch(m, t_, normalisation, thresholds)
    for j, c in enumerate(criteria):

        def tops_at(ts: np.ndarray, j: int = j) -> np.ndarray:
            return tops(w, j, ts)

        def top_at(t: float, j: int = j) -> int:
            return int(tops(w, j, np.array([t]))[0])

        lo, hi, b, a = _scan(top_at, float(w[j]), grid, tops_at)
        out.append(
            StabilityInterval(
                c,
                float(w[j]),
                lo,
                hi,
                None if b is None else options[b],
                None if a is None else options[a],
                False,
            )
        )
    return out


def _normalised(
    m: np.ndarray, types: np.ndarray, normalisation: str, thresholds: np.ndarray | None = None
) -> np.ndarray:
    """The normalised matrix as the weighted sum sees it (non-discriminating columns set to 0)."""
    from pymcdm.helpers import normalize_matrix

    nm = np.zeros_like(m)
    keep = discriminating(m, thresholds)
    if np.any(keep):
        nm[:, keep] = normalize_matrix(m[:, keep], normaliser(normalisation), types[keep])
    return nm


def _topsis_batch(
    m: np.ndarray, types: np.ndarray, normalisation: str, thresholds: np.ndarray | None = None
) -> Callable[[np.ndarray, int, np.ndarray], np.ndarray]:
    """The TOPSIS top option at many moved weights at once (Hwang & Yoon 1981).

    Returns ``tops(w, j, ts)``: for each ``t`` of ``ts``, the index of the option with the
    highest closeness ``D- / (D+ + D-)`` under the weights :func:`moved_weights` ``(w, j, t)``,
    on the matrix normalised once by pymcdm's ``normalize_matrix`` (non-discriminating columns,
    within their indifference ``thresholds``, left out, as :func:`melian.decide.mcda.scores`
    does). This is the
    computation of pymcdm's TOPSIS (weighted normalised matrix, ideal and anti-ideal per
    criterion, Euclidean distances) for a whole scan in one array operation instead of one
    call per weight vector; ``scores`` (pymcdm itself) stays the reference, and a test checks
    that both give the same top option.
    """
    from pymcdm.helpers import normalize_matrix

    keep = discriminating(m, thresholds)
    nm = (
        normalize_matrix(m[:, keep], normaliser(normalisation), types[keep]) if keep.any() else None
    )

    def tops(w: np.ndarray, j: int, ts: np.ndarray) -> np.ndarray:
        ts = np.asarray(ts, dtype=float)
        if nm is None or m.shape[0] < 2:
            return np.zeros(ts.shape, dtype=int)
        W = np.stack([moved_weights(w, j, float(t)) for t in ts])[:, keep]
        v = nm[None, :, :] * W[:, None, :]
        d_plus = np.sqrt(np.sum((v - v.max(axis=1, keepdims=True)) ** 2, axis=2))
        d_minus = np.sqrt(np.sum((v - v.min(axis=1, keepdims=True)) ** 2, axis=2))
        with np.errstate(invalid="ignore", divide="ignore"):
            p = d_minus / (d_minus + d_plus)
        # no weight on any varying criterion: every option scores the same (the first is top)
        p[~np.isfinite(p)] = 0.5
        return np.argmax(p, axis=1)

    return tops


def _scan(
    top_at: Callable[[float], int],
    t0: float,
    grid: int,
    tops_at: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[float, float, int | None, int | None]:
    """Interval around ``t0`` on which ``top_at`` is constant (grid scan + bisection).

    ``tops_at`` (optional) gives the top option at many weights in one call; the grid is then
    evaluated at once instead of point by point (the same points, the same result).
    """
    top0 = top_at(t0)
    ts = np.linspace(0.0, 1.0, grid)
    at_grid = None if tops_at is None else dict(zip(ts.tolist(), tops_at(ts).tolist(), strict=True))

    def edge(inside: float, outside: float) -> float:
        """Bisect between a weight where ``top0`` is top and one where it is not."""
        while abs(outside - inside) > TOL:
            mid = 0.5 * (inside + outside)
            if top_at(mid) == top0:
                inside = mid
            else:
                outside = mid
        return outside

    def side(steps: np.ndarray, end: float) -> tuple[float, int | None]:
        """First weight (scanning ``steps`` away from ``t0``) where the top option changes."""
        prev = t0
        for t in steps:
            top = top_at(float(t)) if at_grid is None else at_grid[float(t)]
            if top != top0:
                x = edge(prev, float(t))
                return x, top_at(x)
            prev = float(t)
        return end, None

    hi, above = side(ts[ts > t0], 1.0)
    lo, below = side(ts[ts < t0][::-1], 0.0)
    return lo, hi, below, above
