"""Breaking points: where the top-ranked option stops being first.

Two published questions, on a model whose inputs are written in standardised form
``z = Phi^-1(u)`` (``u`` the quantile of each uncertain input under its declared distribution, so
``z = (x - mean) / sd`` for an untruncated normal input; the probability-integral transform
otherwise, a truncated normal's included):

* **Switch-over values, one input at a time** (Howard 1988, "Decision analysis: practice and
  promise", *Management Science* 34(6):679-695; Clemen and Reilly, *Making Hard Decisions*, the
  chapter on sensitivity analysis): with every other input at its central value, the value of
  input ``i`` at which the gap ``g(z) = U_top(z) - max_{o != top} U_o(z)`` reaches zero, on each
  side of the centre. Found by a scan on a grid of ``z_i`` and a bracketing root finder run on
  every input and side together (multisection: a batch of points per bracket per call).
* **The nearest flip** (the design point of the first-order reliability method: Hasofer and Lind
  1974, "Exact and invariant second-moment code format", *J. Eng. Mech. Div.* 100(1):111-121;
  Rackwitz and Fiessler 1978, "Structural reliability under combined random load sequences",
  *Computers & Structures* 9(5):489-494): the point of the surface ``g(z) = 0`` closest to the
  origin, ``min ||z|| s.t. g(z) = 0``. Its distance ``beta`` is a robustness index
  (``Phi(-beta)`` approximates the probability of a flip for independent inputs), and its
  coordinates say which inputs move most to get there. Solved with the HL-RF iteration on a
  linear response surface of central secants (Bucher and Bourgund 1990), each step projected
  onto ``g = 0`` along its ray, within a budget of calls of the response; when the search does
  not settle, the nearest evaluated point where the ranking flipped is reported as an upper
  bound of ``beta`` (``converged=False``).

The response must be evaluated with **common random numbers** (the same random streams at every
input value; the caller's ``score`` closes over one seed), so that ``g`` is a deterministic
function of ``z`` and the bracketing converges; it is still only piecewise smooth (a finite number
of paths), which is why the design-point search works on secants and has a budget. Monte Carlo
error is reported separately (:func:`gap_standard_errors`, and the delta method
``se(z*) = se(g) / |dg/dz|``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from melian.errors import ModelError
from melian.explore.model import latin_hypercube, outcome_bounds
from melian.explore.parallel import chunk_rows

if TYPE_CHECKING:
    from melian.explore.parallel import Evaluator, Progress

#: ``score(z)`` maps standardised input points (n, k) to option utilities (n, options).
Scorer = Callable[[np.ndarray], np.ndarray]

#: Shares of a breaking-point search's progress: the one-at-a-time scan (one large call, in
#: chunks), the root refinement and standard errors (a few calls), the design-point search (at
#: most its budget of calls); the normalisation ensemble, when there is one, comes first.
STAGES = {"reference": 0.05, "scan": 0.55, "refine": 0.15, "nearest": 0.25}


#: Budget of calls of the response in the design-point search (:func:`nearest_flip`).
NEAREST_CALLS = 24


class StageProgress:
    """Progress of a breaking-point search as a fraction in [0, 1] that only moves forward.

    ``stage(name)`` starts one of :data:`STAGES` (the earlier ones count as done); within it
    ``part(done, total)`` reports a known share (the chunks of one large call) and ``call()``
    one more call of the response, of an unknown number (each moves a quarter of the way to the
    stage's end, or ``1 / budget`` of it when the stage has a budget of calls). ``report``
    receives the fraction (nothing is reported without one).
    """

    def __init__(self, report: Callable[[float], None] | None, skip: Sequence[str] = ()) -> None:
        self._report = report
        total = sum(v for k, v in STAGES.items() if k not in skip)
        self._share = {k: (0.0 if k in skip else v / total) for k, v in STAGES.items()}
        self._start = 0.0
        self._width = 0.0
        self._within = 0.0
        self._calls = 0
        self._budget: int | None = None
        self._parts = False
        self._span = (0.0, 1.0)
        self._last = -1.0

    def stage(self, name: str, budget: int | None = None, parts: bool = False) -> None:
        """Start stage ``name`` (every stage before it in :data:`STAGES` counts as done);
        ``parts``: the stage reports known parts (:meth:`part`), else calls (:meth:`call`).
        """
        order = list(STAGES)
        self._start = sum(self._share[k] for k in order[: order.index(name)])
        self._width = self._share[name]
        self._within, self._calls, self._budget = 0.0, 0, budget
        self._parts = parts
        self._span = (0.0, 1.0)
        self._emit()

    def part(self, done: int, total: int) -> None:
        """``done`` of ``total`` known parts of the current stage are finished (ignored in a
        stage that counts calls: a large call inside it is one call).
        """
        if self._parts:
            lo, hi = self._span
            self._within = max(self._within, lo + (hi - lo) * done / max(total, 1))
            self._emit()

    def span(self, lo: float, hi: float) -> None:
        """The parts reported next fill ``[lo, hi]`` of the current stage (a stage of several
        large calls: the screened scan's two).
        """
        self._span = (lo, hi)

    def call(self) -> None:
        """One more call of the response in the current stage."""
        self._calls += 1
        f = self._calls / self._budget if self._budget else 1.0 - 0.75**self._calls
        self._within = max(self._within, min(f, 1.0))
        self._emit()

    def done(self) -> None:
        """The search is finished (the fraction is 1)."""
        self._start, self._width, self._within = 1.0, 0.0, 1.0
        self._emit()

    def _emit(self) -> None:
        f = min(1.0, self._start + self._width * self._within)
        if self._report is not None and f > self._last:
            self._last = f
            self._report(f)

    def counted(self, score: Scorer) -> Scorer:
        """``score`` reporting :meth:`call` after each call."""

        def wrapped(z: np.ndarray) -> np.ndarray:
            out = score(z)
            self.call()
            return out

        return wrapped


def gap(utilities: np.ndarray, top: int) -> np.ndarray:
    """``U_top - max_{o != top} U_o`` for every row of ``utilities`` (n, options)."""
    u = np.asarray(utilities, dtype=float)
    others = np.delete(u, top, axis=1)
    return u[:, top] - others.max(axis=1)


@dataclass
class SwitchOver:
    """The switch-over values of one input (each side of the centre), in z and in its units."""

    input: str
    low_z: float | None
    high_z: float | None
    low_value: float | None = None
    high_value: float | None = None
    low_winner: str | None = None
    high_winner: str | None = None
    low_se_z: float | None = None
    high_se_z: float | None = None
    searched_z: float = 4.0
    #: The gap's fall per spread across the scan's bracket of each switch-over (the two grid
    #: points around it), which the delta method divides the gap's standard error by.
    low_slope: float | None = None
    high_slope: float | None = None

    @property
    def nearest_z(self) -> float | None:
        """Distance (in spreads) of the nearer switch-over value, ``None`` if none was found."""
        found = [abs(v) for v in (self.low_z, self.high_z) if v is not None]
        return min(found) if found else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "input": self.input,
            "low_z": self.low_z,
            "high_z": self.high_z,
            "low_value": self.low_value,
            "high_value": self.high_value,
            "low_winner": self.low_winner,
            "high_winner": self.high_winner,
            "low_se_z": self.low_se_z,
            "high_se_z": self.high_se_z,
            "nearest_z": self.nearest_z,
            "searched_z": self.searched_z,
            "low_slope": self.low_slope,
            "high_slope": self.high_slope,
        }


@dataclass
class NearestFlip:
    """The design point: the smallest standardised change of all inputs that flips the ranking."""

    beta: float | None
    z: dict[str, float]
    winner: str | None
    movers: list[str]
    converged: bool
    probability: float | None = None
    #: The top two options tie within Monte Carlo error at the central values: the ranking flips
    #: within the noise of the paths used, so no design point is searched (``beta`` is 0).
    within_error: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "beta": self.beta,
            "z": self.z,
            "winner": self.winner,
            "movers": self.movers,
            "converged": self.converged,
            "probability": self.probability,
            "within_error": self.within_error,
        }


@dataclass
class BreakingPoints:
    """Switch-over values of every input and the nearest flip, for one top-ranked option."""

    top: str
    options: tuple[str, ...]
    inputs: tuple[str, ...]
    central_gap: float
    switch_overs: list[SwitchOver]
    nearest: NearestFlip
    central_gap_se: float | None = None
    notes: list[str] = field(default_factory=list)

    def ranked(self) -> list[SwitchOver]:
        """Switch-overs by how close they are (nearest first); inputs with none come last."""
        return sorted(self.switch_overs, key=lambda s: (s.nearest_z is None, s.nearest_z or 0.0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "top": self.top,
            "options": list(self.options),
            "inputs": list(self.inputs),
            "central_gap": self.central_gap,
            "central_gap_se": self.central_gap_se,
            "switch_overs": [s.to_dict() for s in self.ranked()],
            "nearest": self.nearest.to_dict(),
            "notes": self.notes,
        }

    def to_frame(self) -> Any:  # noqa: ANN401
        """One row per input and side (pandas, tidy)."""
        import pandas as pd

        rows = []
        for s in self.ranked():
            for side in ("low", "high"):
                rows.append(
                    {
                        "input": s.input,
                        "side": side,
                        "z": getattr(s, f"{side}_z"),
                        "value": getattr(s, f"{side}_value"),
                        "winner": getattr(s, f"{side}_winner"),
                        "se_z": getattr(s, f"{side}_se_z"),
                    }
                )
        return pd.DataFrame(rows)


def _roots(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    a: np.ndarray,
    b: np.ndarray,
    fa: np.ndarray,
    fb: np.ndarray,
    tol: float,
    points: int = 8,
) -> np.ndarray:
    """Roots of ``f`` in every bracket ``[a_j, b_j]`` (``fa_j > 0 >= fb_j``), all at once.

    Multisection: each step evaluates ``points`` equally spaced interior points of every live
    bracket in one call ``f(idx, t)`` (the functions of brackets ``idx`` at their points ``t``)
    and keeps the first sub-interval where the sign changes, so the brackets shrink by
    ``points + 1`` per call; a bracket is done when it is narrower than ``tol`` (its midpoint is
    the root) or ``f`` is zero at a point. A batch of points costs little more than one point
    for the world model, whose cost per call is mostly fixed.
    """
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    root = np.where(np.asarray(fa) == 0.0, a, np.where(np.asarray(fb) == 0.0, b, np.nan))
    live = np.flatnonzero(np.isnan(root) & (b - a >= tol))
    root[np.isnan(root)] = 0.5 * (a + b)[np.isnan(root)]
    frac = np.arange(1, points + 1) / (points + 1)
    while live.size:
        A, B = a[live], b[live]
        t = A[:, None] + (B - A)[:, None] * frac[None, :]  # (live, points)
        ft = np.asarray(f(np.repeat(live, points), t.ravel()), dtype=float).reshape(-1, points)
        hit = ft == 0.0
        neg = ft <= 0.0
        first = neg.argmax(axis=1)  # first point at or below zero (the bracket's end otherwise)
        any_neg = neg.any(axis=1)
        rows = np.arange(live.size)
        new_a = np.where(first > 0, t[rows, np.maximum(first - 1, 0)], A)
        new_a = np.where(any_neg, new_a, t[:, -1])
        new_b = np.where(any_neg, t[rows, first], B)
        exact = any_neg & hit[rows, first]
        a[live], b[live] = new_a, new_b
        root[live] = np.where(exact, new_b, 0.5 * (new_a + new_b))
        live = live[~exact & (new_b - new_a >= tol)]
    return root


#: The screened scan evaluates every SCREEN_STRIDE-th grid point first (and the last).
SCREEN_STRIDE = 4
#: Safety factor on the steepest change of the gap seen between screened points.
LIPSCHITZ_SAFETY = 2.0


def _best_other(utilities: np.ndarray, top: int) -> np.ndarray:
    """Index of the best option other than ``top`` in every row of ``utilities`` (n, options)."""
    u = np.array(utilities, dtype=float, ndmin=2)
    u[:, top] = -np.inf
    return np.argmax(u, axis=1)


def _at_centre(
    u0: np.ndarray, inputs: Sequence[str], options: Sequence[str], top: int, **kw: bool
) -> NearestFlip:
    """The nearest flip at the centre itself (``beta`` 0, the runner-up there as the winner)."""
    winner = options[int(_best_other(u0, top)[0])]
    return NearestFlip(0.0, dict.fromkeys(inputs, 0.0), winner, [], True, 0.5, **kw)


def _axis_points(k: int, inputs: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Points ``(n, k)`` at the centre but for input ``inputs[r]`` at ``z[r]`` (row ``r``)."""
    pts = np.zeros((inputs.size, k))
    pts[np.arange(inputs.size), inputs] = z
    return pts


def _scan(
    score: Scorer,
    k: int,
    steps: np.ndarray,
    top: int,
    screen: bool,
    span: Callable[[float, float], None] | None = None,
    g0: float | None = None,
) -> tuple[np.ndarray, float]:
    """The gap at the scan's grid points ``(k, 2, grid)`` (``nan`` where not evaluated) and at
    the centre (``g0`` if the caller has it).

    Without ``screen`` every point of every input and side is evaluated in one call. With it
    (a Lipschitz screen: Piyavskii 1972, "An algorithm for finding the absolute extremum of a
    function", Comput. Math. Math. Phys. 12(4):57-67; Shubert 1972, "A sequential method seeking
    the global maximum of a function", SIAM J. Numer. Anal. 9(3):379-388), every
    :data:`SCREEN_STRIDE`-th point and the last are evaluated first; walking out from the
    centre, the points between two evaluated ones ``a < b`` are evaluated too where the gap
    changes sign there (``g_a > 0 >= g_b``) or could reach zero in between, ``g_a + g_b <= L (b
    - a)``, with ``L`` :data:`LIPSCHITZ_SAFETY` times the steepest change of the gap between
    evaluated points of that input (either side); no point beyond the first sign change is
    needed. Every bracket of the whole grid's first sign change is then evaluated in full.
    ``span(lo, hi)`` is told which share of a whole-grid scan each call stands for (the first
    call's points, then the rest), so that the progress of the two calls moves forward.
    """
    grid = steps.size

    def gaps(i: np.ndarray, side: np.ndarray, j: np.ndarray) -> np.ndarray:
        z = np.where(side == 0, -1.0, 1.0) * steps[j]
        return gap(np.asarray(score(_axis_points(k, i, z)), dtype=float), top)

    g = np.full((k, 2, grid), np.nan)
    first = (
        np.arange(grid)
        if not screen
        else np.unique(np.r_[np.arange(SCREEN_STRIDE - 1, grid, SCREEN_STRIDE), grid - 1])
    )
    share = first.size / grid
    if span is not None:
        span(0.0, share)
    i, side, j = (a.ravel() for a in np.meshgrid(np.arange(k), [0, 1], first, indexing="ij"))
    g[i, side, j] = gaps(i, side, j)
    if g0 is None:
        g0 = float(gap(np.asarray(score(np.zeros((1, k))), dtype=float), top)[0])
    if not screen or first.size == grid:
        return g, g0
    zc = np.r_[0.0, steps[first]]
    gc = np.concatenate([np.full((k, 2, 1), g0), g[:, :, first]], axis=2)
    with np.errstate(invalid="ignore"):
        slope = np.abs(np.diff(gc, axis=2)) / np.diff(zc)
        lip = LIPSCHITZ_SAFETY * np.nan_to_num(slope).max(axis=(1, 2))  # (k,)
        cross = (gc[:, :, :-1] > 0) & (gc[:, :, 1:] <= 0)
        dip = gc[:, :, :-1] + gc[:, :, 1:] <= lip[:, None, None] * np.diff(zc)
    # intervals up to the first sign change (all of them where there is none)
    upto = np.where(cross.any(axis=2), cross.argmax(axis=2), first.size - 1)
    need = (cross | dip) & (np.arange(first.size)[None, None, :] <= upto[:, :, None])
    # the grid points strictly inside each interval between evaluated points
    interval = np.searchsorted(first, np.arange(grid))  # the interval a grid point falls in
    inside = ~np.isin(np.arange(grid), first)
    more = need[:, :, interval] & inside[None, None, :]
    if more.any():
        if span is not None:
            span(share, 1.0)
        i, side, j = np.nonzero(more)
        g[i, side, j] = gaps(i, side, j)
    return g, g0


def switch_overs(
    score: Scorer,
    inputs: Sequence[str],
    options: Sequence[str],
    top: int,
    *,
    z_max: float = 4.0,
    grid: int = 33,
    tol: float = 1e-6,
    progress: StageProgress | None = None,
    screen: bool = True,
    scan: dict[str, Any] | None = None,
    centre: float | None = None,
) -> list[SwitchOver]:
    """One-at-a-time switch-over values of every input (standardised units).

    Parameters
    ----------
    score : callable
        ``score(z)`` -> utilities (n, options) at standardised points ``z`` (n, k), evaluated with
        common random numbers.
    inputs, options : sequence of str
        Input and option names (``len(inputs) == k``).
    top : int
        Index of the option ranked first at the centre.
    z_max : float
        Search each input over ``[-z_max, z_max]`` spreads.
    grid : int
        Grid points per side for the scan (all inputs are scanned in one call of ``score``).
    tol : float
        Tolerance of the root in z.
    progress : StageProgress, optional
        Told when the scan starts (its chunks are reported by ``score``'s evaluator) and
        after every later call (the refinement).
    screen : bool
        Scan every fourth grid point first and the others only where the gap could reach zero
        between them (:func:`_scan`); ``False`` scans every grid point.
    scan : dict, optional
        Receives the scan: ``steps`` (the grid's distances from the centre), ``gaps`` ``(k, 2,
        grid)`` (low and high side, ``nan`` where the screen did not evaluate) and ``centre``.
    centre : float, optional
        The gap at the centre, if the caller has it (not evaluated again).

    Returns
    -------
    list of SwitchOver
        For each input, the nearest z on each side where the gap is zero (``None`` if the gap
        keeps its sign over the searched range) and the option that takes over beyond it. The
        first sign change of the gap on each side is bracketed by the scan and refined for every
        input and side together (one call of ``score`` per step, :func:`_roots`). With the
        screen the brackets, and so the values, are those of the whole grid unless the gap dips
        to zero between two screened points faster than twice the steepest change seen on that
        input.
    """
    k = len(inputs)
    steps = np.linspace(0.0, z_max, grid + 1)[1:]
    if progress is not None:
        progress.stage("scan", parts=True)
    span = None if progress is None else progress.span
    g_all, g0 = _scan(score, k, steps, top, screen, span, centre)
    if scan is not None:
        scan.update(steps=steps, gaps=g_all, centre=g0)
    if progress is not None:
        progress.stage("refine")
        score = progress.counted(score)
    # the first bracket (previous evaluated gap > 0 >= this gap) of every input and side; a
    # point the screen left out carries no bracket, and the point after it is compared with the
    # last one evaluated before it
    done = ~np.isnan(g_all)
    last = np.maximum.accumulate(np.where(done, np.arange(grid), -1), axis=2)
    before = np.concatenate([np.full((k, 2, 1), -1), last[:, :, :-1]], axis=2)
    prev = np.where(before >= 0, np.take_along_axis(g_all, np.maximum(before, 0), axis=2), g0)
    with np.errstate(invalid="ignore"):
        crossing = done & (prev > 0) & (g_all <= 0)
    has = crossing.any(axis=2)
    first = crossing.argmax(axis=2)
    which = np.argwhere(has)  # (input, side) pairs with a switch-over
    found: dict[tuple[int, int], tuple[float, str, float]] = {}
    if which.size:
        ii, ss = which[:, 0], which[:, 1]
        jj = first[ii, ss]
        sign = np.where(ss == 0, -1.0, 1.0)
        jb = before[ii, ss, jj]
        lo = np.where(jb >= 0, steps[np.maximum(jb, 0)], 0.0)
        hi = steps[jj]

        def points(idx: np.ndarray, t: np.ndarray) -> np.ndarray:
            return _axis_points(k, ii[idx], sign[idx] * t)

        def f(idx: np.ndarray, t: np.ndarray) -> np.ndarray:
            return gap(np.asarray(score(points(idx, t)), dtype=float), top)

        t = _roots(f, lo, hi, prev[ii, ss, jj], g_all[ii, ss, jj], tol)
        slope = (prev[ii, ss, jj] - g_all[ii, ss, jj]) / (hi - lo)
        everyone = np.arange(t.size)
        u = np.asarray(score(points(everyone, np.minimum(t + max(tol, 1e-3), z_max))), dtype=float)
        winners = _best_other(u, top)
        for n, (i, sd) in enumerate(zip(ii, ss, strict=True)):
            found[(int(i), int(sd))] = (
                float(sign[n] * t[n]),
                options[int(winners[n])],
                float(slope[n]),
            )
    out: list[SwitchOver] = []
    for i, name in enumerate(inputs):
        low = found.get((i, 0), (None, None, None))
        high = found.get((i, 1), (None, None, None))
        out.append(
            SwitchOver(
                input=name,
                low_z=low[0],
                high_z=high[0],
                low_winner=low[1],
                high_winner=high[1],
                searched_z=z_max,
                low_slope=low[2],
                high_slope=high[2],
            )
        )
    return out


def _secants(score: Scorer, z: np.ndarray, top: int, a: float) -> np.ndarray:
    """Central secant slopes of the gap along every axis at ``z``, over ``z_i +- a`` (one call
    of ``2 k`` points): the axial design of a linear response surface (Bucher and Bourgund
    1990). Across a jump of the gap, which a forward difference either misses or makes
    infinitely steep, the secant gives the jump's size over the secant's width.
    """
    k = z.size
    pts = np.vstack([z - a * np.eye(k), z + a * np.eye(k)])
    g = gap(np.asarray(score(pts), dtype=float), top)
    return (g[k:] - g[:k]) / (2.0 * a)


def _ray_root(
    score: Scorer, d: np.ndarray, top: int, g0: float, z_max: float, points: int, tol: float
) -> float | None:
    """The first zero of the gap along the ray ``t d`` (``d`` a unit vector, ``0 < t <=
    z_max``) from the centre, where the gap is ``g0 > 0``: ``points`` equally spaced values of
    ``t`` in one call, the first sign change then refined by multisection (:func:`_roots`);
    ``None`` when the gap keeps its sign.
    """

    def f(tt: np.ndarray) -> np.ndarray:
        return gap(np.asarray(score(tt[:, None] * d[None, :]), dtype=float), top)

    t = np.linspace(0.0, z_max, points + 1)
    g = np.r_[g0, f(t[1:])]
    below = np.flatnonzero(g <= 0)
    if below.size == 0:
        return None
    j = int(below[0])
    lo, hi = t[j - 1 : j], t[j : j + 1]
    return float(_roots(lambda _, tt: f(tt), lo, hi, g[j - 1 : j], g[j : j + 1], tol)[0])


def nearest_flip(
    score: Scorer,
    inputs: Sequence[str],
    options: Sequence[str],
    top: int,
    *,
    a: float = 1.0,
    slopes: np.ndarray | None = None,
    centre: np.ndarray | None = None,
    iterations: int = 6,
    tol: float = 1e-6,
    settle: float = 0.02,
    z_max: float = 8.0,
    movers: int = 3,
    ray_points: int = 32,
    max_calls: int = NEAREST_CALLS,
) -> NearestFlip:
    """The design point ``argmin ||z|| s.t. g(z) = 0``: HL-RF on a linear response surface
    fitted by central secants, each step projected onto ``g = 0`` along its ray.

    Each step fits the surface ``g(z) ~ g(c) + s . (z - c)`` at the current point ``c`` from
    the central secants ``s_i = (g(c + a e_i) - g(c - a e_i)) / 2a`` (the axial design of
    Bucher and Bourgund 1990, "A fast and efficient response surface approach for structural
    reliability problems", *Structural Safety* 7(1):57-66), takes the Hasofer-Lind/Rackwitz-
    Fiessler step to that surface's design point ``z' = ((s . c - g(c)) / |s|^2) s`` (Hasofer
    and Lind 1974; Rackwitz and Fiessler 1978), and finds the first zero of the gap along the
    ray from the centre through ``z'`` (a scan of the ray in one call, then multisection). The
    iterates are points of ``g = 0``; the search has settled when two are within ``settle``
    spreads. Secants over ``+-a`` spreads instead of a forward difference at a point: on a
    response with common random numbers the gap is piecewise constant between the jumps where
    a path's event moves, so a small-step gradient is zero or infinite; the secant measures the
    change at the scale of a spread. A linear gap is solved exactly in one step, a quadratic
    one by HL-RF with exact gradients (central secants are exact for quadratics).

    Parameters
    ----------
    score : callable
        ``score(z)`` -> utilities (n, options), common random numbers.
    inputs, options : sequence of str
        Input and option names.
    top : int
        Index of the option ranked first at the centre.
    a : float
        Half-width of the secants, in spreads.
    slopes : array, optional
        The secants at the centre if the caller has them (the one-at-a-time scan evaluates
        ``+-a`` on every axis): the first step then costs no call for them.
    centre : array, optional
        The utilities at the centre (options,), if the caller has them (not evaluated again).
    iterations : int
        Most steps.
    tol : float
        Tolerance of each zero along a ray, in spreads.
    settle : float
        Two successive iterates this close (in spreads) end the search as converged.
    z_max : float
        Rays are searched up to this distance; a design point farther than this is reported as
        not found (``beta = None``).
    movers : int
        How many inputs to name as the ones that move most.
    ray_points : int
        Points of the first scan of each ray.
    max_calls : int
        Budget of calls of ``score``; when it is spent the search stops.

    Returns
    -------
    NearestFlip
        ``beta = ||z*||``, ``z*`` per input (the settled iterate, a zero of the gap), the
        option that is first just beyond it, the inputs with the largest ``|z*_i|``, and
        ``Phi(-beta)``. When the steps do not settle, or the search evaluated a point where the
        ranking had flipped nearer than the iterate, the nearest such point with
        ``converged=False``: the design point is at most that far.
    """
    from scipy.stats import norm

    k = len(inputs)
    # every point the search evaluates where the ranking has flipped: the nearest is reported
    # (an upper bound of the design point's distance when the steps do not settle)
    seen: dict[str, Any] = {"beta": np.inf, "z": None, "winner": None, "calls": 0}

    def tracked(x: np.ndarray) -> np.ndarray:
        if seen["calls"] >= max_calls:
            raise _BudgetSpentError
        seen["calls"] += 1
        x2 = np.atleast_2d(np.asarray(x, dtype=float))
        u = np.asarray(score(x2), dtype=float)
        flips = np.flatnonzero(gap(u, top) < 0)
        if flips.size:
            norms = np.linalg.norm(x2[flips], axis=1)
            j = int(np.argmin(norms))
            if norms[j] < seen["beta"]:
                winner = int(_best_other(u[flips[j]], top)[0])
                seen.update(beta=float(norms[j]), z=x2[flips[j]].copy(), winner=winner)
        return u

    u0 = np.asarray(tracked(np.zeros((1, k))) if centre is None else centre, dtype=float)
    g0 = float(gap(u0.reshape(1, -1), top)[0])
    if g0 <= 0.0:  # the centre is on the surface already (a tie, or not first after all)
        return _at_centre(u0, inputs, options, top)
    c, g_c = np.zeros(k), g0
    converged = False
    try:
        s = np.asarray(slopes, dtype=float) if slopes is not None else _secants(tracked, c, top, a)
        for step_no in range(iterations):
            norm2 = float(s @ s)
            if not np.isfinite(norm2) or norm2 == 0.0:
                break
            target = ((s @ c - g_c) / norm2) * s  # the surface's design point
            length = float(np.linalg.norm(target))
            if length == 0.0:
                break
            d = target / length
            t = _ray_root(tracked, d, top, g0, z_max, ray_points, tol)
            if t is None:
                break
            new = t * d
            if step_no > 0 and float(np.linalg.norm(new - c)) <= settle:
                converged = True
                break
            c, g_c = new, 0.0
            s = _secants(tracked, c, top, a)
    except _BudgetSpentError:
        pass
    beta = float(np.linalg.norm(c))
    if converged and beta <= seen["beta"]:
        # the settled iterate, a zero of the gap; the option first just beyond it
        beyond = c * (1 + max(1e-3, tol) / max(beta, 1e-12))
        zb, winner = c, int(_best_other(score(beyond[None, :]), top)[0])
    elif seen["z"] is not None and seen["beta"] <= z_max:
        # a nearer evaluated flip, or steps that did not settle: the nearest flip seen
        zb, winner, beta, converged = seen["z"], seen["winner"], seen["beta"], False
    else:
        return NearestFlip(None, {}, None, [], False)
    order = np.argsort(-np.abs(zb))
    return NearestFlip(
        beta=beta,
        z={inputs[i]: float(zb[i]) for i in range(k)},
        winner=options[winner],
        movers=[inputs[i] for i in order[:movers] if abs(zb[i]) > 1e-9],
        converged=converged,
        probability=float(norm.cdf(-beta)),
    )


class _BudgetSpentError(Exception):
    """The nearest-flip search has spent its budget of calls of the response."""


def gap_standard_errors(scores: Sequence[Scorer], z: np.ndarray, top: int) -> np.ndarray:
    """Monte Carlo standard error of the gap at every row of ``z`` (n, k) from independent
    replications: the sample standard deviation of the gap over the replications divided by
    ``sqrt(R)``; ``scores`` are the same response with independent random streams, each called
    once.
    """
    if len(scores) < 2:
        raise ModelError("a standard error needs at least two replications")
    g = np.array([gap(np.asarray(s(z), dtype=float), top) for s in scores])
    return np.std(g, axis=0, ddof=1) / np.sqrt(len(scores))


def _axial(scan: dict[str, Any]) -> tuple[float, np.ndarray | None]:
    """The secants' half-width and the central secants of every input from the scan: at the
    nearest grid distance evaluated on both sides of every input (the screen's first point),
    or a spread and ``None`` when the scan has no such distance.
    """
    g = scan["gaps"]
    both = np.flatnonzero(np.isfinite(g).all(axis=(0, 1)))
    if both.size == 0:
        return 1.0, None
    j = int(both[0])
    a = float(scan["steps"][j])
    return a, (g[:, 1, j] - g[:, 0, j]) / (2.0 * a)


def breaking_points(
    score: Scorer,
    inputs: Sequence[str],
    options: Sequence[str],
    *,
    to_value: Callable[[int, float], float] | None = None,
    replications: Sequence[Scorer] = (),
    z_max: float = 4.0,
    grid: int = 33,
    tol: float = 1e-4,
    progress: StageProgress | None = None,
    centre: np.ndarray | None = None,
) -> BreakingPoints:
    """Switch-over values of every input and the nearest flip of the top-ranked option.

    Parameters
    ----------
    score : callable
        ``score(z)`` -> utilities (n, options) at standardised inputs ``z`` (n, k), evaluated with
        common random numbers.
    inputs, options : sequence of str
        Input and option names.
    to_value : callable, optional
        ``to_value(i, z)`` -> input ``i``'s value in its own units at standardised value ``z``.
    replications : sequence of callable, optional
        The same response with independent random streams: gives the Monte Carlo standard error
        of the central gap and, by the delta method, of each switch-over value.
    z_max : float
        Search range, in spreads, of the one-at-a-time scan.
    grid : int
        Scan points per side.
    tol : float
        Tolerance, in spreads, of the switch-over values (the default is far below the Monte
        Carlo standard error of any switch-over value of the world model).
    progress : StageProgress, optional
        Receives the search's progress, stage by stage and call by call.
    centre : array, optional
        ``score`` at the centre (options,), if the caller has it (not evaluated again).

    Returns
    -------
    BreakingPoints
        The top option, every switch-over value (z and units, winner beyond it, standard error)
        and the nearest flip.
    """
    k = len(inputs)
    if k == 0:
        raise ModelError("no uncertain inputs to find breaking points for")
    u0 = np.asarray(score(np.zeros((1, k))) if centre is None else centre, dtype=float)
    u0 = u0.reshape(-1)
    top = int(np.argmax(u0))
    second = np.sort(u0)[-2] if len(options) > 1 else -np.inf
    central = float(u0[top] - second)
    scan: dict[str, Any] = {}
    overs = switch_overs(
        score,
        inputs,
        options,
        top,
        z_max=z_max,
        grid=grid,
        tol=tol,
        progress=progress,
        scan=scan,
        centre=central,
    )
    if progress is not None:  # the standard errors: more calls of the refinement stage
        score = progress.counted(score)
        replications = [progress.counted(r) for r in replications]
    hits = [
        (i, side, getattr(so, f"{side}_z"))
        for i, so in enumerate(overs)
        for side in ("low", "high")
        if getattr(so, f"{side}_z") is not None
    ]
    if to_value is not None:
        for i, side, zv in hits:
            setattr(overs[i], f"{side}_value", float(to_value(i, zv)))
    notes: list[str] = []
    se0 = None
    if replications:
        # the gap's standard error over the replications at the centre and at every
        # switch-over point, one call per replication; at a switch-over it is divided by the
        # gap's fall per spread across the scan's bracket of it (delta method): a forward
        # difference at the root instead, on a response with common random numbers, steps over
        # the jump where a path's event moves and made a one-point blip of the paths look like
        # a sharp, precisely located switch-over
        z = _axis_points(
            k, np.array([i for i, _, _ in hits], dtype=int), np.array([zv for *_, zv in hits])
        )
        ses = gap_standard_errors(replications, np.vstack([np.zeros((1, k)), z]), top)
        se0 = float(ses[0])
        if central < 2 * se0:
            notes.append(
                f"the top option leads by {central:.4g}, within two Monte Carlo standard errors "
                f"({se0:.2g}): the ranking at the centre is not resolved by the paths used"
            )
        for (i, side, _), se_g in zip(hits, ses[1:], strict=True):
            slope = getattr(overs[i], f"{side}_slope")
            ok = slope is not None and slope > 0
            setattr(overs[i], f"{side}_se_z", float(se_g / slope) if ok else None)
    if se0 is not None and central < 2 * se0:
        # the ranking is not resolved at the centre: a flip lies within the Monte Carlo noise of
        # the central point, and a design-point search would chase that noise
        near = _at_centre(u0, inputs, options, top, within_error=True)
    else:
        if progress is not None:
            progress.stage("nearest", budget=NEAREST_CALLS)
        a, slopes = _axial(scan)
        near = nearest_flip(
            score,
            inputs,
            options,
            top,
            a=a,
            slopes=slopes,
            centre=u0,
            tol=tol,
            z_max=2 * z_max,
            max_calls=NEAREST_CALLS,
        )
    if progress is not None:
        progress.done()
    return BreakingPoints(
        top=options[top],
        options=tuple(options),
        inputs=tuple(inputs),
        central_gap=central,
        switch_overs=overs,
        nearest=near,
        central_gap_se=se0,
        notes=notes,
    )


# --------------------------------------------------------------------------- on an exploratory model
def _outcomes(
    model: Any,  # noqa: ANN401
    u: np.ndarray,
    seed: int,
    evaluator: Evaluator | None,
    progress: Progress | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """Every option's outcomes at ``u``: on the evaluator's workers when ``u`` is larger than one
    of its chunks (a model with common random numbers gives the same values either way), with
    ``progress(done, total)`` per chunk.
    """
    if evaluator is not None and model.common_random_numbers and u.shape[0] > evaluator.chunk_size:
        ctx = model.context if isinstance(model.context, dict) else {}
        rows = chunk_rows(model, int(ctx.get("paths", 1)), evaluator.chunk_size)
        return evaluator.run(model, u, seed, progress=progress, chunk_size=rows)
    return model.evaluate_options(model.options, u, seed)


def model_scorer(
    model: Any,  # noqa: ANN401
    seed: int,
    bounds: dict[str, tuple[float, float]],
    evaluator: Evaluator | None = None,
    progress: Progress | None = None,
) -> Scorer:
    """``score(z)`` of an :class:`~melian.explore.model.ExploratoryModel` with fixed normalisation.

    Every option is evaluated at the quantile points ``Phi(z)`` with the same ``seed`` (common
    random numbers: the model's noise does not depend on the option or the point), and the
    utility is the criteria-weighted sum of outcomes min-max normalised on the fixed ``bounds``
    (:func:`melian.explore.model.utility` with the normalisation frozen, so that the response is a
    deterministic function of ``z``). Large batches of points (the one-at-a-time scan) run in
    chunks on ``evaluator`` when one is given, reported to ``progress(done, total)``.
    """
    from scipy.stats import norm

    weights = {k: float(v) for k, v in model.weights.items() if v > 0}
    total = sum(weights.values())

    def score(z: np.ndarray) -> np.ndarray:
        u = np.clip(norm.cdf(np.atleast_2d(z)), 1e-9, 1 - 1e-9)
        cols = []
        results = _outcomes(model, u, seed, evaluator, progress)
        for o in model.options:
            res = results[o]
            util = np.zeros(u.shape[0])
            for c, w in weights.items():
                lo, hi = bounds[c]
                span = hi - lo if hi > lo else 1.0
                y = res[c]
                n = (y - lo) / span if model.outcomes[c] == "max" else (hi - y) / span
                util = util + (w / total) * n
            cols.append(util)
        return np.column_stack(cols)

    return score


def model_breaking_points(
    model: Any,  # noqa: ANN401
    *,
    seed: int = 0,
    reference: int = 64,
    replications: int = 4,
    z_max: float = 4.0,
    grid: int = 17,
    evaluator: Evaluator | None = None,
    progress: Progress | None = None,
) -> BreakingPoints:
    """Breaking points of an exploratory model's top-ranked option (see :func:`breaking_points`).

    Parameters
    ----------
    model : ExploratoryModel
        A model with criteria weights (its utility ranks the options).
    seed : int
        Seed of the common random numbers.
    reference : int
        Size of the Latin-hypercube ensemble whose outcome ranges fix the normalisation.
    replications : int
        Independent random streams used for the Monte Carlo standard errors (0: none).
    z_max : float
        One-at-a-time search range, in spreads.
    grid : int
        Scan points per side.
    evaluator : Evaluator, optional
        Runs the normalisation ensemble and the one-at-a-time scan in chunks on its workers (the
        results do not change: the world model's random numbers are common to every point).
    progress : callable, optional
        ``progress(done, total)`` as the search goes (:class:`StageProgress`, in thousandths):
        chunk by chunk in the normalisation ensemble and the scan, call by call after them.

    Returns
    -------
    BreakingPoints
        Switch-over values in standardised units and in each input's own units (under the
        top-ranked option's distributions), their standard errors, and the nearest flip.
    """
    if not any(v > 0 for v in model.weights.values()):
        raise ModelError(
            f"model {model.name!r} has no criteria weights: there is no ranking to break"
        )
    bounds = dict(model.bounds)
    need = any(c not in bounds for c in model.weights)
    stages = StageProgress(
        None if progress is None else lambda f: progress(round(1000 * f), 1000),
        skip=() if need else ("reference",),
    )
    if need:
        stages.stage("reference", parts=True)
        u = latin_hypercube(model.k, max(reference, 2), seed)
        u = np.vstack([u, model.nominal()])
        found = outcome_bounds(model, _outcomes(model, u, seed, evaluator, stages.part))
        bounds.update({c: v for c, v in found.items() if c not in bounds})
    score = model_scorer(model, seed, bounds, evaluator, stages.part)
    reps = [model_scorer(model, seed + 1 + r, bounds, evaluator) for r in range(replications)]
    u0 = np.asarray(score(np.zeros((1, model.k))), dtype=float)[0]
    top = int(np.argmax(u0))

    def to_value(i: int, z: float) -> float:
        from scipy.stats import norm

        q = np.clip(norm.cdf([z]), 1e-9, 1 - 1e-9)
        dist = model.distributions[model.options[top]][model.uncertainties[i]]
        return float(np.asarray(dist.ppf(q))[0])

    return breaking_points(
        score,
        model.uncertainties,
        model.options,
        to_value=to_value,
        replications=reps if replications >= 2 else (),
        z_max=z_max,
        grid=grid,
        progress=stages,
        centre=u0,
    )
