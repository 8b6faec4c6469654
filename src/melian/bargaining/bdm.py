"""Bueno de Mesquita's expected-utility ("challenge") model of group decision making.

Implemented from the reconstruction by Scholz, Calbert & Smith (2011), "Unravelling Bueno De
Mesquita's group decision model", *Journal of Theoretical Politics* 23(4):510-531 (Appendix and
sections 3-6), of the model in Bueno de Mesquita (1985, 1994, 1997). One dimension; actor i has
position x_i, capability c_i and salience s_i in [0, 1]. Each round:

1. risk exponents r_i = 1;
2. range R = x_max - x_min of the current positions (``range="dynamic"``) or the issue's scale
   (``range="fixed"``);
3. votes v_k(j vs l) = c_k s_k (|x_k - x_l| - |x_k - x_j|) / R; the weighted median mu (the
   Condorcet winner among the positions) is the reference of the "better"/"worse" utilities;
4. utilities of i facing j, with d = |x_i - x_j| / R and e = |x_i - mu| / R:
   U_s = 2 - 4 (0.5 - 0.5 d)^r_i, U_f = 2 - 4 (0.5 + 0.5 d)^r_i,
   U_b = 2 - 4 (0.5 - 0.25 (e + d))^r_i, U_w = 2 - 4 (0.5 + 0.25 (e + d))^r_i,
   U_sq = 2 - 4 (0.5)^r_i;
5. P_i (i prevails over j) = sum of the votes favouring i / sum of the absolute votes;
6. E_i(U_ij) = s [P_i U_s + (1 - P_i) U_f] + (1 - s) U_s - Q U_sq - (1 - Q) [T U_b + (1 - T) U_w];
7. security Sec_i, R_i = (2 Sec_i - max Sec - min Sec) / (max Sec - min Sec),
   r_i = (1 - R_i / 3) / (1 + R_i / 3); steps 4-6 again with these r_i;
8. every ordered pair (i proposes to j) with a = E_i(U_ij), b = E_j(U_ji): conflict (a, b > 0,
   a > b: j moves to x_i), compromise (a > 0 > b, |a| > |b|: j moves toward x_i by the fraction
   |b / a|), capitulation (a > 0 > b, |b| >= |a|: j moves to x_i), status quo otherwise;
9. each actor accepts one offer: the most enforceable (the proposer with the largest a), ties to
   the offer that moves it least; moves are applied simultaneously;
10. the forecast is the weighted median (or the c x s weighted mean) of the final positions.

Scholz et al. list the places where BDM's publications are ambiguous. Each is a keyword parameter
of :func:`run` (see :data:`DEFAULTS` and docs/models/bargaining.md): ``salience`` (A1),
``security`` (A2), ``compromise`` (A3), ``boundary`` and ``selection`` (A4), ``conflict``,
``q`` and ``t_rule``, ``range``, ``p_denominator``, ``perception``, ``update``, ``forecast`` and
the stopping rule ``rounds`` / ``tolerance``. The defaults follow the specification as printed
(responder's salience, the appendix's security sum, Q = 1, dynamic range, simultaneous moves).
Three structural readings are parameters too: ``conflict="expected"`` (BDM 1997: a conflict is
a lottery, the loser moves to x_j + P_ij (x_i - x_j)), ``compromise_move="weighted"`` (the
compromise is the expected-utility-weighted position (|a| x_i + |b| x_j) / (|a| + |b|) rather than the fraction
|b / a| of the distance) and ``targets="best"`` (each proposer makes one offer, to the receiver it
gains most from). NOTE: no combination of these choices reproduces Scholz et al.'s Table 2
(emission-standards case); the studies in ``research/bdm/`` (README.md there)
document the search and docs/models/bargaining.md the gap.

Everything inside a round is vectorised over the n x n pairs with numpy; the probabilities of
step 5 use prefix sums over the sorted positions (O(n^2 log n), no n^3 tensor).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast, IssueForecast
from melian.bargaining.compromise import (
    full_row,
    issue_arrays,
    validate_problem,
    weighted_mean,
    weights_or_error,
)
from melian.bargaining.median import weighted_median
from melian.bargaining.registry import ModelSpec, register
from melian.errors import ModelError

#: Published / reconstructed default of every open choice (see the module docstring).
DEFAULTS: dict[str, Any] = {
    "rounds": 8,
    "tolerance": 0.0,
    "q": 1.0,
    "t_rule": "closer",
    "salience": "responder",
    "security": "appendix",
    "compromise": "gain_exceeds_loss",
    "boundary": "strict",
    "selection": "enforceable",
    "conflict": "move",
    "compromise_move": "fraction",
    "targets": "all",
    "range": "dynamic",
    "p_denominator": "pairwise",
    "perception": "true",
    "update": "simultaneous",
    "forecast": "median",
    "median_tie": "midpoint",
}

CHOICES: dict[str, tuple[Any, ...]] = {
    "t_rule": ("closer", "one", "zero"),
    "salience": ("responder", "challenger", "printed"),
    "security": ("appendix", "prose"),
    "compromise": ("gain_exceeds_loss", "loss_exceeds_gain"),
    "boundary": ("strict", "inclusive"),
    "selection": ("enforceable", "least_move"),
    "conflict": ("move", "none", "expected"),
    "compromise_move": ("fraction", "weighted"),
    "targets": ("all", "best"),
    "range": ("dynamic", "fixed"),
    "p_denominator": ("pairwise", "all_pairs"),
    "perception": ("true", "own"),
    "update": ("simultaneous", "sequential"),
    "forecast": ("median", "mean"),
    "median_tie": ("midpoint", "low", "high"),
}


@dataclass(frozen=True)
class BDMParams:
    """Validated parameters of the expected-utility model (see :data:`DEFAULTS`)."""

    rounds: int
    tolerance: float
    q: float
    t_rule: str
    salience: str
    security: str
    compromise: str
    boundary: str
    selection: str
    conflict: str
    compromise_move: str
    targets: str
    range: str
    p_denominator: str
    perception: str
    update: str
    forecast: str
    median_tie: str

    @classmethod
    def make(cls, **params: Any) -> BDMParams:  # noqa: ANN401
        """Merge ``params`` over :data:`DEFAULTS` and validate; :class:`ModelError` if bad."""
        unknown = set(params) - set(DEFAULTS)
        if unknown:
            raise ModelError(f"bdm: unknown parameter(s) {', '.join(sorted(unknown))}")
        p = {**DEFAULTS, **params}
        for key, allowed in CHOICES.items():
            if p[key] not in allowed:
                raise ModelError(f"bdm: {key} must be one of {allowed}, not {p[key]!r}")
        try:
            p["rounds"] = int(p["rounds"])
            p["tolerance"] = float(p["tolerance"])
            p["q"] = float(p["q"])
        except (TypeError, ValueError) as exc:
            raise ModelError(f"bdm: bad numeric parameter: {exc}") from None
        if p["rounds"] < 0 or p["rounds"] > 10_000:
            raise ModelError("bdm: rounds must be between 0 and 10000")
        if not 0.0 <= p["q"] <= 1.0:
            raise ModelError("bdm: q must lie in [0, 1]")
        if not p["tolerance"] >= 0.0:
            raise ModelError("bdm: tolerance must be >= 0")
        return cls(**p)


def prevail_probability(x: np.ndarray, w: np.ndarray, denominator: str = "pairwise") -> np.ndarray:
    """Matrix P[i, j]: probability that i prevails over j (step 5).

    P[i, j] = sum_k [g_k]^+ / sum_k |g_k| with g_k = w_k (|x_k - x_j| - |x_k - x_i|) (the range R
    cancels). ``denominator="all_pairs"`` divides instead by the mean over all ordered pairs of
    sum_k |g_k| (a literal reading of the appendix's double sum; it is not bounded by 1 and is
    clipped to [0, 1]). Pairs at the same position get 0.5 (no vote separates them).

    On one dimension g_k is piecewise linear in x_k, so both sums follow from prefix sums of w
    and w x over the sorted positions: O(n^2 log n).
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cw = np.concatenate(([0.0], np.cumsum(w[order])))
    cwx = np.concatenate(([0.0], np.cumsum(w[order] * xs)))
    total = cw[-1]
    # Work in sorted order: row/column t is the actor of rank t. The count of positions <= x and
    # < x is a per-actor vector; only the midpoints need a search, and their rows are sorted.
    k_le = np.searchsorted(xs, xs, side="right")
    k_lt = np.searchsorted(xs, xs, side="left")
    a = np.minimum(xs[:, None], xs[None, :])
    b = np.maximum(xs[:, None], xs[None, :])
    d = b - a
    s = a + b
    m = 0.5 * s
    n = xs.size
    lo_rank = np.minimum(np.arange(n)[:, None], np.arange(n)[None, :])
    hi_rank = np.maximum(np.arange(n)[:, None], np.arange(n)[None, :])
    ka = k_le[lo_rank]
    kb = k_lt[hi_rank]
    km_lt = np.searchsorted(xs, m.ravel(), side="left").reshape(n, n)
    km_le = np.searchsorted(xs, m.ravel(), side="right").reshape(n, n)
    w_le_a, wx_le_a = cw[ka], cwx[ka]
    w_lt_m, wx_lt_m = cw[km_lt], cwx[km_lt]
    w_le_m, wx_le_m = cw[km_le], cwx[km_le]
    w_lt_b, wx_lt_b = cw[kb], cwx[kb]
    fav_lo = d * w_le_a + s * (w_lt_m - w_le_a) - 2.0 * (wx_lt_m - wx_le_a)
    fav_hi = d * (total - w_lt_b) + 2.0 * (wx_lt_b - wx_le_m) - s * (w_lt_b - w_le_m)
    fav_lo = np.maximum(fav_lo, 0.0)
    fav_hi = np.maximum(fav_hi, 0.0)
    inv = np.empty(n, dtype=np.intp)
    inv[order] = np.arange(n)
    fav_lo = fav_lo[np.ix_(inv, inv)]
    fav_hi = fav_hi[np.ix_(inv, inv)]
    d = d[np.ix_(inv, inv)]
    lower = x[:, None] < x[None, :]
    fav_i = np.where(lower, fav_lo, fav_hi)
    denom = fav_lo + fav_hi
    if denominator == "all_pairs":
        mean_mass = denom.sum() / max(n * (n - 1), 1)
        denom = np.full_like(denom, mean_mass)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(denom > 0, fav_i / np.where(denom > 0, denom, 1.0), 0.5)
    p = np.where(d > 0, p, 0.5)
    return np.clip(p, 0.0, 1.0)


