"""Compromise model: the capability x salience weighted mean of the actors' positions.

    O = sum_i c_i s_i x_i / sum_i c_i s_i

A computationally simple approximation of the Nash bargaining solution (van den Bos 1991;
Achen 2006 in Thomson, Stokman, Achen & Koenig, *The European Union Decides*, Cambridge UP 2006).
On the DEU legislative decisions it is the model to beat (Thomson et al. 2006; Leinaweaver & Thomson 2014).

The model is static and one-dimensional: it is applied to each issue separately, leaving out
actors whose position on that issue is ``nan``. The trajectory of each issue has a single row,
the actors' (unchanged) positions.

This module also holds the small helpers every one-dimensional model of this package shares
(:func:`issue_arrays`, :func:`static_forecast`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast, IssueForecast
from melian.bargaining.registry import ModelSpec, register
from melian.errors import ModelError


def validate_problem(problem: BargainingProblem) -> None:
    """Check shapes and value ranges of ``problem``; raise :class:`ModelError` if unusable."""
    n, m = problem.n_actors, problem.n_issues
    if n == 0 or m == 0:
        raise ModelError(f"problem {problem.name!r} has no actors or no issues")
    cap = np.asarray(problem.capability, dtype=float)
    pos = np.asarray(problem.position, dtype=float)
    sal = np.asarray(problem.salience, dtype=float)
    if cap.shape != (n,) or pos.shape != (n, m) or sal.shape != (n, m):
        raise ModelError(
            f"problem {problem.name!r}: expected capability ({n},), position and salience "
            f"({n}, {m}); got {cap.shape}, {pos.shape}, {sal.shape}"
        )
    if not np.all(np.isfinite(cap)) or np.any(cap < 0):
        raise ModelError(f"problem {problem.name!r}: capabilities must be finite and >= 0")
    if np.any(np.isinf(pos)):
        raise ModelError(f"problem {problem.name!r}: positions must be finite (or nan = absent)")
    known = ~np.isnan(pos)
    if np.any(np.isnan(sal) & known) or np.any(sal[known] < 0):
        raise ModelError(
            f"problem {problem.name!r}: salience must be >= 0 wherever a position is given"
        )


def issue_arrays(
    problem: BargainingProblem, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Actors present on issue ``k``: (indices, positions, capabilities, saliences).

    Where the problem's ``meta['power']`` (actors x issues) gives an issue-specific capability
    (the scenario's per-position ``power``, as in decide tables), it replaces the actor's
    capability on that issue. Actors whose position on the issue is ``nan`` are left out.
    Raises :class:`ModelError` when no actor holds a position on the issue.
    """
    pos = np.asarray(problem.position, dtype=float)[:, k]
    idx = np.flatnonzero(~np.isnan(pos))
    if idx.size == 0:
        raise ModelError(f"issue {problem.issues[k]!r}: no actor holds a position")
    cap = np.asarray(problem.capability, dtype=float)[idx]
    power = problem.meta.get("power")
    if power is not None:
        # issue-specific capability (a scenario position's ``power``) replaces the actor's own
        pw = np.asarray(power, dtype=float)[idx, k]
        cap = np.where(np.isnan(pw), cap, pw)
    sal = np.asarray(problem.salience, dtype=float)[idx, k]
    return idx, pos[idx], cap, sal


def weights_or_error(
    problem: BargainingProblem, k: int, c: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """The weights c_i s_i of the actors on issue ``k``; :class:`ModelError` if they sum to zero."""
    w = c * s
    if not np.sum(w) > 0:
        raise ModelError(
            f"issue {problem.issues[k]!r}: every actor has zero capability x salience, "
            "so no weighted outcome is defined"
        )
    return w


def full_row(n: int, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Expand per-present-actor ``values`` to a length-``n`` row with ``nan`` for absent actors."""
    row = np.full(n, np.nan)
    row[idx] = values
    return row


def static_forecast(
    problem: BargainingProblem,
    model: str,
    params: dict[str, Any],
    point_of: Callable[[BargainingProblem, int, np.ndarray, np.ndarray, np.ndarray], float],
) -> Forecast:
    """Apply a static one-dimensional model issue by issue.

    ``point_of(problem, k, x, c, s)`` returns issue ``k``'s point forecast from the present
    actors' positions, capabilities and saliences. Trajectories have one row (the positions,
    which static models do not move); ``rounds`` is 0.
    """
    validate_problem(problem)
    issues = []
    for k, issue in enumerate(problem.issues):
        idx, x, c, s = issue_arrays(problem, k)
        point = float(point_of(problem, k, x, c, s))
        if not np.isfinite(point):
            raise ModelError(f"{model}: issue {issue!r}: no finite forecast")
        traj = full_row(problem.n_actors, idx, x)[None, :]
        issues.append(IssueForecast(issue=issue, point=point, trajectory=traj))
    return Forecast(
        model=model, params=dict(params), actors=problem.actors, issues=issues, rounds=0
    )


def weighted_mean(x: np.ndarray, w: np.ndarray) -> float:
    """sum w_i x_i / sum w_i (caller guarantees sum w > 0)."""
    return float(np.dot(w, x) / np.sum(w))


def _point(
    problem: BargainingProblem, k: int, x: np.ndarray, c: np.ndarray, s: np.ndarray
) -> float:
    w = weights_or_error(problem, k, c, s)
    return weighted_mean(x, w)


def points(x: np.ndarray, w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Compromise points of many one-issue problems at once: per row, the c x s weighted mean of
    the present actors' positions (``x`` is ``nan`` for an absent actor; all arrays (draws,
    actors)). Raises :class:`ModelError` where every present actor has zero weight.
    """
    present = ~np.isnan(x)
    cw = np.where(present, w * s, 0.0)
    total = cw.sum(axis=1)
    if not np.all(total > 0):
        raise ModelError(
            "every actor has zero capability x salience in a sampled problem, so no weighted "
            "outcome is defined"
        )
    return np.sum(cw * np.where(present, x, 0.0), axis=1) / total


def run(problem: BargainingProblem) -> Forecast:
    """Compromise model forecast: per issue, the c x s weighted mean of the positions.

    Raises :class:`ModelError` on an issue where every present actor has zero capability or
    zero salience (the weighted mean is undefined there).
    """
    return static_forecast(problem, "compromise", {}, _point)


SPEC = register(
    ModelSpec(
        name="compromise",
        run=run,
        summary="Capability x salience weighted mean of positions (compromise model).",
        citation=(
            "van den Bos (1991), Dutch EC Policy Making; Achen (2006) in Thomson, Stokman, Achen "
            "& Koenig (eds.), The European Union Decides, Cambridge UP."
        ),
        multidimensional=False,
        issue_weights=True,
        defaults={},
        points=points,
    )
)
