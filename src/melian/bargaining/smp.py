"""KTAB's Spatial Model of Politics (SMP), vectorised with numpy.

The Spatial Model of Politics of the KAPSARC Toolkit for Behavioral Analysis (KTAB, Wise et al.,
KAPSARC 2015, MIT licence; applied in Efird, Lester & Wise 2016,
J. East Asian Studies 16:117-145) is a multi-dimensional bargaining model.
Each turn every actor

1. infers everyone's risk attitude from the probability that its position would win a
   probabilistic Condorcet election among all positions (risk-neutral utilities);
2. estimates, from its own perspective, the expected gain of challenging each other actor
   (a "little contest" in which third parties join the side they expect to gain from) and picks
   the best target;
3. proposes a bargain between its position and the target's, interpolated by salience and the
   estimated probability of winning;
4. each actor then resolves the queue of bargains that involve it (plus the status quo) by a
   probabilistic election among all actors, and moves to the chosen bargain's position.

The turns stop after ``min_turns`` when the total movement of a turn falls below 2% of the first
turn's, or at ``max_turns``. The specification implemented is section 5 of the project's
``bargaining-models.md``; every point it leaves open is documented in ``docs/models/smp.md`` and,
where it is a modelling choice rather than an implementation detail, exposed as a keyword
parameter whose default is KTAB's.

Positions are handled on [0, 1] (each issue's scale divided by its range) and reported on the
issue's scale. Cost per turn is O(n^3) for n actors (the challenge evaluation considers every
challenger, target and third party); it is computed in blocks of numpy arrays or, from
``_KERNEL_MIN_ACTORS`` actors, by the compiled kernels of :mod:`melian.bargaining._smp_kernels`
(numba, imported on first use), which give the same histories.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from melian.bargaining.base import BargainingProblem, Forecast, IssueForecast
from melian.bargaining.registry import ModelSpec, register
from melian.errors import ModelError

__all__ = ["run_smp", "SMPResult", "simulate", "DEFAULTS"]

RISK_ADJUSTMENTS: dict[str, float] = {
    "none": 0.0,
    "one-third": 1.0 / 3.0,
    "half": 0.5,
    "two-thirds": 2.0 / 3.0,
    "full": 1.0,
}
VICTORY_MODELS: dict[str, float] = {
    "linear": 1.0,
    "square": 2.0,
    "quartic": 4.0,
    "octic": 8.0,
    "binary": 0.0,
}
ELECTION_MODELS = ("conditional", "markov-uniform", "markov-incentive")
BARGAIN_MODELS = ("S2P2", "S1P1", "S2PMax")
THIRD_PARTY_COMMITS = ("semi", "none")
VOTING_RULES = ("proportional", "binary", "cubic")
RESOLUTIONS = ("deterministic", "stochastic")

#: What to do with an actor whose salience is zero on every issue: its salience-weighted distance
#: (so its utility) is undefined in the SMP. ``"error"`` refuses the problem; ``"drop"`` runs the
#: model without such actors (they have no vote, c x s = 0, so their only roles would be as
#: targets and as candidate outcomes), keeps them at their initial positions with win
#: probability 0, and names them in ``extra["dropped_actors"]`` (the DEU backtest uses it).
ZERO_SALIENCE = ("error", "drop")

DEFAULTS: dict[str, Any] = {
    "risk_adjustment": "one-third",
    "victory_model": "linear",
    "election_model": "conditional",
    "bargain_model": "S2P2",
    "third_party_commit": "semi",
    "voting_rule": "proportional",
    "resolution": "deterministic",
    "seed": None,
    "min_turns": 2,
    "max_turns": 100,
    "stop_fraction": 0.02,
    "min_gain": 1e-5,
    "equal_tolerance": 1e-3,
    "bargain_decimals": 4,
    "zero_salience": "error",
}

# Smallest coalition strength (KTAB adds a tiny constant so that a contest nobody supports is a
# fair coin rather than 0/0).
_MIN_COALITION = 1e-10
# Threads for the challenge search, the kernels and the queue elections of large problems
# (results do not depend on the number).
_THREADS = max(1, min(2, os.cpu_count() or 1))
_THREAD_MIN_ACTORS = 200
# Extra weight of a party's own position in its copy of a bargain (fitted to KTAB's histories:
# 5e-7 and 2e-6 both break some of them; see docs/models/smp.md).
_OWN_WEIGHT = 1e-6
# Weight groups of the one-dimensional challenge-gain bound (more: tighter bound, more work).
_BOUND_GROUPS = 4
# Below this many actors the 1-D bound costs more than the pairs it saves (a080: +20%).
_BOUND_MIN_ACTORS = 200
# From this many actors the challenge search, the 1-D position elections, the equivalence
# classes and the bargain resolution run in the compiled kernels of
# melian.bargaining._smp_kernels (numba, imported on first use; same histories). Below it the
# numpy code is faster than importing numba and loading the compiled code (about 0.25 s).
_KERNEL_MIN_ACTORS = 100
# True: never use the compiled kernels (reference numpy path, for tests and comparisons).
_NUMPY_ONLY = False
# Tolerance of the damped Markov-chain elections.
_MARKOV_TOL = 1e-10
_MARKOV_MAX_ITER = 100_000
# Elements per block of the O(n^3) array computations (about 64 MB of float64 per array).
_BLOCK_ELEMENTS = 2_000_000
# Elements per block of the challenge evaluation (kept small enough to stay in cache).
_CHALLENGE_BLOCK = 400_000


def _thread_pool() -> Any:  # noqa: ANN401
    """A pool of ``_THREADS`` threads (concurrent.futures is imported only by the large problems
    that use one: a small forecast from the command line starts without it).
    """
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=_THREADS)


def _run_ranges(fn: Any, n: int) -> None:
    """Call fn(start, stop) over ranges covering 0..n - 1, on ``_THREADS`` threads when n is large.

    For the compiled kernels, which release the GIL and write disjoint outputs per index, so
    the results do not depend on the number of threads. More ranges than threads balance uneven
    costs.
    """
    if _THREADS > 1 and n >= _THREAD_MIN_ACTORS:
        step = -(-n // (8 * _THREADS))
        starts = range(0, n, step)
        with _thread_pool() as pool:
            list(pool.map(lambda a: fn(a, min(n, a + step)), starts))
    else:
        fn(0, n)


def _use_kernels(n: int) -> bool:
    """Whether a computation over n actors runs in the compiled kernels (``_smp_kernels``)."""
    return n >= _KERNEL_MIN_ACTORS and not _NUMPY_ONLY and _kernels_available()


@functools.cache
def _kernels_available() -> bool:
    """Whether numba (and so ``_smp_kernels``) can be imported; if not, numpy is used."""
    try:
        from melian.bargaining import _smp_kernels  # lazy: numba  # noqa: F401
    except ImportError:  # pragma: no cover - numba is a dependency
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Building blocks: distance, utility, votes, coalitions, victory probability, elections
# ---------------------------------------------------------------------------------------------


def weighted_distance(position: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Salience-weighted distance d[k, j] from actor k's ideal to position j (SMP step 1).

    d_kj = sqrt( sum_m (s_km (x_km - x_jm))^2 / sum_m s_km^2 ), in [0, 1] for positions on [0, 1].
    """
    n, m = position.shape
    den = np.einsum("km,km->k", salience, salience)
    if m == 1:
        d = np.abs(position[:, 0][None, :] - position[:, 0][:, None])
        return np.minimum(d, 1.0)
    num = np.zeros((n, n))
    for k in range(m):
        diff = position[None, :, k] - position[:, None, k]
        num += (salience[:, k][:, None] * diff) ** 2
    return np.minimum(np.sqrt(num / den[:, None]), 1.0)