def _power(base: np.ndarray, r: np.ndarray) -> np.ndarray:
    """base**r with the base clipped at 0 (distances beyond the range cannot make it negative)."""
    return np.power(np.maximum(base, 0.0), r)


def expected_utility(
    x: np.ndarray,
    s_lead: np.ndarray,
    P: np.ndarray,
    mu: float,
    R: float,
    r: np.ndarray,
    q: float,
    T: np.ndarray,
) -> np.ndarray:
    """Matrix E[i, j] = E_i(U_ij), the expected utility of i challenging j (steps 4 and 6).

    ``s_lead`` is the salience multiplying the contest term (broadcast to (n, n)); ``r`` the risk
    exponent, broadcast to (n, n) (row = the challenger's own, column = another actor's);
    ``T`` the (n, n) 0/1 matrix of step 6.
    """
    dij = np.abs(x[:, None] - x[None, :]) / R
    e = np.abs(x - mu)[:, None] / R
    us = 2.0 - 4.0 * _power(0.5 - 0.5 * dij, r)
    uf = 2.0 - 4.0 * _power(0.5 + 0.5 * dij, r)
    ub = 2.0 - 4.0 * _power(0.5 - 0.25 * (e + dij), r)
    uw = 2.0 - 4.0 * _power(0.5 + 0.25 * (e + dij), r)
    usq = 2.0 - 4.0 * np.power(0.5, r)
    eu = s_lead * (P * us + (1.0 - P) * uf) + (1.0 - s_lead) * us - q * usq
    if q < 1.0:
        eu = eu - (1.0 - q) * (T * ub + (1.0 - T) * uw)
    # Two actors at the same place have nothing to gain: with r != 1 the terms above cancel only
    # up to rounding (about 1e-16), which must not create spurious offers.
    return np.where(dij > 0, eu, 0.0)


