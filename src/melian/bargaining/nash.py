"""Nash bargaining solution with asymmetric (capability x salience) bargaining power.

Nash (1950), "The bargaining problem", Econometrica 18:155-162; asymmetric form of Kalai (1977)
and Roth (1979); applied to legislative bargaining by Achen (2006) and Schneider, Finke & Bailer (2010).
On each issue the forecast maximises

    prod_i (u_i(x) - u_i(d))^(c_i s_i)

over the issue's scale, where d is the disagreement point and
u_i(x) = 1 - |x - x_i| / range (``utility="linear"``, default) or 1 - ((x - x_i) / range)^2
(``utility="quadratic"``), range = the issue's scale width.

Disagreement point (``disagreement``):
- ``"reference"`` (default): the issue's reference point (status quo) where the problem gives one,
  else the fallback below;
- ``"worst"``: u_i(d) = 0 for every actor (d is a point at distance ``range`` from everyone's
  ideal), i.e. maximise prod_i u_i(x)^(c_i s_i). This is the documented fallback when no reference
  point is known.

Only actors who prefer some x to d (x_i != d) and have c_i s_i > 0 take part. The solution must
give every participant more than u_i(d); if no x does (participants on both sides of d), the
forecast is d itself (no agreement beats the status quo). The log objective is concave, so a
bounded scalar optimiser (scipy) is run and checked against every kink (actor position) and a
fine grid; the best of these is returned.

Static and one-dimensional: per issue, absent (``nan``) actors left out; one trajectory row.
"""

from __future__ import annotations

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast
from melian.bargaining.compromise import static_forecast, weights_or_error
from melian.bargaining.registry import ModelSpec, register
from melian.errors import ModelError

UTILITIES = ("linear", "quadratic")
DISAGREEMENTS = ("reference", "worst")


def utility(x: np.ndarray, ideal: np.ndarray, width: float, kind: str) -> np.ndarray:
    """u_i(x) for every candidate x (rows) and actor ideal (columns)."""
    dist = np.abs(np.asarray(x, dtype=float)[..., None] - ideal) / width
    return 1.0 - dist if kind == "linear" else 1.0 - dist**2


def nash_objective(
    x: np.ndarray, ideal: np.ndarray, w: np.ndarray, ud: np.ndarray, width: float, kind: str
) -> np.ndarray:
    """sum_i w_i log(u_i(x) - u_i(d)); -inf where some participant does not gain."""
    gain = utility(x, ideal, width, kind) - ud
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.where(gain > 0, np.log(np.where(gain > 0, gain, 1.0)), -np.inf)
    return np.sum(w * val, axis=-1)


def nash_point(
    x: np.ndarray,
    w: np.ndarray,
    lo: float,
    hi: float,
    d: float | None,
    kind: str = "linear",
    grid: int = 4001,
) -> float:
    """The Nash bargaining solution on [lo, hi] for ideals ``x`` and weights ``w`` (sum w > 0).

    ``d`` is the disagreement point, or ``None`` for the "worst" disagreement (u_i(d) = 0).
    """
    width = hi - lo
    if not width > 0:
        width = float(np.ptp(x)) or 1.0
        lo, hi = float(np.min(x)), float(np.max(x))
    if d is None:
        part = w > 0
        ud = np.zeros(int(part.sum()))
    else:
        part = (w > 0) & (np.abs(x - d) > 1e-12 * width)
        if not np.any(part):
            return float(d)
        ud = utility(np.array([d]), x[part], width, kind)[0]
    xp, wp = x[part], w[part]
    if xp.size == 0:
        raise ModelError("nash: no actor with positive capability x salience")
    # Feasible set: every participant gains. Each gives an open interval around its ideal.
    radius = (1.0 - ud) * width if kind == "linear" else np.sqrt(np.maximum(1.0 - ud, 0)) * width
    left = max(lo, float(np.max(xp - radius)))
    right = min(hi, float(np.min(xp + radius)))
    if not right > left:
        if d is None:  # only when all ideals coincide at the boundary of their radii
            return float(np.clip(np.average(xp, weights=wp), lo, hi))
        return float(d)

    from scipy.optimize import minimize_scalar  # imported on first use (start-up time)

    def neg(v: float) -> float:
        val = float(nash_objective(np.array([v]), xp, wp, ud, width, kind)[0])
        return -val if np.isfinite(val) else 1e300

    cand = [float(v) for v in xp if left <= v <= right]
    cand += list(np.linspace(left, right, grid))
    res = minimize_scalar(neg, bounds=(left, right), method="bounded", options={"xatol": 1e-10})
    if res.success:
        cand.append(float(res.x))
    cand_arr = np.array(cand)
    vals = nash_objective(cand_arr, xp, wp, ud, width, kind)
    best = float(cand_arr[int(np.argmax(vals))])
    # refine around the best candidate (the objective is concave: a local search suffices)
    step = (right - left) / grid
    a, b = max(left, best - 2 * step), min(right, best + 2 * step)
    res = minimize_scalar(neg, bounds=(a, b), method="bounded", options={"xatol": 1e-12})
    if res.success and -res.fun >= float(np.max(vals)):
        best = float(res.x)
    return best


def run(
    problem: BargainingProblem, utility: str = "linear", disagreement: str = "reference"
) -> Forecast:
    """Nash bargaining forecast per issue; see the module docstring for the choices."""
    if utility not in UTILITIES:
        raise ModelError(f"nash: utility must be one of {UTILITIES}, not {utility!r}")
    if disagreement not in DISAGREEMENTS:
        raise ModelError(f"nash: disagreement must be one of {DISAGREEMENTS}")
    used: dict[str, str] = {}

    def point(
        problem: BargainingProblem, k: int, x: np.ndarray, c: np.ndarray, s: np.ndarray
    ) -> float:
        w = weights_or_error(problem, k, c, s)
        lo, hi = (float(v) for v in np.asarray(problem.scale, dtype=float)[k])
        ref = float(np.asarray(problem.reference, dtype=float)[k])
        d: float | None = None
        if disagreement == "reference" and np.isfinite(ref):
            d = ref
        used[problem.issues[k]] = "reference" if d is not None else "worst"
        return nash_point(x, w, lo, hi, d, utility)

    fc = static_forecast(problem, "nash", {"utility": utility, "disagreement": disagreement}, point)
    fc.extra["disagreement_used"] = used
    return fc


SPEC = register(
    ModelSpec(
        name="nash",
        run=run,
        summary="Asymmetric Nash bargaining solution (weights c x s, reference point as d).",
        citation=(
            "Nash (1950), Econometrica 18:155-162; Achen (2006) in Thomson et al. (eds.), "
            "The European Union Decides, Cambridge UP."
        ),
        multidimensional=False,
        issue_weights=True,
        defaults={"utility": "linear", "disagreement": "reference"},
    )
)