def utility(d: np.ndarray, risk: np.ndarray | float) -> np.ndarray:
    """Utility of a distance with risk attitude R: u(d, R) = (1 - d)(1 + d R) (SMP step 2)."""
    return (1.0 - d) * (1.0 + d * risk)


def _vote(weight: np.ndarray | float, du: np.ndarray, rule: str) -> np.ndarray:
    """A voter's vote for option a over b given its utility difference du = u(a) - u(b)."""
    if rule == "proportional":
        return weight * du
    if rule == "binary":
        return weight * np.sign(du)
    return weight * du**3  # cubic


def coalitions(u: np.ndarray, weight: np.ndarray, rule: str = "proportional") -> np.ndarray:
    """Coalition strengths C[a, b] = sum_k [vote_k(a over b)]^+ for options a, b.

    ``u`` has shape (voters, options): u[k, a] is voter k's utility of option a.
    """
    return _batched_coalitions(u[None], weight, rule)[0]


def _positive_vote_part(du: np.ndarray, rule: str) -> np.ndarray:
    """[vote(1, du)]^+ in place: the positive part of a unit-weight vote (weights are >= 0)."""
    if rule == "binary":
        return np.greater(du, 0.0).astype(float)
    np.maximum(du, 0.0, out=du)
    if rule == "cubic":
        du **= 3
    return du