def _t_matrix(x: np.ndarray, mu: float, rule: str) -> np.ndarray:
    n = x.size
    if rule == "one":
        return np.ones((n, n))
    if rule == "zero":
        return np.zeros((n, n))
    return (np.abs(x - mu)[:, None] < np.abs(x[:, None] - x[None, :])).astype(float)


def risk_exponents(sec: np.ndarray) -> np.ndarray:
    """r_i = (1 - R_i/3) / (1 + R_i/3) with R_i = (2 Sec_i - max - min) / (max - min) (step 7).

    All r_i = 1 when every security value is equal.
    """
    hi, lo = float(np.max(sec)), float(np.min(sec))
    if not hi - lo > 1e-15 * max(1.0, abs(hi), abs(lo)):
        return np.ones_like(sec)
    risk = (2.0 * sec - hi - lo) / (hi - lo)
    return (1.0 - risk / 3.0) / (1.0 + risk / 3.0)


@dataclass
class RoundState:
    """Diagnostics of one round: the matrices behind the offers (for tests and inspection)."""

    mu: float
    R: float
    P: np.ndarray
    risk: np.ndarray
    a: np.ndarray
    b: np.ndarray
    new_position: np.ndarray


def offers(
    x: np.ndarray, w: np.ndarray, s: np.ndarray, scale_range: float, p: BDMParams
) -> RoundState:
    """One round's offers: every actor's accepted new position (its own when it gets no offer).

    Implements steps 2-9 for the current positions ``x``, weights ``w = c s`` and saliences ``s``.
    """
    n = x.size
    R = float(np.max(x) - np.min(x)) if p.range == "dynamic" else float(scale_range)
    mu = weighted_median(x, w, p.median_tie)
    if n < 2 or not R > 0:
        return RoundState(
            mu, R, np.full((n, n), 0.5), np.ones(n), np.zeros((n, n)), np.zeros((n, n)), x.copy()
        )
    P = prevail_probability(x, w, p.p_denominator)
    T = _t_matrix(x, mu, p.t_rule)
    s_resp = s[None, :]  # E[i, j] led by the responder's salience s_j
    s_chal = s[:, None]  # E[i, j] led by the challenger's salience s_i
    s_a = s_chal if p.salience == "challenger" else s_resp
    s_b = s_resp if p.salience == "responder" else s_chal
    ones = np.ones((n, 1))
    # Step 7: security from the risk-neutral expected utilities.
    e1 = expected_utility(x, s_a, P, mu, R, ones, p.q, T)
    np.fill_diagonal(e1, 0.0)
    sec = e1.sum(axis=0) if p.security == "appendix" else e1.sum(axis=1)
    r = risk_exponents(sec)
    a = expected_utility(x, s_a, P, mu, R, r[:, None], p.q, T)
    # b[i, j] = E_j(U_ji): j's expected utility of challenging i, evaluated with j's own risk
    # exponent ("true") or with the proposer i's ("own" perception).
    r_b = r[:, None] if p.perception == "true" else r[None, :]
    b = expected_utility(x, s_b, P, mu, R, r_b, p.q, T).T
    np.fill_diagonal(a, 0.0)
    np.fill_diagonal(b, 0.0)
    new = _select(x, a, b, p, P)
    return RoundState(mu, R, P, r, a, b, new)


