"""Multi-criteria ranking of the focal actor's options: TOPSIS and weighted sum, AHP weights.

* **Weighted sum** (simple additive weighting; Fishburn 1967; Keeney & Raiffa 1976):
  ``P_i = sum_j w_j r_ij`` over the normalised decision matrix ``r``.
* **TOPSIS** (Hwang & Yoon 1981, *Multiple Attribute Decision Making*, Springer): with
  ``v_ij = w_j r_ij``, the positive and negative ideals ``v+_j = max_i v_ij``,
  ``v-_j = min_i v_ij``, and Euclidean distances ``D+_i``, ``D-_i`` to them,
  ``P_i = D-_i / (D-_i + D+_i)``.

Both are computed by pymcdm (Kizielewicz, Shekhovtsov & Sałabun 2023, SoftwareX 22) with two
normalisations of each criterion column ``x``: **min-max** (``(x - min) / (max - min)``, for costs
``(max - x) / (max - min)``) and **vector** (``x / ||x||``, for costs ``1 - x / ||x||``). The top
option can depend on the normalisation as much as on the weights, so every ranking is reported
under both, side by side. A criterion on which no two options differ by more than its
indifference threshold (Brans & Vincke 1985; Roy 1991; :mod:`melian.decide.indifference`) is
left out of both methods: min-max normalisation would otherwise stretch its noise to 0-1.

* **AHP weights** (Saaty 1977, "A scaling method for priorities in hierarchical structures",
  J. Math. Psych. 15; Saaty 1980, *The Analytic Hierarchy Process*): the principal right
  eigenvector of the reciprocal pairwise-comparison matrix, normalised to sum to one, with the
  consistency index ``CI = (lambda_max - n) / (n - 1)`` and ratio ``CR = CI / RI_n`` (Saaty's
  random indices); CR <= 0.1 is the customary bound of acceptable consistency. Judgements the
  scenario leaves out are handled by Harker's method (Harker 1987, "Incomplete pairwise
  comparisons in the analytic hierarchy process", Math. Modelling 9): a missing ``a_ij`` is 0 and
  ``a_ii`` is 1 plus the number of missing entries in row ``i``; the consistency ratio is then
  that of the matrix completed with ``w_i / w_j``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.decide.indifference import discriminating
from melian.errors import ModelError

# Saaty's random consistency indices RI_n for n = 1 .. 15 (Saaty 1980, table 1.7.1).
SAATY_RI = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
CR_BOUND = 0.1

METHODS = ("topsis", "wsm")
NORMALISATIONS = ("minmax", "vector")


# --------------------------------------------------------------------------- AHP
@dataclass(frozen=True)
class AHPResult:
    """AHP priority weights with the consistency diagnostics."""

    criteria: tuple[str, ...]
    weights: np.ndarray
    matrix: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    missing: int

    @property
    def consistent(self) -> bool:
        """True if the consistency ratio is within Saaty's 0.1 bound."""
        return self.cr <= CR_BOUND

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "weights": {c: float(w) for c, w in zip(self.criteria, self.weights, strict=True)},
            "lambda_max": self.lambda_max,
            "consistency_index": self.ci,
            "consistency_ratio": self.cr,
            "consistent": self.consistent,
            "missing_judgements": self.missing,
        }


def principal_eigen(m: np.ndarray) -> tuple[float, np.ndarray]:
    """Largest real eigenvalue of a positive matrix and its eigenvector normalised to sum 1."""
    vals, vecs = np.linalg.eig(m)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    return float(vals[k].real), w / w.sum()


def consistency(m: np.ndarray) -> tuple[float, float, float]:
    """(lambda_max, CI, CR) of a complete reciprocal matrix (CR = 0 for n <= 2)."""
    n = m.shape[0]
    lam, _ = principal_eigen(m)
    if n <= 2:
        return lam, 0.0, 0.0
    if n > len(SAATY_RI):
        raise ModelError(
            f"AHP random indices are tabulated up to {len(SAATY_RI)} criteria, got {n}"
        )
    ci = (lam - n) / (n - 1)
    return lam, ci, ci / SAATY_RI[n - 1]