def _batched_coalitions(u: np.ndarray, weight: np.ndarray, rule: str) -> np.ndarray:
    """Coalitions for a batch of option sets: u (batch, voters, options) -> (batch, opt, opt).

    Since weights are >= 0, [w vote(du)]^+ = w [vote(du)]^+ and the sum over voters is a
    matrix product with the weight vector.
    """
    nbatch, nv, no = u.shape
    c = np.zeros((nbatch, no * no))
    vblock = max(1, _BLOCK_ELEMENTS // max(1, no * no))
    for v0 in range(0, nv, vblock):
        ub = u[:, v0 : v0 + vblock]
        wb = weight[v0 : v0 + vblock]
        gblock = max(1, _BLOCK_ELEMENTS // max(1, ub.shape[1] * no * no))
        for g0 in range(0, nbatch, gblock):
            x = ub[g0 : g0 + gblock]
            du = x[:, :, :, None] - x[:, :, None, :]
            pos = _positive_vote_part(du, rule).reshape(x.shape[0], x.shape[1], no * no)
            c[g0 : g0 + gblock] += wb @ pos
    return c.reshape(nbatch, no, no)


def coalitions_1d(
    voter_x: np.ndarray,
    option_x: np.ndarray,
    risk: np.ndarray,
    weight: np.ndarray,
    rule: str = "proportional",
) -> np.ndarray:
    """Coalition strengths on one dimension in O(n^2 log n) instead of O(n^3).

    Voter k's utility of option a is u(|x_k - y_a|, R_k), strictly decreasing in the distance
    (for R in [-1/2, 1] and distances in [0, 1]), so k prefers a to b exactly when it is on a's
    side of their midpoint. With the voters sorted by position and prefix sums of w_k u_ka,
    C[a, b] = sum over voters on a's side of w_k (u_ka - u_kb) is a difference of two prefix
    sums. Same result as :func:`coalitions` up to rounding. Proportional and binary rules.
    """
    order = np.argsort(voter_x, kind="stable")
    xs = voter_x[order]
    ws = weight[order]
    y = option_x
    if _use_kernels(xs.size):
        from melian.bargaining import _smp_kernels  # lazy: numba

        rs = np.ascontiguousarray(risk[order], dtype=float)
        sigma = np.argsort(y, kind="stable")
        ys = np.ascontiguousarray(y[sigma], dtype=float)
        prop = rule == "proportional"
        ps = np.empty((xs.size + 1, y.size))
        c = np.empty((y.size, y.size))
        _run_ranges(
            lambda b0, b1: _smp_kernels.coalition_prefix_sums(xs, ws, rs, ys, prop, b0, b1, ps),
            y.size,
        )
        _run_ranges(
            lambda a0, a1: _smp_kernels.coalitions_1d_rows(xs, ys, sigma, ps, prop, a0, a1, c),
            y.size,
        )
        return c
    u = utility(np.minimum(np.abs(xs[:, None] - y[None, :]), 1.0), risk[order][:, None])
    contrib = ws[:, None] * (u if rule == "proportional" else np.ones_like(u))
    ps = np.zeros((xs.size + 1, y.size))
    np.cumsum(contrib, axis=0, out=ps[1:])
    total = ps[-1]
    mid = 0.5 * (y[:, None] + y[None, :])
    lo = np.searchsorted(xs, mid, side="left")  # voters strictly left of the midpoint
    hi = np.searchsorted(xs, mid, side="right")  # voters at or left of the midpoint
    cols = np.arange(y.size)
    left_a = ps[lo, cols[:, None]]  # sum over voters left of mid of w u_{k a}
    left_b = ps[lo, cols[None, :]]
    right_a = total[:, None] - ps[hi, cols[:, None]]
    right_b = total[None, :] - ps[hi, cols[None, :]]
    if rule == "proportional":
        c_left = left_a - left_b  # voters left of mid, valued a minus b
        c_right = right_a - right_b
    else:  # binary: each voter on a's side adds its weight
        c_left = left_a
        c_right = right_a
    a_left = y[:, None] < y[None, :]
    a_right = y[:, None] > y[None, :]
    c = np.where(a_left, c_left, np.where(a_right, c_right, 0.0))
    return np.maximum(c, 0.0)


def victory_probability(c: np.ndarray, model: str = "linear") -> np.ndarray:
    """P[a, b]: probability that option a beats b given coalition strengths (SMP step 4).

    Power models: P = C_ab^nu / (C_ab^nu + C_ba^nu) (nu = 1, 2, 4, 8); a contest nobody cares
    about is a fair coin. Binary: a side with at least 10% more strength wins outright; below
    that P rises linearly from 0 to 1 as (C_ab - C_ba) / (0.1 min(C_ab, C_ba)) goes from -1 to 1.
    """
    scale = c.max(axis=(-2, -1), keepdims=True)
    cs = c / np.where(scale > 0, scale, 1.0)
    cs = cs + _MIN_COALITION
    ct = np.swapaxes(cs, -1, -2)
    if model == "binary":
        lo = np.minimum(cs, ct)
        x = (cs - ct) / (0.1 * lo)
        p = np.clip(0.5 + 0.5 * x, 0.0, 1.0)
    else:
        nu = VICTORY_MODELS[model]
        if nu == 1.0:
            p = cs / (cs + ct)
        else:
            # P = 1 / (1 + (C_ba / C_ab)^nu), evaluated in logs to avoid under/overflow
            lr = nu * (np.log(ct) - np.log(cs))
            p = 0.5 * (1.0 - np.tanh(0.5 * lr))
    diag = np.arange(p.shape[-1])
    p[..., diag, diag] = 0.5
    return p


def _markov_fixed_point(step: Any, n: int) -> np.ndarray:
    """Damped iteration p <- (p + step(p)) / 2 from the uniform distribution to a fixed point."""
    p = np.full(n, 1.0 / n)
    for _ in range(_MARKOV_MAX_ITER):
        q = step(p)
        change = np.max(np.abs(q - p))
        p = 0.5 * (p + q)
        if change <= _MARKOV_TOL:
            break
    return p / p.sum()


def election(p_vict: np.ndarray, c: np.ndarray, model: str = "conditional") -> np.ndarray:
    """Probabilistic Condorcet election: probability of each option (SMP step 5).

    * conditional: p_a proportional to prod_b P(a > b);
    * markov-uniform: fixed point of p_a = (1/N) sum_b P(a > b)(p_a + p_b);
    * markov-incentive: challenge probabilities ch(a, b) proportional to C(a, b) P(a > b),
      normalised over the challengers a of each b, fixed point of
      p_a = sum_b P(a > b)(p_a ch(b, a) + p_b ch(a, b)).
    """
    n = p_vict.shape[0]
    if n == 1:
        return np.ones(1)
    if model == "conditional":
        with np.errstate(divide="ignore"):
            lp = np.log(p_vict).sum(axis=1)
        top = lp.max()
        if not np.isfinite(top):
            return np.full(n, 1.0 / n)
        w = np.exp(lp - top)
        return w / w.sum()
    if model == "markov-uniform":
        rows = p_vict.sum(axis=1)

        def step_u(p: np.ndarray) -> np.ndarray:
            return (p * rows + p_vict @ p) / n

        return _markov_fixed_point(step_u, n)
    inc = c * p_vict
    np.fill_diagonal(inc, 0.0)
    col = inc.sum(axis=0)
    ch = np.divide(inc, col[None, :], out=np.zeros_like(inc), where=col[None, :] > 0)
    idle = col <= 0
    ch[idle, idle] = 1.0  # an option nobody wants to challenge challenges itself (stays put)
    keep = (p_vict * ch.T).sum(axis=1)
    gain = p_vict * ch

    def step_i(p: np.ndarray) -> np.ndarray:
        return p * keep + gain @ p

    return _markov_fixed_point(step_i, n)


def scalar_pce(
    u: np.ndarray, weight: np.ndarray, rule: str, victory: str, elect: str
) -> np.ndarray:
    """Election among options given voters' utilities u (voters, options) and vote weights."""
    c = coalitions(u, weight, rule)
    return election(victory_probability(c, victory), c, elect)


def _position_election(
    position: np.ndarray,
    salience: np.ndarray,
    d: np.ndarray,
    options: np.ndarray,
    risk: np.ndarray,
    weight: np.ndarray,
    opt: _Options,
) -> np.ndarray:
    """Election among the positions of actors ``options``; voters use u(d, own risk).

    On one dimension with a proportional or binary rule the coalitions come from
    :func:`coalitions_1d`; otherwise from the full utility matrix.
    """
    if (
        position.shape[1] == 1
        and opt.voting_rule in ("proportional", "binary")
        and options.size > 64
    ):
        x = position[:, 0]
        c = coalitions_1d(x, x[options], risk, weight, opt.voting_rule)
    else:
        c = coalitions(utility(d[:, options], risk[:, None]), weight, opt.voting_rule)
    return election(victory_probability(c, opt.victory_model), c, opt.election_model)


def big_r_from_prob(p: np.ndarray) -> np.ndarray:
    """Risk attitude inferred from election probability: R = (3p - (pmax + 2 pmin)) / (2 range).

    The most likely position gets R = 1 (risk averse), the least likely R = -1/2. When every
    probability is equal the range is 0 and every actor is risk neutral (R = 0).
    """
    lo, hi = p.min(), p.max()
    if hi - lo <= 1e-15:
        return np.zeros_like(p)
    return (3.0 * p - (hi + 2.0 * lo)) / (2.0 * (hi - lo))


def equivalence_classes(position: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Distinct positions and the option each actor reports (positions within ``tol`` are equal).

    Returns (reps, lookup). ``reps`` are the representatives, found by visiting the actors in
    order: an actor within ``tol`` (Euclidean, on the [0, 1] scale) of an earlier representative
    is not a new option. ``lookup[i]`` is the position in ``reps`` of the option whose probability
    actor i reports: the last representative within ``tol`` of it. Both rules are the ones that
    reproduce KTAB's reported histories (see docs/models/smp.md); they differ only when the
    classes overlap (an actor within ``tol`` of two representatives).
    """
    n = position.shape[0]
    if _use_kernels(n):
        from melian.bargaining import _smp_kernels  # lazy: numba

        return _smp_kernels.equivalence_classes(np.ascontiguousarray(position, dtype=float), tol)
    reps: list[int] = []
    for i in range(n):
        if reps:
            r = np.asarray(reps)
            dist = np.sqrt(((position[r] - position[i]) ** 2).sum(axis=1))
            if (dist < tol).any():
                continue
        reps.append(i)
    rep_arr = np.asarray(reps, dtype=np.int64)
    dist = np.sqrt(((position[:, None, :] - position[None, rep_arr, :]) ** 2).sum(axis=2))
    close = dist < tol
    # the last representative within tol (every actor is within tol of at least one)
    lookup = close.shape[1] - 1 - np.argmax(close[:, ::-1], axis=1)
    return rep_arr, lookup


# ---------------------------------------------------------------------------------------------
# One turn
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    """Validated model options (see :data:`DEFAULTS`)."""

    risk_adjustment: float
    victory_model: str
    election_model: str
    bargain_model: str
    third_party_commit: str
    voting_rule: str
    stochastic: bool
    min_turns: int
    max_turns: int
    stop_fraction: float
    min_gain: float
    equal_tolerance: float
    bargain_decimals: int | None


def risk_attitudes(
    position: np.ndarray,
    salience: np.ndarray,
    d: np.ndarray,
    capability: np.ndarray,
    opt: _Options,
) -> tuple[np.ndarray, np.ndarray]:
    """Risk attitudes inferred from a risk-neutral election among all positions (SMP step 3).

    Every actor's position is an option (equal positions included); every actor votes with
    weight c_k and risk-neutral utility 1 - d. Returns (R, p) with p the election probability
    of each actor's position.
    """
    n = position.shape[0]
    p = _position_election(position, salience, d, np.arange(n), np.zeros(n), capability, opt)
    return big_r_from_prob(p), p


def win_probability(
    position: np.ndarray,
    salience: np.ndarray,
    d: np.ndarray,
    risk: np.ndarray,
    capability: np.ndarray,
    opt: _Options,
) -> np.ndarray:
    """Probability that each actor's position wins a capability-weighted election (step 12).

    Positions within ``equal_tolerance`` form one option (represented by the first actor holding
    it); each voter values an option with its own risk attitude; every actor holding an option
    reports that option's probability.
    """
    reps, lookup = equivalence_classes(position, opt.equal_tolerance)
    p = _position_election(position, salience, d, reps, risk, capability, opt)
    return p[lookup]


def _challenge_gains(
    hs: np.ndarray,
    js: np.ndarray,
    dt: np.ndarray,
    gt: np.ndarray,
    own: np.ndarray,
    own_g: np.ndarray,
    risk: np.ndarray,
    w: np.ndarray,
    sal_total: np.ndarray,
    opt: _Options,
) -> tuple[np.ndarray, np.ndarray]:
    """Gain and win probability of challenger hs[b] (its own perspective) against js[b, k].

    ``dt[j, n] = d_nj``, ``gt = dt (1 - dt)``, ``own = d_nn``; see :func:`best_challenges`.
    Returns (gain, P), both (b, k). Vectorised over (challenger, target, third party).
    """
    a = opt.risk_adjustment
    rule = opt.voting_rule
    nb, nk = js.shape
    bi = np.arange(nb)
    rho = (1.0 - a) * risk[hs][:, None] + a * risk[None, :]  # (b, n) h's view of n's risk
    # loss[b, k, n] = 1 - (h_b's estimate of n's utility of position js[b, k])
    loss = rho[:, None, :] * gt[js]
    np.subtract(dt[js], loss, out=loss)
    loss_i = dt[hs] - rho * gt[hs]  # (b, n): 1 - u_ni
    loss_ij = loss[bi[:, None], np.arange(nk)[None, :], hs[:, None]]  # (b, k): 1 - u_ij
    loss_nn = own[None, :] - rho * own_g[None, :]  # (b, n): 1 - u_nn
    loss_ii = loss_nn[bi, hs]  # (b,)
    loss_jj = np.take_along_axis(loss_nn, js, axis=1)  # (b, k)
    loss_ji = np.take_along_axis(loss_i, js, axis=1)  # (b, k): 1 - u_ji
    # the principals' votes in their little contest
    vi = _vote(w[hs][:, None], loss_ij - loss_ii[:, None], rule)  # u_ii - u_ij
    vj = _vote(w[js], loss_jj - loss_ji, rule)  # u_ji - u_jj
    c_ij = _MIN_COALITION + np.maximum(vi, 0.0) + np.maximum(vj, 0.0)
    c_ji = _MIN_COALITION + np.maximum(-vi, 0.0) + np.maximum(-vj, 0.0)
    # third parties: v_n = vote(u_ni - u_nj) = vote(loss_nj - loss_ni)
    if rule == "proportional" and opt.third_party_commit == "semi" and not loss_nn.any():
        # Default model with u_nn = 1 (ideals at positions): with A = w_n loss_ni and
        # B = w_n loss_nj, v_n = B - A, p_in = (C_ij + [v_n]^+) / (C_ij + C_ji + |v_n|) and the
        # semi-committed vote is w_n (p_in loss_ni - (1 - p_in) loss_nj) = p_in (A + B) - B.
        # Same values as the general branch below, in fewer passes over the (b, k, n) arrays.
        loss *= w[None, None, :]  # B
        a_n = (loss_i * w[None, :])[:, None, :]  # A
        v3 = loss - a_n
        s_ab = loss + a_n
        den = np.abs(v3)
        den += (c_ij + c_ji)[:, :, None]
        np.maximum(v3, 0.0, out=v3)
        v3 += c_ij[:, :, None]
        v3 /= den
        del den
        v3 *= s_ab
        del s_ab
        v3 -= loss
        del loss
    else:
        if rule == "proportional":
            v = loss * w[None, None, :]
            v -= (loss_i * w[None, :])[:, None, :]
        else:
            v = _vote(w[None, None, :], loss - loss_i[:, None, :], rule)
        if opt.third_party_commit == "semi":
            av = np.abs(v)
            # p_in = (C_ij + [v]^+) / (C_ij + C_ji + |v|)
            p_in = v + av
            del v
            p_in *= 0.5
            p_in += c_ij[:, :, None]
            av += (c_ij + c_ji)[:, :, None]
            p_in /= av
            del av
            # utility of joining i minus joining j (semi-commitment):
            # p (u_nn - u_ni) + (1 - p)(u_nj - u_nn) = p (loss_ni - loss_nn) - (1 - p)(loss_nj - loss_nn)
            ln = loss_nn[:, None, :]
            du = (loss_i[:, None, :] - ln) * p_in
            np.subtract(1.0, p_in, out=p_in)
            loss -= ln
            loss *= p_in
            du -= loss
            del p_in, loss
            v3 = _vote(w[None, None, :], du, rule)
            del du
        else:
            v3 = v
            del loss
    # third parties exclude i and j
    v3[bi, :, hs] = 0.0
    v3[bi[:, None], np.arange(nk)[None, :], js] = 0.0
    tot = v3.sum(axis=2)
    np.abs(v3, out=v3)
    tot_abs = v3.sum(axis=2)
    del v3
    chij = c_ij + 0.5 * (tot_abs + tot)
    chji = c_ji + 0.5 * (tot_abs - tot)
    p = chij / (chij + chji)
    # probability that j resists; KTAB requires total salience <= 1, melian caps it at 1
    s_j = np.minimum(sal_total[js], 1.0)
    u_ii = (1.0 - loss_ii)[:, None]
    u_ij = 1.0 - loss_ij
    eu_sq = u_ii + u_ij
    eu_vict = 2.0 * u_ii
    eu_contest = p * 2.0 * u_ii + (1.0 - p) * 2.0 * u_ij
    eu_chlg = (1.0 - s_j) * eu_vict + s_j * eu_contest
    return eu_chlg - eu_sq, p


def _gain_bound_1d(
    x: np.ndarray,
    risk: np.ndarray,
    w: np.ndarray,
    sal_total: np.ndarray,
    a: float,
    groups: int = _BOUND_GROUPS,
) -> np.ndarray:
    """Upper bound of challenger h's gain against every j on ONE dimension, O(n^2) in all.

    Default model only (proportional votes, semi-committed third parties, ideals at positions).
    With A_n = w_n (1 - u_nh), B_n = w_n (1 - u_nj) (h's view of n's risk), v_n = B_n - A_n and
    C = C_ij + C_ji, third party n's semi-committed vote is t_n = p_in (A_n + B_n) - B_n with
    p_in = (C_ij + [v_n]^+) / (C + |v_n|). P = (C_ij + sum [t_n]^+) / (C + sum |t_n|) increases
    with every t_n, so any tau_n >= t_n gives P(tau) >= P. Since 1 - u(d, r) is increasing in d
    with slope <= 2 (r in [-1/2, 1]), |v_n| <= 2 w_n d_hj; so p_in <= pbar_g =
    (C_ij + V_g) / (C + V_g), V_g = 2 d_hj max_{n in g} w_n, for the third parties n of weight
    group g, and for those strictly on j's side of the midpoint (B_n <= A_n) p_in <= P0 =
    C_ij / C. Then tau_n = q A_n - (1 - q) B_n with q = pbar_g or P0 is linear in (A_n, B_n),
    so its sums over contiguous ranges of sorted positions (per weight group) are differences
    of prefix sums. With S = sum tau_n and X = sum [tau_n]^+ in [max(0, S), sum q A_n],
    P(tau) = (C_ij + X) / (C + 2X - S) is monotone in X, so the larger of its two end values
    bounds P, and the gain (1 - u_hj)(1 - 2 s_j (1 - P)) is bounded by the same expression at
    that P. h and j themselves are counted as third parties (tau_h = 0 and tau_j >= 0 = t_j
    keep the bound valid). A small margin covers rounding in the prefix sums.
    """
    n = x.size
    # work with the actors sorted by position (cache-friendly searches), un-permute at the end
    order = np.argsort(x, kind="stable")
    x, risk, w, sal_total = x[order], risk[order], w[order], sal_total[order]
    b = (1.0 - a) * risk  # h's own part of its view of n's risk
    bh = b[:, None]
    d = np.minimum(np.abs(x[:, None] - x[None, :]), 1.0)
    g = d * (1.0 - d)
    loss_hj = d - risk[:, None] * g  # 1 - u_hj, h's own risk
    loss_jh = d - (bh + a * risk[None, :]) * g  # 1 - u_jh as h sees j
    del g
    c_ij = _MIN_COALITION + w[:, None] * loss_hj
    c = c_ij + _MIN_COALITION + w[None, :] * loss_jh
    del loss_jh
    p0 = c_ij / c
    mid = 0.5 * (x[:, None] + x[None, :])
    right = x[:, None] < x[None, :]
    left = x[:, None] > x[None, :]
    # actors strictly on j's side of the midpoint (a margin keeps near-ties on h's side, where
    # the bound with pbar >= p_in holds whatever the side); each row of mid is ascending
    k_r = np.searchsorted(x, mid + 1e-9, side="right")
    k_l = np.searchsorted(x, mid - 1e-9, side="left")
    del mid
    rows = np.arange(n)[:, None]
    cols = np.arange(n)[None, :]
    s_tau = np.zeros((n, n))
    x_hi = np.zeros((n, n))
    cuts = np.quantile(w, np.linspace(0.0, 1.0, groups + 1)[1:-1]) if groups > 1 else []
    grp = np.searchsorted(np.asarray(cuts), w, side="left")
    for k in range(groups):
        members = np.nonzero(grp == k)[0]  # ascending, so sorted by position
        if members.size == 0:
            continue
        xs, ws, rs = x[members], w[members], risk[members]
        m = members.size
        # number of group members among the first i actors in position order
        count = np.zeros(n + 1, dtype=np.int64)
        count[members + 1] = 1
        np.cumsum(count, out=count)
        ds = np.minimum(np.abs(x[:, None] - xs[None, :]), 1.0)  # ds[k, q] = d(member q, actor k)
        gs = ds * (1.0 - ds)
        pe = np.zeros((n, m + 1))
        pf = np.zeros((n, m + 1))
        np.cumsum(ws[None, :] * (ds - a * rs[None, :] * gs), axis=1, out=pe[:, 1:])
        np.cumsum(ws[None, :] * gs, axis=1, out=pf[:, 1:])
        del ds, gs
        lo = np.where(right, count[k_r], 0)
        hi = np.where(right, m, np.where(left, count[k_l], 0))
        # flat indices into the (n, m + 1) prefix arrays: rows h (sums of A), rows j (of B)
        fe, ff = pe.ravel(), pf.ravel()
        ih, il = rows * (m + 1) + hi, rows * (m + 1) + lo
        sa_j = (np.take(fe, ih) - np.take(fe, il)) - bh * (np.take(ff, ih) - np.take(ff, il))
        ih, il = cols * (m + 1) + hi, cols * (m + 1) + lo
        sb_j = (np.take(fe, ih) - np.take(fe, il)) - bh * (np.take(ff, ih) - np.take(ff, il))
        del ih, il
        sa_all = (pe[:, m] - b * pf[:, m])[:, None]
        sb_all = pe[:, m][None, :] - bh * pf[:, m][None, :]
        sa_j = np.maximum(sa_j, 0.0)
        sb_j = np.maximum(sb_j, 0.0)
        sa_i = np.maximum(sa_all - sa_j, 0.0)
        sb_i = np.maximum(sb_all - sb_j, 0.0)
        vmax = 2.0 * ws.max() * d
        pbar = (c_ij + vmax) / (c + vmax)
        s_tau += pbar * sa_i - (1.0 - pbar) * sb_i + p0 * sa_j - (1.0 - p0) * sb_j
        x_hi += pbar * sa_i + p0 * sa_j
    x_lo = np.maximum(s_tau, 0.0)
    p_hi = (c_ij + x_hi) / (c + 2.0 * x_hi - s_tau)
    p_lo = (c_ij + x_lo) / (c + 2.0 * x_lo - s_tau)
    p_ub = np.minimum(np.maximum(p_hi, p_lo) * (1.0 + 1e-9) + 1e-9, 1.0)
    s_j = np.minimum(sal_total, 1.0)[None, :]
    bound = loss_hj * (1.0 - 2.0 * s_j * (1.0 - p_ub)) + 1e-9 * (1.0 + loss_hj)
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    return bound[np.ix_(inv, inv)]


def best_challenges(
    d: np.ndarray,
    risk: np.ndarray,
    capability: np.ndarray,
    sal_total: np.ndarray,
    opt: _Options,
    position: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each actor's best challenge target, its estimated win probability and expected gain.

    Actor i evaluates, from its own perspective h = i and for itself k = i, the expected change
    in utility of challenging each j (SMP step 6). Actor h perceives actor n's risk attitude as
    (1 - a) R_h + a R_n (a = ``risk_adjustment``), so h's estimate of n's utility of j's
    position is u(d_nj, (1 - a) R_h + a R_n). i's and j's votes in their little contest are
    v_i = vote(c_i s_i, u_ii, u_ij) and v_j = vote(c_j s_j, u_ji, u_jj) (s = total salience);
    each third party n estimates p_in = (C_ij + [v_n]^+) / (C_ij + [v_n]^+ + C_ji + [-v_n]^+)
    with v_n = vote(c_n s_n, u_ni, u_nj) and, committed as in ``third_party_commit``, votes
    between joining i (p_in (2 u_ni + u_nn) + (1 - p_in) 3 u_nj) and joining j
    (p_in 3 u_ni + (1 - p_in)(2 u_nj + u_nn)). With P = C_ij / (C_ij + C_ji) over all votes,
    the gain is (1 - s_j) 2 u_ii + s_j (P 2 u_ii + (1 - P) 2 u_ij) - (u_ii + u_ij).
    Returns (target, P, gain); target is -1 where no gain exceeds ``min_gain``; ties go to
    the lowest index.

    The cost is O(n^3). Since u_ii = 1 here, the gain equals (1 - u_ij)(1 - 2 s_j (1 - P))
    <= 1 - u_ij, so targets are evaluated in decreasing order of that bound, in growing
    batches, until the bound of the next one is below the best gain found: the result is
    exactly the full argmax, usually for a fraction of the work. Given ``position`` on one
    dimension (default model, at least ``_BOUND_MIN_ACTORS`` actors) the tighter bound of
    :func:`_gain_bound_1d` replaces 1 - u_ij; the result is the same.

    From ``_KERNEL_MIN_ACTORS`` actors the default model is searched by the compiled kernels
    of :mod:`melian.bargaining._smp_kernels` (one target at a time in decreasing order of
    1 - u_ij, each evaluation abandoned once it cannot beat the best on one dimension): the
    same targets, and bitwise the same P and gain wherever a target is chosen.
    """
    n = d.shape[0]
    w = capability * sal_total
    dt = np.ascontiguousarray(d.T)
    own = np.ascontiguousarray(np.diagonal(d))  # d_nn (0 with identity accommodation)
    target = np.full(n, -1, dtype=np.int64)
    prob = np.zeros(n)
    gain = np.full(n, -np.inf)
    # upper bound of i's gain against j: 1 - u_ij with i's own risk attitude
    exact = np.all(own == 0.0)
    default_model = exact and opt.voting_rule == "proportional" and opt.third_party_commit == "semi"
    if default_model and _use_kernels(n):
        from melian.bargaining import _smp_kernels  # lazy: numba

        s_cap = np.minimum(sal_total, 1.0)
        evaluated = np.zeros(n, dtype=np.int64)
        if position is not None and position.shape[1] == 1:
            # targets are visited by distance (no bound matrix); votes in sorted order
            order = np.argsort(position[:, 0], kind="stable")
            inv = np.empty(n, dtype=np.int64)
            inv[order] = np.arange(n)
            dts, w_s = dt[np.ix_(order, order)], w[order]
            bound = np.empty((n, 0))
        else:
            order, inv = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
            dts, w_s = np.empty((0, 0)), np.empty(0)
            bound = d - risk[:, None] * d * (1.0 - d)
            bound[np.arange(n), np.arange(n)] = -np.inf

        def search_rows(start: int, stop: int) -> None:
            _smp_kernels.best_challenges_default(
                dt, risk, w, s_cap, bound, opt.risk_adjustment, opt.min_gain,
                start, stop, target, prob, gain, evaluated, order, inv, dts, w_s,
            )  # fmt: skip

        _run_ranges(search_rows, n)
        return target, prob, gain
    gt = dt * (1.0 - dt)
    own_g = own * (1.0 - own)
    if position is not None and position.shape[1] == 1 and default_model and n >= _BOUND_MIN_ACTORS:
        bound = _gain_bound_1d(position[:, 0], risk, w, sal_total, opt.risk_adjustment)
    else:
        bound = d - risk[:, None] * d * (1.0 - d)
    bound[np.arange(n), np.arange(n)] = -np.inf
    first = n - 1 if (n <= 64 or not exact) else 16
    block = max(1, _CHALLENGE_BLOCK // max(1, first * n))

    def search(start: int) -> None:
        """Best target of the challengers in rows [start, start + block) (writes the outputs)."""
        rows = np.arange(start, min(n, start + block))
        order = np.argsort(-bound[rows], axis=1, kind="stable")[:, : n - 1]
        ub = np.take_along_axis(bound[rows], order, axis=1)
        best_g = np.full(rows.size, -np.inf)
        best_j = np.full(rows.size, n, dtype=np.int64)
        best_p = np.zeros(rows.size)
        active = np.arange(rows.size)
        lo, hi = 0, first
        while active.size:
            js = order[active, lo:hi]
            sub = max(1, _CHALLENGE_BLOCK // max(1, js.shape[1] * n))
            for s0 in range(0, active.size, sub):
                part = active[s0 : s0 + sub]
                g, p = _challenge_gains(
                    rows[part], js[s0 : s0 + sub], dt, gt, own, own_g, risk, w, sal_total, opt
                )
                jj = js[s0 : s0 + sub]
                k = np.argmax(g, axis=1)
                gk = g[np.arange(part.size), k]
                # exact ties: prefer the lowest actor index
                tie = g == gk[:, None]
                jmin = np.where(tie, jj, n).min(axis=1)
                pk = p[np.arange(part.size), np.argmax(tie & (jj == jmin[:, None]), axis=1)]
                better = (gk > best_g[part]) | ((gk == best_g[part]) & (jmin < best_j[part]))
                best_g[part] = np.where(better, gk, best_g[part])
                best_j[part] = np.where(better, jmin, best_j[part])
                best_p[part] = np.where(better, pk, best_p[part])
            if hi >= n - 1:
                break
            nxt = ub[active, hi]
            keep = nxt >= np.maximum(best_g[active], opt.min_gain)
            active = active[keep]
            lo, hi = hi, min(n - 1, 2 * hi)
        ok = best_g > opt.min_gain
        target[rows] = np.where(ok, best_j, -1)
        prob[rows] = best_p
        gain[rows] = best_g

    starts = range(0, n, block)
    if n >= _THREAD_MIN_ACTORS and len(starts) > 1:
        # blocks are independent and write disjoint rows; numpy releases the GIL in its loops
        with _thread_pool() as pool:
            list(pool.map(search, starts))
    else:
        for start in starts:
            search(start)
    return target, prob, gain


def interpolate_bargains(
    position: np.ndarray,
    salience: np.ndarray,
    init: np.ndarray,
    rcvr: np.ndarray,
    p_init: np.ndarray,
    opt: _Options,
) -> tuple[np.ndarray, np.ndarray]:
    """Bargain positions for initiators and receivers (SMP step 8), each (bargains, dims).

    S2P2: weights s_ik^2 P^2 and s_jk^2 (1 - P)^2; S1P1: s_ik P and s_jk (1 - P); S2PMax: s^2
    times 1 for the side more likely to win and 0 for the other (both when P = 1/2). Each party
    gets its own copy of the bargain, in which its own current position has an extra weight
    ``_OWN_WEIGHT`` (1e-6): initiator (w_i x_i + w_j x_j + e x_i) / (w_i + w_j + e), receiver
    (w_i x_i + w_j x_j + e x_j) / (w_i + w_j + e). The two copies differ by about 1e-6 of the
    distance, which matters only when the 4-decimal rounding falls between them; that is what
    KTAB's histories show (docs/models/smp.md, "Interpretive choices" 7). Where both weights
    vanish each party keeps its position.
    """
    si = salience[init]
    sj = salience[rcvr]
    p = p_init[:, None]
    q = 1.0 - p
    if opt.bargain_model == "S2P2":
        wi, wj = si**2 * p**2, sj**2 * q**2
    elif opt.bargain_model == "S1P1":
        wi, wj = si * p, sj * q
    else:
        wi, wj = si**2 * (p >= q), sj**2 * (q >= p)
    xi, xj = position[init], position[rcvr]
    mix = wi * xi + wj * xj
    tot = wi + wj + _OWN_WEIGHT
    y_init = (mix + _OWN_WEIGHT * xi) / tot
    y_rcvr = (mix + _OWN_WEIGHT * xj) / tot
    if opt.bargain_decimals is not None:
        f = 10.0**opt.bargain_decimals
        y_init = np.floor(y_init * f + 0.5) / f  # half away from zero (positions are >= 0)
        y_rcvr = np.floor(y_rcvr * f + 0.5) / f
    return y_init, y_rcvr


def _batched_pce(u: np.ndarray, weight: np.ndarray, opt: _Options) -> np.ndarray:
    """Elections for a batch of option sets: u (batch, voters, options) -> (batch, options)."""
    nbatch = u.shape[0]
    if _use_kernels(u.shape[1]):
        c = _kernel_coalitions(u, weight, opt.voting_rule)
    else:
        c = _batched_coalitions(u, weight, opt.voting_rule)
    pv = victory_probability(c, opt.victory_model)
    if opt.election_model == "conditional":
        with np.errstate(divide="ignore"):
            lp = np.log(pv).sum(axis=2)
        top = lp.max(axis=1, keepdims=True)
        w = np.where(np.isfinite(top), np.exp(lp - np.where(np.isfinite(top), top, 0.0)), 1.0)
        return w / w.sum(axis=1, keepdims=True)
    return np.stack([election(pv[g], c[g], opt.election_model) for g in range(nbatch)])


def _kernel_coalitions(u: np.ndarray, weight: np.ndarray, rule: str) -> np.ndarray:
    """:func:`_batched_coalitions` by the compiled kernel (voters summed in order, not by BLAS).

    Same values up to rounding (the sum over voters is sequential instead of BLAS's order).
    """
    from melian.bargaining import _smp_kernels  # lazy: numba

    u = np.ascontiguousarray(u, dtype=float)
    w = np.ascontiguousarray(weight, dtype=float)
    code = VOTING_RULES.index(rule)
    c = np.empty((u.shape[0], u.shape[2], u.shape[2]))
    _run_ranges(
        lambda a0, a1: _smp_kernels.batched_coalition_rows(u, w, code, a0, a1, c), u.shape[2]
    )
    return c


def _point_distance(ideal: np.ndarray, salience: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Salience-weighted distance from each actor's ideal to arbitrary points: (actors, points)."""
    den = np.einsum("km,km->k", salience, salience)
    num = np.zeros((ideal.shape[0], points.shape[0]))
    for k in range(ideal.shape[1]):
        diff = points[None, :, k] - ideal[:, None, k]
        num += (salience[:, k][:, None] * diff) ** 2
    return np.minimum(np.sqrt(num / den[:, None]), 1.0)


def resolve_bargains(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    risk: np.ndarray,
    init: np.ndarray,
    rcvr: np.ndarray,
    offer: tuple[np.ndarray, np.ndarray],
    opt: _Options,
    rng: np.random.Generator | None,
) -> np.ndarray:
    """New positions after every actor resolves its queue of bargains (SMP step 9).

    Actor k's queue holds the status quo and, in the order of their initiators, the bargains it
    initiated or received. ``offer`` is (initiator's copy, receiver's copy). Every actor n values
    a bargain as the mean over all actors of its utility (own risk attitude) of their positions
    after the bargain, i.e. with the initiator and the receiver at their copies; a
    capability-weighted probabilistic election among the queue's options gives their
    probabilities; k takes the most likely (deterministic, first on ties) or samples one
    (stochastic) and moves to its copy of it.
    """
    n = position.shape[0]
    new = position.copy()
    nb = init.size
    if nb == 0:
        return new
    y_init, y_rcvr = offer
    # change of voter n's mean utility if bargain b is carried out
    if _use_kernels(n):
        from melian.bargaining import _smp_kernels  # lazy: numba

        den = np.einsum("km,km->k", salience, salience)
        delta = np.empty((n, nb))
        args = (
            *(np.ascontiguousarray(a, dtype=float) for a in (position, salience, den, risk)),
            *(np.ascontiguousarray(a, dtype=np.int64) for a in (init, rcvr)),
            *(np.ascontiguousarray(a, dtype=float) for a in (y_init, y_rcvr)),
        )
        _run_ranges(lambda k0, k1: _smp_kernels.bargain_values(*args, k0, k1, delta), n)
    else:
        u_init = utility(_point_distance(position, salience, y_init), risk[:, None])  # (n, nb)
        u_rcvr = utility(_point_distance(position, salience, y_rcvr), risk[:, None])
        u_pos = utility(weighted_distance(position, salience), risk[:, None])
        delta = (u_init + u_rcvr - u_pos[:, init] - u_pos[:, rcvr]) / n
    involved = np.zeros((n, nb), dtype=bool)
    involved[init, np.arange(nb)] = True
    involved[rcvr, np.arange(nb)] = True
    length = involved.sum(axis=1)
    # the queues of equal length are resolved together: options (queue, voter, option)
    probs: dict[int, np.ndarray] = {}
    queues: dict[int, np.ndarray] = {}

    def elect(q: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Elections of every queue of length q: (actors, their bargains, probabilities)."""
        ks = np.nonzero(length == q)[0]
        qb = np.nonzero(involved[ks])[1].reshape(ks.size, q)  # bargain indices, ascending
        u = np.zeros((ks.size, n, q + 1))
        u[:, :, 1:] = np.transpose(delta[:, qb], (1, 0, 2))
        return ks, qb, _batched_pce(u, capability, opt)

    # sorted distinct queue lengths (not np.unique, which imports numpy.ma: ~10 ms of start-up)
    lengths = sorted({int(q) for q in length[length > 0]})
    if n >= _THREAD_MIN_ACTORS and len(lengths) > 1 and not _use_kernels(n):
        # longest queues first so that the two threads finish together
        with _thread_pool() as pool:
            done = list(pool.map(elect, sorted(lengths, reverse=True)))
    else:
        done = [elect(q) for q in lengths]
    for ks, qb, p in done:
        for row, k in enumerate(ks):
            probs[int(k)] = p[row]
            queues[int(k)] = qb[row]
    for k in sorted(probs):
        p = probs[k]
        if opt.stochastic and rng is not None:
            choice = int(rng.choice(p.size, p=p / p.sum()))
        else:
            choice = int(np.argmax(p))
        if choice > 0:
            b = queues[k][choice - 1]
            new[k] = y_init[b] if init[b] == k else y_rcvr[b]
    return new


# ---------------------------------------------------------------------------------------------
# The whole model
# ---------------------------------------------------------------------------------------------


@dataclass
class SMPResult:
    """Raw SMP history on the [0, 1] scale.

    ``positions`` (states, actors, dims), ``win_probability`` (states, actors), ``risk``
    (states, actors): the inferred risk attitudes, ``movement`` (turns,): total Euclidean
    movement of each turn, ``stopped_by``: "quiet" (2% rule), "max_turns" or "no_movement".
    """

    positions: np.ndarray
    win_probability: np.ndarray
    risk: np.ndarray
    movement: np.ndarray
    stopped_by: str
    final_options: np.ndarray
    final_option_probability: np.ndarray


def _options(params: dict[str, Any]) -> _Options:
    """Validate the keyword parameters and turn them into :class:`_Options`."""
    p = {**DEFAULTS, **params}

    def choose(name: str, allowed: Any) -> Any:
        value = p[name]
        if value not in allowed:
            raise ModelError(
                f"smp: {name} must be one of {', '.join(map(str, allowed))}; got {value!r}"
            )
        return value

    ra = choose("risk_adjustment", RISK_ADJUSTMENTS)
    choose("victory_model", VICTORY_MODELS)
    choose("election_model", ELECTION_MODELS)
    choose("bargain_model", BARGAIN_MODELS)
    choose("third_party_commit", THIRD_PARTY_COMMITS)
    choose("voting_rule", VOTING_RULES)
    choose("resolution", RESOLUTIONS)
    choose("zero_salience", ZERO_SALIENCE)
    try:
        min_turns = int(p["min_turns"])
        max_turns = int(p["max_turns"])
        stop_fraction = float(p["stop_fraction"])
        min_gain = float(p["min_gain"])
        tol = float(p["equal_tolerance"])
        dec = None if p["bargain_decimals"] is None else int(p["bargain_decimals"])
    except (TypeError, ValueError) as exc:
        raise ModelError(f"smp: bad numeric parameter: {exc}") from None
    if not 1 <= min_turns <= max_turns:
        raise ModelError(f"smp: need 1 <= min_turns <= max_turns, got {min_turns}, {max_turns}")
    if max_turns > 10_000:
        raise ModelError(f"smp: max_turns {max_turns} is above the limit of 10000")
    if not 0.0 <= stop_fraction < 1.0 or min_gain < 0 or tol < 0:
        raise ModelError("smp: stop_fraction must be in [0, 1), min_gain and tolerance >= 0")
    return _Options(
        risk_adjustment=RISK_ADJUSTMENTS[ra],
        victory_model=p["victory_model"],
        election_model=p["election_model"],
        bargain_model=p["bargain_model"],
        third_party_commit=p["third_party_commit"],
        voting_rule=p["voting_rule"],
        stochastic=p["resolution"] == "stochastic",
        min_turns=min_turns,
        max_turns=max_turns,
        stop_fraction=stop_fraction,
        min_gain=min_gain,
        equal_tolerance=tol,
        bargain_decimals=dec,
    )


def _check_problem(problem: BargainingProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions on [0, 1], saliences and capabilities, or a :class:`ModelError` saying why not."""
    n, m = problem.n_actors, problem.n_issues
    if n < 2:
        raise ModelError(f"smp needs at least 2 actors; {problem.name or 'the problem'} has {n}")
    if m < 1:
        raise ModelError("smp needs at least one issue (dimension)")
    pos = np.asarray(problem.position, dtype=float).reshape(n, m)
    sal = np.asarray(problem.salience, dtype=float).reshape(n, m)
    cap = np.asarray(problem.capability, dtype=float).reshape(n)
    scale = np.asarray(problem.scale, dtype=float).reshape(m, 2)
    if not np.all(np.isfinite(pos)):
        bad = sorted({problem.actors[i] for i in np.nonzero(~np.isfinite(pos))[0]})
        raise ModelError(
            "smp needs every actor's position on every issue; missing for " + ", ".join(bad)
        )
    if not (np.all(np.isfinite(sal)) and np.all(np.isfinite(cap))):
        raise ModelError("smp: saliences and capabilities must be finite numbers")
    if np.any(cap < 0):
        raise ModelError("smp: capabilities must be >= 0")
    if cap.sum() <= 0:
        raise ModelError("smp: every capability is zero, so no actor can influence anything")
    if np.any(sal < 0) or np.any(sal > 1):
        raise ModelError("smp: saliences must lie in [0, 1]")
    total = sal.sum(axis=1)
    zero = np.nonzero(total <= 0)[0]
    if zero.size:
        names = ", ".join(problem.actors[i] for i in zero)
        raise ModelError(
            f"smp: actor(s) {names} have zero salience on every issue; their distances (and so "
            "their utilities) are undefined in the SMP; drop them or give them some salience"
        )
    width = scale[:, 1] - scale[:, 0]
    if np.any(~np.isfinite(width)) or np.any(width <= 0):
        raise ModelError("smp: every issue scale must have high > low")
    x = (pos - scale[:, 0]) / width
    if np.any(x < -1e-9) or np.any(x > 1 + 1e-9):
        raise ModelError("smp: positions must lie on their issue's scale")
    return np.clip(x, 0.0, 1.0), sal, cap


def kept_actors(problem: BargainingProblem) -> np.ndarray:
    """Indices of the actors with some salience (a finite, positive total over the issues)."""
    sal = np.asarray(problem.salience, dtype=float).reshape(problem.n_actors, problem.n_issues)
    total = sal.sum(axis=1)
    return np.nonzero(~(np.isfinite(total) & (total <= 0)))[0]


def _subset(problem: BargainingProblem, keep: np.ndarray) -> BargainingProblem:
    """The same problem restricted to the actors ``keep`` (indices, in order)."""
    n, m = problem.n_actors, problem.n_issues
    return dataclasses.replace(
        problem,
        actors=tuple(problem.actors[i] for i in keep),
        capability=np.asarray(problem.capability, dtype=float).reshape(n)[keep],
        position=np.asarray(problem.position, dtype=float).reshape(n, m)[keep],
        salience=np.asarray(problem.salience, dtype=float).reshape(n, m)[keep],
    )


def simulate(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    opt: _Options,
    seed: int | None = None,
) -> SMPResult:
    """Run the SMP turns on positions in [0, 1] until the stopping rule (SMP steps 1-12).

    After each turn t >= min_turns the run stops when the turn's total movement (sum over actors
    of the Euclidean change) is below ``stop_fraction`` times the first turn's, or at max_turns.
    """
    x = position.copy()
    sal_total = salience.sum(axis=1)
    # only the stochastic variant draws (numpy.random costs ~15 ms of start-up otherwise)
    rng = (
        np.random.default_rng(np.random.SeedSequence(0 if seed is None else seed))
        if opt.stochastic
        else None
    )
    hist = [x]
    wins: list[np.ndarray] = []
    risks: list[np.ndarray] = []
    moves: list[float] = []
    stopped_by = "max_turns"
    turn = 0
    while True:
        d = weighted_distance(x, salience)
        risk, _ = risk_attitudes(x, salience, d, capability, opt)
        risks.append(risk)
        wins.append(win_probability(x, salience, d, risk, capability, opt))
        if turn >= 1:
            if turn >= opt.max_turns:
                stopped_by = "max_turns"
                break
            if turn >= opt.min_turns:
                first = moves[0]
                if first <= 0.0:
                    stopped_by = "no_movement"
                    break
                if moves[-1] / first < opt.stop_fraction:
                    stopped_by = "quiet"
                    break
        target, p, _ = best_challenges(d, risk, capability, sal_total, opt, x)
        ok = target >= 0
        init = np.nonzero(ok)[0]
        rcvr = target[ok]
        offer = interpolate_bargains(x, salience, init, rcvr, p[ok], opt)
        new = resolve_bargains(x, salience, capability, risk, init, rcvr, offer, opt, rng)
        moves.append(float(np.sqrt(((new - x) ** 2).sum(axis=1)).sum()))
        x = new
        hist.append(x)
        turn += 1
    reps, _ = equivalence_classes(x, opt.equal_tolerance)
    d = weighted_distance(x, salience)
    p_opt = _position_election(x, salience, d, reps, risks[-1], capability, opt)
    return SMPResult(
        positions=np.asarray(hist),
        win_probability=np.asarray(wins),
        risk=np.asarray(risks),
        movement=np.asarray(moves),
        stopped_by=stopped_by,
        final_options=x[reps],
        final_option_probability=p_opt,
    )


def run_smp(problem: BargainingProblem, **params: Any) -> Forecast:
    """Run KTAB's Spatial Model of Politics on ``problem`` and return a :class:`Forecast`.

    Keyword parameters (defaults are KTAB's, see :data:`DEFAULTS` and docs/models/smp.md):
    ``risk_adjustment`` (none, one-third, half, two-thirds, full), ``victory_model`` (linear,
    square, quartic, octic, binary), ``election_model`` (conditional, markov-uniform,
    markov-incentive), ``bargain_model`` (S2P2, S1P1, S2PMax), ``third_party_commit`` (semi,
    none), ``voting_rule`` (proportional, binary, cubic), ``resolution`` (deterministic,
    stochastic, with ``seed``), ``min_turns``, ``max_turns``, ``stop_fraction``, ``min_gain``,
    ``equal_tolerance``, ``bargain_decimals``, ``zero_salience`` (error, drop; see
    :data:`ZERO_SALIENCE`).

    Each issue's forecast has the trajectory (states, actors) on the issue scale, the
    distribution over the distinct final positions (their election probabilities) and the
    point forecast, the probability-weighted mean of those positions.
    """
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ModelError(f"smp has no parameter(s) {', '.join(sorted(unknown))}")
    opt = _options(params)
    seed = params.get("seed")
    if seed is not None:
        try:
            seed = int(seed)
        except (TypeError, ValueError):
            raise ModelError(f"smp: seed must be an integer, got {seed!r}") from None
    n_all = problem.n_actors
    drop = params.get("zero_salience", DEFAULTS["zero_salience"]) == "drop"
    keep = kept_actors(problem) if drop else np.arange(n_all)
    x, sal, cap = _check_problem(problem if keep.size == n_all else _subset(problem, keep))
    res = simulate(x, sal, cap, opt, seed)
    n_states = res.positions.shape[0]
    scale = np.asarray(problem.scale, dtype=float).reshape(problem.n_issues, 2)
    lo, width = scale[:, 0], scale[:, 1] - scale[:, 0]
    initial = np.asarray(problem.position, dtype=float).reshape(n_all, problem.n_issues)
    issues = []
    for k, issue in enumerate(problem.issues):
        # dropped actors (zero_salience="drop") stay where they started
        traj = np.tile(initial[:, k], (n_states, 1))
        traj[:, keep] = res.positions[:, :, k] * width[k] + lo[k]
        vals = res.final_options[:, k] * width[k] + lo[k]
        merged: dict[float, float] = {}
        for v, pr in zip(vals, res.final_option_probability, strict=True):
            key = float(v)
            merged[key] = merged.get(key, 0.0) + float(pr)
        dist = sorted(merged.items())
        point = float(np.dot(vals, res.final_option_probability))
        issues.append(IssueForecast(issue=issue, point=point, trajectory=traj, distribution=dist))
    used = {**DEFAULTS, **params}
    used["seed"] = seed
    turns = n_states - 1
    win = np.zeros((res.win_probability.shape[0], n_all))
    win[:, keep] = res.win_probability
    risk: list[list[float | None]] = [[None] * n_all for _ in range(res.risk.shape[0])]
    for t, row in enumerate(np.round(res.risk, 6).tolist()):
        for i, v in zip(keep, row, strict=True):
            risk[t][int(i)] = v
    dropped = [problem.actors[i] for i in sorted(set(range(n_all)) - {int(i) for i in keep})]
    return Forecast(
        model="smp",
        params=used,
        actors=tuple(problem.actors),
        issues=issues,
        rounds=turns,
        win_probability=win,
        extra={
            "states": int(n_states),
            "stopped_by": res.stopped_by,
            "movement": [float(v) for v in res.movement],
            "risk_attitude": risk,
            "dropped_actors": dropped,
        },
    )


register(
    ModelSpec(
        name="smp",
        run=run_smp,
        summary=(
            "KTAB's Spatial Model of Politics: multi-dimensional bargaining with inferred risk "
            "attitudes, challenge/third-party estimates and probabilistic Condorcet elections."
        ),
        citation=(
            "Wise, B. et al. (2015), KAPSARC Toolkit for Behavioral Analysis (KTAB), Spatial Model "
            "of Politics, KAPSARC, MIT licence; Efird, Lester & Wise (2016), J. East Asian "
            "Studies 16:117-145."
        ),
        multidimensional=True,
        defaults=dict(DEFAULTS),
    )
)