def _select(
    x: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    p: BDMParams,
    P: np.ndarray | None = None,
) -> np.ndarray:
    """Steps 8-9: classify every ordered pair and let each receiver accept one offer.

    ``P`` (the prevail probabilities) is needed only by ``conflict="expected"``.
    """
    n = x.size
    xi = np.broadcast_to(x[:, None], (n, n))  # proposer's position
    xj = np.broadcast_to(x[None, :], (n, n))  # receiver's position
    absa, absb = np.abs(a), np.abs(b)
    if p.boundary == "strict":
        a_wins = a > b
        a_bigger = absa > absb
        b_bigger = absb > absa
    else:
        a_wins = a >= b
        a_bigger = absa >= absb
        b_bigger = absb >= absa
    pos_a = a > 0
    neg_b = b < 0
    conflict = pos_a & (b > 0) & a_wins
    if p.compromise == "gain_exceeds_loss":
        comp = pos_a & neg_b & a_bigger
        frac = np.divide(absb, absa, out=np.zeros_like(absa), where=absa > 0)
    else:
        comp = pos_a & neg_b & b_bigger
        frac = np.divide(absa, absb, out=np.zeros_like(absb), where=absb > 0)
    if p.compromise_move == "weighted":
        # the expected-utility-weighted position (|a| x_i + |b| x_j) / (|a| + |b|) reached from x_j
        tot = absa + absb
        frac = np.divide(
            absb if p.compromise == "gain_exceeds_loss" else absa,
            tot,
            out=np.zeros_like(tot),
            where=tot > 0,
        )
    capit = pos_a & neg_b & ~comp
    target = np.where(comp, xj + (xi - xj) * np.minimum(frac, 1.0), xi)
    if p.conflict == "expected" and P is not None:
        # BDM 1997: a conflict is a lottery; j moves to its expected outcome x_j + P_ij (x_i - x_j)
        target = np.where(conflict, xj + (xi - xj) * P, target)
    offer = comp | capit
    if p.conflict != "none":
        offer = offer | conflict
    np.fill_diagonal(offer, False)
    if p.targets == "best":
        # each proposer makes one offer: to the receiver it expects to gain most from
        key = np.where(offer, a, -np.inf)
        best = np.argmax(key, axis=1)
        keep = np.zeros_like(offer)
        keep[np.arange(n), best] = True
        offer = offer & keep
    move = np.abs(target - xj)
    if p.selection == "enforceable":
        key1 = np.where(offer, a, -np.inf)
        best1 = key1.max(axis=0)
        cand = offer & (key1 >= best1[None, :] - 1e-12 * np.maximum(1.0, np.abs(best1[None, :])))
        key2 = np.where(cand, move, np.inf)
        pick = np.argmin(key2, axis=0)
    else:
        key1 = np.where(offer, move, np.inf)
        best1 = key1.min(axis=0)
        cand = offer & (key1 <= best1[None, :] + 1e-12)
        key2 = np.where(cand, a, -np.inf)
        pick = np.argmax(key2, axis=0)
    has = offer.any(axis=0)
    cols = np.arange(n)
    return np.where(has, target[pick, cols], x)


