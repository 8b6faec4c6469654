"""Weighted median ("median voter") model.

The forecast on an issue is the position x_m such that the actors at or below x_m hold at least
half of sum_i c_i s_i and so do the actors at or above it (Black 1948; Thomson et al. 2006,
*The European Union Decides*, ch. 2). On one dimension with single-peaked (distance-based)
preferences it is the Condorcet winner among the actors' positions when each actor casts
c_i s_i votes sincerely for the nearer alternative.

When the weight splits exactly in half between two neighbouring positions, every point between
them is a weighted median and both positions tie in a pairwise vote. The ``tie`` parameter picks
the reported point: ``"midpoint"`` (default: the middle of the median interval, which is also the
mean of the two tied Condorcet positions), ``"low"`` or ``"high"``.

Static and one-dimensional: applied per issue, actors with a ``nan`` position left out; the
trajectory is the single row of positions.
"""

from __future__ import annotations

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast
from melian.bargaining.compromise import static_forecast, weights_or_error
from melian.bargaining.registry import ModelSpec, register
from melian.errors import ModelError

TIES = ("midpoint", "low", "high")


def weighted_median(x: np.ndarray, w: np.ndarray, tie: str = "midpoint") -> float:
    """Weighted median of positions ``x`` with non-negative weights ``w`` (sum w > 0).

    Returns an actor position except in the exact-half tie, resolved by ``tie``.
    """
    if tie not in TIES:
        raise ModelError(f"median tie rule must be one of {TIES}, not {tie!r}")
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    keep = w > 0
    if not np.any(keep):
        raise ModelError("weighted median: all weights are zero")
    xs, inv = np.unique(x[keep], return_inverse=True)
    ws = np.bincount(inv, weights=w[keep], minlength=xs.size)
    total = ws.sum()
    half = 0.5 * total
    eps = 1e-12 * total
    below = np.cumsum(ws)  # weight at or below xs[t]
    above = total - below + ws  # weight at or above xs[t]
    ok = np.flatnonzero((below >= half - eps) & (above >= half - eps))
    lo, hi = xs[ok[0]], xs[ok[-1]]
    if tie == "low":
        return float(lo)
    if tie == "high":
        return float(hi)
    return float(0.5 * (lo + hi))


def condorcet_winners(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Actor positions that no other actor position beats in a pairwise c x s weighted vote.

    Brute force over all pairs (O(n^2 * n)): voter k supports the nearer of two positions with
    weight w_k and abstains when equidistant. Used to check :func:`weighted_median`.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    cand = np.unique(x)
    dist = np.abs(x[:, None] - cand[None, :])  # voter x candidate
    # support[a, b] = weight preferring cand a over cand b
    pref = dist[:, :, None] < dist[:, None, :]
    support = np.einsum("k,kab->ab", w, pref)
    beaten = np.any(support.T > support + 1e-12 * max(w.sum(), 1.0), axis=1)
    return cand[~beaten]


def run(problem: BargainingProblem, tie: str = "midpoint") -> Forecast:
    """Weighted-median forecast per issue (weights c_i s_i); see the module docstring."""
    if tie not in TIES:
        raise ModelError(f"median tie rule must be one of {TIES}, not {tie!r}")

    def point(
        problem: BargainingProblem, k: int, x: np.ndarray, c: np.ndarray, s: np.ndarray
    ) -> float:
        return weighted_median(x, weights_or_error(problem, k, c, s), tie)

    return static_forecast(problem, "median", {"tie": tie}, point)


SPEC = register(
    ModelSpec(
        name="median",
        run=run,
        summary="Capability x salience weighted median (median voter; Condorcet winner).",
        citation=(
            "Black (1948), J. Political Economy 56:23-34; Thomson, Stokman, Achen & Koenig (eds.) "
            "(2006), The European Union Decides, Cambridge UP."
        ),
        multidimensional=False,
        issue_weights=True,
        defaults={"tie": "midpoint"},
    )
)