def ahp(criteria: Sequence[str], judgements: Sequence[tuple[str, str, float]]) -> AHPResult:
    """AHP weights of ``criteria`` from judgements ``(a, b, ratio)``: a is ratio times b."""
    crit = tuple(criteria)
    n = len(crit)
    if n == 0:
        raise ModelError("AHP needs at least one criterion")
    idx = {c: i for i, c in enumerate(crit)}
    a = np.zeros((n, n))
    np.fill_diagonal(a, 1.0)
    given = np.eye(n, dtype=bool)
    for ca, cb, r in judgements:
        if ca not in idx or cb not in idx:
            raise ModelError(f"pairwise judgement names unknown criterion {ca!r} or {cb!r}")
        i, j = idx[ca], idx[cb]
        if i == j:
            raise ModelError(f"pairwise judgement compares criterion {ca!r} with itself")
        if given[i, j]:
            raise ModelError(f"criteria {ca!r} and {cb!r} are compared more than once")
        if not r > 0:
            raise ModelError(f"pairwise ratio of {ca!r} to {cb!r} must be positive, got {r}")
        a[i, j], a[j, i] = r, 1.0 / r
        given[i, j] = given[j, i] = True
    missing = int((~given).sum() // 2)
    if missing:
        # connectivity of the comparison graph: otherwise the weights are not determined
        seen, stack = {0}, [0]
        while stack:
            i = stack.pop()
            for j in np.flatnonzero(given[i]):
                if int(j) not in seen:
                    seen.add(int(j))
                    stack.append(int(j))
        if len(seen) < n:
            lost = [crit[i] for i in range(n) if i not in seen]
            raise ModelError(
                f"pairwise judgements do not connect every criterion (not linked: {', '.join(lost)})"
            )
        c = a.copy()
        np.fill_diagonal(c, 1.0 + (~given).sum(axis=1))
        _, w = principal_eigen(c)
        full = np.where(given, a, w[:, None] / w[None, :])
    else:
        full = a
        _, w = principal_eigen(full)
    lam, ci, cr = consistency(full)
    return AHPResult(
        criteria=crit, weights=w, matrix=full, lambda_max=lam, ci=ci, cr=cr, missing=missing
    )


# --------------------------------------------------------------------------- ranking
def normaliser(name: str) -> Callable[..., np.ndarray]:
    from pymcdm import normalizations

    if name == "minmax":
        return normalizations.minmax_normalization
    if name == "vector":
        return normalizations.vector_normalization
    raise ModelError(f"unknown normalisation {name!r}; use {', '.join(NORMALISATIONS)}")


def scores(
    matrix: np.ndarray,
    weights: np.ndarray,
    types: np.ndarray,
    method: str,
    normalisation: str,
    thresholds: np.ndarray | None = None,
) -> np.ndarray:
    """Preference of each option (row) by ``method`` with ``normalisation`` (higher is better).

    Parameters
    ----------
    matrix
        Options x criteria.
    weights
        One weight per criterion (normalised here over the criteria kept).
    types
        ``1`` for a benefit criterion (higher is better), ``-1`` for a cost.
    method
        ``topsis`` (Hwang & Yoon 1981) or ``wsm`` (the weighted sum).
    normalisation
        ``minmax`` or ``vector``.
    thresholds
        Each criterion's indifference threshold (:mod:`melian.decide.indifference`; default:
        the floating-point tolerance of its column).

    Returns
    -------
    numpy.ndarray
        The preference of every option.

    Notes
    -----
    Non-discriminating criteria (no two options differ by more than the threshold; a column on
    which every option scores the same is one) are left out, with the criteria of weight zero:
    every option has the same value on them, they move no option relative to another, and
    min-max normalisation would stretch their noise to the whole 0-1 range. Leaving a column
    out gives the same TOPSIS closeness as giving every option the same normalised value on it,
    and the same weighted-sum order (the scores of the others rescaled by one factor).
    """
    from pymcdm.methods import TOPSIS, WSM

    m = np.asarray(matrix, dtype=float)
    w = np.asarray(weights, dtype=float)
    t = np.asarray(types, dtype=int)
    if m.ndim != 2 or m.shape[1] != w.shape[0] or t.shape[0] != w.shape[0]:
        raise ModelError(f"decision matrix {m.shape} does not match {w.shape[0]} weights")
    if not np.all(np.isfinite(m)):
        raise ModelError("the decision matrix has missing or non-finite values")
    keep = discriminating(m, thresholds) & (w > 0)
    if not np.any(keep):
        return np.full(m.shape[0], 0.5)
    mk, wk, tk = m[:, keep], w[keep], t[keep]
    wk = wk / wk.sum()
    norm = normaliser(normalisation)
    if method == "topsis":
        body = TOPSIS(normalization_function=norm)
    elif method == "wsm":
        body = WSM(normalization_function=norm)
    else:
        raise ModelError(f"unknown MCDA method {method!r}; use {', '.join(METHODS)}")
    if mk.shape[0] < 2:
        return np.ones(mk.shape[0])
    return np.asarray(body(mk, wk, tk, validation=False), dtype=float)


def rank_order(p: np.ndarray) -> np.ndarray:
    """Rank 1 = best (highest preference); ties share the better rank."""
    p = np.asarray(p, dtype=float)
    return np.array([1 + int(np.sum(p > v + 1e-12)) for v in p])


def method_key(method: str, normalisation: str) -> str:
    """Key of a method/normalisation pair, e.g. ``topsis-minmax``."""
    return f"{method}-{normalisation}"


def all_scores(
    matrix: np.ndarray,
    weights: np.ndarray,
    types: np.ndarray,
    thresholds: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Preferences under every method and normalisation (TOPSIS and weighted sum side by side),
    leaving out the criteria within their indifference ``thresholds`` (see :func:`scores`).
    """
    return {
        method_key(me, no): scores(matrix, weights, types, me, no, thresholds)
        for me in METHODS
        for no in NORMALISATIONS
    }