@dataclass
class IssueRun:
    """Result of the model on one issue: positions per round and the per-round statistics."""

    trajectory: np.ndarray  # (rounds_run + 1, n_present)
    median: list[float]
    mean: list[float]
    rounds_run: int
    stopped: str


def simulate(
    x0: np.ndarray, c: np.ndarray, s: np.ndarray, scale_range: float, p: BDMParams
) -> IssueRun:
    """Run the challenge model on one issue from positions ``x0`` (present actors only).

    Stops after ``p.rounds`` rounds or earlier when no actor moves by more than
    ``p.tolerance`` in a round ("converged"). Records the weighted median and the c x s weighted
    mean after every round.
    """
    w = c * s
    x = np.asarray(x0, dtype=float).copy()
    rows = [x.copy()]
    med = [weighted_median(x, w, p.median_tie)]
    mean = [weighted_mean(x, w)]
    stopped = "rounds"
    for _ in range(p.rounds):
        if p.update == "simultaneous":
            new = offers(x, w, s, scale_range, p).new_position
        else:
            new = x.copy()
            for j in range(x.size):
                new[j] = offers(new, w, s, scale_range, p).new_position[j]
        moved = float(np.max(np.abs(new - x))) if x.size else 0.0
        x = new
        rows.append(x.copy())
        med.append(weighted_median(x, w, p.median_tie))
        mean.append(weighted_mean(x, w))
        if moved <= p.tolerance:
            stopped = "converged"
            break
    return IssueRun(np.array(rows), med, mean, len(rows) - 1, stopped)


def run(problem: BargainingProblem, **params: Any) -> Forecast:  # noqa: ANN401
    """Expected-utility model forecast for every issue of ``problem`` (one-dimensional, per issue).

    Trajectory rows are rounds (row 0 = initial positions); an issue that converges early is
    padded with its final positions so every issue has ``rounds + 1`` rows. The point forecast is
    the weighted median (``forecast="median"``) or c x s weighted mean of the final positions.
    ``extra`` holds per-issue lists ``median``, ``mean`` (after each round), ``rounds_run`` and
    ``stopped``.
    """
    p = BDMParams.make(**params)
    validate_problem(problem)
    runs: list[tuple[str, np.ndarray, IssueRun]] = []
    for k, issue in enumerate(problem.issues):
        idx, x, c, s = issue_arrays(problem, k)
        weights_or_error(problem, k, c, s)
        if np.any(s > 1.0 + 1e-9):
            raise ModelError(f"bdm: issue {issue!r}: saliences must lie in [0, 1]")
        lo, hi = (float(v) for v in np.asarray(problem.scale, dtype=float)[k])
        scale_range = hi - lo
        if p.range == "fixed" and not scale_range > 0:
            raise ModelError(f"bdm: issue {issue!r}: range='fixed' needs a scale with hi > lo")
        runs.append((issue, idx, simulate(x, c, s, scale_range, p)))
    n_rounds = max(r.rounds_run for _, _, r in runs)
    issues = []
    extra: dict[str, Any] = {"median": {}, "mean": {}, "rounds_run": {}, "stopped": {}}
    for issue, idx, res in runs:
        traj = res.trajectory
        if res.rounds_run < n_rounds:
            pad = np.repeat(traj[-1:], n_rounds - res.rounds_run, axis=0)
            traj = np.vstack([traj, pad])
        full = np.vstack([full_row(problem.n_actors, idx, row) for row in traj])
        point = res.median[-1] if p.forecast == "median" else res.mean[-1]
        issues.append(IssueForecast(issue=issue, point=float(point), trajectory=full))
        extra["median"][issue] = [float(v) for v in res.median]
        extra["mean"][issue] = [float(v) for v in res.mean]
        extra["rounds_run"][issue] = res.rounds_run
        extra["stopped"][issue] = res.stopped
    return Forecast(
        model="bdm",
        params={**DEFAULTS, **params},
        actors=problem.actors,
        issues=issues,
        rounds=n_rounds,
        extra=extra,
    )


SPEC = register(
    ModelSpec(
        name="bdm",
        run=run,
        summary="Bueno de Mesquita expected-utility challenge model (Scholz et al. 2011).",
        citation=(
            "Bueno de Mesquita (1994), in Political Economy and the Dynamics of Budgets; "
            "Scholz, Calbert & Smith (2011), Unravelling Bueno De Mesquita's group decision "
            "model, J. Theoretical Politics 23(4):510-531."
        ),
        multidimensional=False,
        issue_weights=True,
        defaults=dict(DEFAULTS),
    )
)
