"""Calibration and scoring of predictive distributions on DEU decisions (grouped cross-validation).

For every model (and the ensemble) the predictive distributions of :mod:`melian.bargaining.predictive`
are built out of sample and scored against the recorded outcomes:

* **Protocol**: the proposals are dealt to ``folds`` groups (:func:`group_folds`;
  ``folds >= number of proposals`` is leave-one-proposal-out). For each outer fold everything is
  learnt from the other proposals only: the standardised residual pool, the mixture's shape
  (:class:`~melian.bargaining.predictive.MixtureParams`, a grid search minimising the mean CRPS of
  the training issues, each drawn from the residuals of the *other* training proposals) and the
  ensemble weights (stacking: the convex weights minimising the training CRPS of the mixture of the
  models' distributions, Yao, Vehtari, Simpson & Gelman 2018, plus a ridge toward equal weights).
  Models with a parameter fitted on dev data (melian-deu) are refitted on the training proposals.
* **Scores** (scoringrules, Zenodo doi:10.5281/zenodo.12683125; Gneiting & Raftery 2007): absolute
  error of the point, CRPS of the draws (``crps_ensemble``), coverage of the central 50/80/95%
  intervals, the interval score (``interval_score``), randomised PIT values (the reliability
  chart).
* **Baseline** (the issue's reference numbers): the compromise model's point plus the raw residuals
  of the other proposals (leave-one-proposal-out), clipped to the scale; its intervals are the
  symmetric split-conformal ones, point +- the q-quantile of the other proposals' absolute
  residuals (Barber et al. 2021).
* **Comparison**: paired cluster bootstrap over proposals of every score difference to the
  baseline (:func:`melian.bargaining.validation.backtest.paired_cluster_ci`).

Random numbers come from ``SeedSequence(seed)`` children keyed by (model, issue): the same seed
gives the same scores.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scoringrules as sr
from scipy.optimize import minimize

from melian.bargaining.io.deu import DeuIssue
from melian.bargaining.predictive import (
    INTERVALS,
    QUANTILE_LEVELS,
    Calibration,
    ErrorModel,
    MixtureParams,
    allocate,
    candidates,
    hull,
    spread_of,
    stream,
)

#: Grid of mixture shapes searched in each training set.
PARAM_GRID: tuple[MixtureParams, ...] = tuple(
    MixtureParams(k, s, h)
    for k, s, h in itertools.product((1.0, 1.2, 1.4), (0.3, 0.6), (4.0, 12.0))
)
#: Spread adjustments of the ensemble's linear pool searched in each training set (1: none).
SPREAD_GRID: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
#: Ridge strength of the ensemble weights toward equal weights (on the CRPS scale, per issue).
ENSEMBLE_SHRINK = 2.0
#: Draws per issue while fitting (the final draws use ``n_samples``).
N_FIT = 200
#: Name of the ensemble row and of the baseline row.
ENSEMBLE = "ensemble"
BASELINE = "compromise+residuals"
#: Central quantile rule of the intervals (numpy's default, linear interpolation).
QUANTILE_METHOD = "linear"


# --------------------------------------------------------------------------------------------
# Scores


@dataclass
class Scores:
    """Per-issue scores of one forecaster (arrays aligned to the scored issues)."""

    ae: np.ndarray
    ae_median: np.ndarray
    crps: np.ndarray
    covered: dict[float, np.ndarray]
    interval_score: dict[float, np.ndarray]
    pit: np.ndarray

    def summary(self) -> dict[str, float]:
        """Means over the issues."""
        out = {
            "mae": float(np.mean(self.ae)),
            "mae_median": float(np.mean(self.ae_median)),
            "crps": float(np.mean(self.crps)),
        }
        for lev in INTERVALS:
            k = int(round(lev * 100))
            out[f"coverage{k}"] = float(np.mean(self.covered[lev]))
            out[f"interval_score{k}"] = float(np.mean(self.interval_score[lev]))
        return out


def score_samples(
    y: np.ndarray,
    point: np.ndarray,
    samples: np.ndarray,
    rng: np.random.Generator,
    intervals: Mapping[float, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Scores:
    """Scores of draws ``samples`` (issues, draws) against outcomes ``y``.

    The CRPS is scoringrules' ``crps_ensemble`` (the fair-free "qd" estimator, equal to
    mean|X - y| - 0.5 mean|X - X'| over the draws). Central intervals are the sample quantiles
    unless ``intervals`` gives them. PIT values are randomised at point masses:
    F(y-) + U (F(y) - F(y-)).
    """
    crps = np.atleast_1d(np.asarray(sr.crps_ensemble(y, samples), dtype=float))
    covered: dict[float, np.ndarray] = {}
    iscore: dict[float, np.ndarray] = {}
    for lev in INTERVALS:
        a = 1.0 - lev
        if intervals is not None and lev in intervals:
            lo, hi = intervals[lev]
        else:
            lo, hi = np.quantile(samples, [a / 2, 1 - a / 2], axis=1, method=QUANTILE_METHOD)
        covered[lev] = (lo <= y) & (y <= hi)
        iscore[lev] = np.atleast_1d(np.asarray(sr.interval_score(y, lo, hi, a), dtype=float))
    below = np.mean(samples < y[:, None], axis=1)
    at = np.mean(samples <= y[:, None], axis=1)
    pit = below + rng.random(y.size) * (at - below)
    med = np.median(samples, axis=1)
    return Scores(np.abs(point - y), np.abs(med - y), crps, covered, iscore, pit)


def pit_values(y: np.ndarray, samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Randomised PIT values F(y-) + U (F(y) - F(y-)) of outcomes ``y`` under draws (issues, m)."""
    below = np.mean(samples < y[:, None], axis=1)
    at = np.mean(samples <= y[:, None], axis=1)
    return below + rng.random(y.size) * (at - below)


def recalibrate_draws(
    samples: np.ndarray, pit_train: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Probabilistic recalibration (Gneiting, Balabdaoui & Raftery 2007; Kuleshov et al. 2018).

    The recalibrated distribution is H(F(x)), H the empirical CDF of the training PIT values:
    each row's new draws are its quantiles at H^-1((i + 0.5) / m), i = 0..m-1, in an order
    permuted by ``rng`` (so that any subset of the columns is a fair sub-sample).
    """
    m = samples.shape[1]
    levels = np.quantile(pit_train, (np.arange(m) + 0.5) / m)
    q = np.quantile(samples, np.clip(levels, 0.0, 1.0), axis=1, method="inverted_cdf").T
    return q[:, rng.permutation(m)]


def mean_abs_diff(x: np.ndarray, y: np.ndarray) -> float:
    """E|X - Y| for independent draws X ~ x, Y ~ y (exact over the two samples, O(n log n))."""
    ys = np.sort(y)
    cs = np.concatenate([[0.0], np.cumsum(ys)])
    k = np.searchsorted(ys, x, side="right")
    n = ys.size
    tot = x * k - cs[k] + (cs[n] - cs[k]) - x * (n - k)
    return float(np.mean(tot) / n)


# --------------------------------------------------------------------------------------------
# Issue data on the 0-100 scale


@dataclass
class IssueData:
    """What the calibration needs of each scored issue (0-100 scale)."""

    outcome: np.ndarray
    groups: np.ndarray
    positions: list[np.ndarray]
    reference: np.ndarray
    cand: np.ndarray
    cand_logw: np.ndarray
    names: list[str]
    #: each issue's :func:`~melian.bargaining.predictive.hull` (draws are clipped to it);
    #: ``None``: the whole scale
    bounds: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_issues(cls, issues: Sequence[DeuIssue]) -> IssueData:
        """Stack DEU issues (0-100 scale) with padded candidate arrays."""
        pos = [np.asarray(it.problem.position[:, 0], dtype=float) for it in issues]
        ref = np.array([float(it.problem.reference[0]) for it in issues])
        cl = [candidates(p, r)[:2] for p, r in zip(pos, ref, strict=True)]
        width = max(c.size for c, _ in cl)
        cand = np.zeros((len(issues), width))
        logw = np.full((len(issues), width), -np.inf)
        for i, (c, w) in enumerate(cl):
            cand[i, : c.size] = c
            logw[i, : c.size] = w
        box = np.array([hull(p, r) for p, r in zip(pos, ref, strict=True)]).reshape(-1, 2)
        return cls(
            outcome=np.array([it.outcome for it in issues], dtype=float),
            groups=np.array([it.proposal for it in issues]),
            positions=pos,
            reference=ref,
            cand=cand,
            cand_logw=logw,
            names=[it.issue for it in issues],
            bounds=(box[:, 0], box[:, 1]),
        )

    def bounds_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The bounds of ``rows`` (``None``: the whole scale)."""
        return None if self.bounds is None else (self.bounds[0][rows], self.bounds[1][rows])


def batch_draws(
    pdraws: np.ndarray,
    spread: np.ndarray,
    pool: np.ndarray,
    pool_len: np.ndarray,
    cand: np.ndarray,
    cand_logw: np.ndarray,
    params: MixtureParams,
    u: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Vectorised :func:`melian.bargaining.predictive.draw_outcomes` over issues.

    ``pdraws`` (issues, D) input-draw points; ``pool`` (issues, L) padded residual pools with
    lengths ``pool_len``; ``cand``/``cand_logw`` (issues, C) padded candidates (-inf weight);
    ``u`` (4, issues, draws) uniforms. Returns (issues, draws).
    """
    n = u.shape[1]
    rows = np.arange(n)[:, None]
    zi = np.minimum((u[0] * pool_len[:, None]).astype(int), pool_len[:, None] - 1)
    z = pool[rows, zi]
    d = pdraws.shape[1]
    pi = np.minimum((u[1] * d).astype(int), d - 1)
    p = pdraws[rows, pi]
    if bounds is None:
        v = np.clip(p + params.kappa * spread[:, None] * z, 0.0, 100.0)
    else:
        v = np.clip(p + params.kappa * spread[:, None] * z, bounds[0][:, None], bounds[1][:, None])
    if params.snap <= 0:
        return v
    # only the draws that snap need the candidate choice (same numbers as computing them all)
    ri, di = np.nonzero(u[2] < params.snap)
    if ri.size == 0:
        return v
    vs = v[ri, di]
    logits = cand_logw[ri] - np.abs(vs[:, None] - cand[ri]) / params.bandwidth
    logits -= logits.max(axis=1, keepdims=True)
    cum = np.cumsum(np.exp(logits), axis=1)
    pick = (cum < (u[3][ri, di] * cum[:, -1])[:, None]).sum(axis=1)
    pick = np.minimum(pick, cand.shape[1] - 1)
    out = v.copy()
    out[ri, di] = cand[ri, pick]
    return out


def _pools(
    z: np.ndarray, groups: np.ndarray, rows: np.ndarray, train: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Padded residual pools: for each of ``rows``, the ``train`` residuals of other proposals."""
    lists = [train[(groups[train] != groups[r]) & np.isfinite(z[train])] for r in rows]
    width = max(1, max(len(x) for x in lists))
    pool = np.zeros((len(rows), width))
    lens = np.zeros(len(rows), dtype=int)
    for i, idx in enumerate(lists):
        pool[i, : idx.size] = z[idx]
        lens[i] = max(idx.size, 1)
    return pool, lens


def _uniforms(
    seed: np.random.SeedSequence,
    model: str,
    names: Sequence[str],
    rows: np.ndarray,
    m: int,
    tag: str,
) -> np.ndarray:
    u = np.empty((4, len(rows), m))
    for i, r in enumerate(rows):
        u[:, i, :] = stream(seed, model, names[r], tag).random((4, m))
    return u


# --------------------------------------------------------------------------------------------
# Out-of-sample distributions


OosRefit = Callable[[Sequence[DeuIssue], np.ndarray, np.ndarray], np.ndarray]


def group_folds(groups: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """Split issue indices into ``k`` folds so that each group (proposal) lies in one fold.

    The unique groups (sorted) are shuffled with ``numpy.random.default_rng(seed)`` and dealt
    round-robin to the folds (``k`` >= number of groups is leave-one-group-out); the melian-deu
    fitting code (research/melian_deu/fitting.py) deals its folds with this function too.
    """
    uniq = np.unique(groups)
    if k < 2:
        raise ValueError("group_folds needs k >= 2")
    k = min(k, uniq.size)
    order = np.random.default_rng(seed).permutation(uniq.size)
    fold_of = {uniq[j]: f % k for f, j in enumerate(order)}
    assign = np.array([fold_of[g] for g in groups])
    return [np.flatnonzero(assign == f) for f in range(k)]


def _melian_deu_refit(
    issues: Sequence[DeuIssue], train: np.ndarray, test: np.ndarray
) -> np.ndarray:
    """melian-deu's blend weight alpha refitted on the training issues; its points on ``test``.

    melian-deu = alpha x salience-weighted mean + (1 - alpha) x unweighted mean (the shipped
    family, docs/models/melian-deu.md). The training MAE is convex and piecewise linear in alpha,
    so the exact minimiser on [0, 1] is one of the breakpoints or an end (ties: the smaller).
    """
    # lazy: the melian-deu model, only for its parameter fit
    from melian.bargaining import melian_deu as md

    weighted_theta = md.THETA0.copy()
    mean_theta = md.THETA0.copy()
    mean_theta[6] = 0.0
    w = np.array([md.predict_one(it.problem, weighted_theta) for it in issues])
    m = np.array([md.predict_one(it.problem, mean_theta) for it in issues])
    y = np.array([it.outcome for it in issues], dtype=float)
    d, r = w[train] - m[train], y[train] - m[train]
    cand = [0.0, 1.0]
    nz = np.abs(d) > 1e-12
    cand.extend(float(a) for a in np.clip(r[nz] / d[nz], 0.0, 1.0))
    cand_arr = np.unique(np.round(cand, 12))
    loss = np.array([np.mean(np.abs(a * d - r)) for a in cand_arr])
    alpha = float(cand_arr[int(np.argmin(loss))])
    return alpha * w[test] + (1.0 - alpha) * m[test]


#: Models with parameters fitted on the dev file: refitted on each training set.
REFIT: dict[str, OosRefit] = {"melian-deu": _melian_deu_refit}
#: Models whose out-of-sample skill holds only in one domain (:attr:`ErrorModel.domain`):
#: melian-deu was built and measured on the DEU legislative decisions only.
DOMAINS: dict[str, str] = {"melian-deu": "legislative"}


@dataclass
class ModelOOS:
    """Out-of-sample points and draws of one model on the scored issues, with what was fitted."""

    model: str
    point: np.ndarray
    samples: np.ndarray
    params: list[dict[str, Any]] = field(default_factory=list)
    weights: list[dict[str, float]] = field(default_factory=list)
    intervals: dict[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def interval_levels(y: np.ndarray, draws: np.ndarray) -> dict[float, float]:
    """Central-interval content giving the nominal coverage on training draws (closed intervals).

    With point masses a closed central (1 - a) interval covers more than 1 - a of the outcomes
    (an outcome at an atom on the interval's end counts as inside). For each nominal level the
    content in 0.05..0.99 whose training coverage is closest to it (ties: the larger) is used.
    """
    grid = np.round(np.arange(0.05, 0.995, 0.01), 2)
    lo = np.quantile(draws, (1 - grid) / 2, axis=1, method=QUANTILE_METHOD)
    hi = np.quantile(draws, (1 + grid) / 2, axis=1, method=QUANTILE_METHOD)
    cov = np.mean((lo <= y[None, :]) & (y[None, :] <= hi), axis=1)
    out = {}
    for lev in INTERVALS:
        gap = np.abs(cov - lev)
        best = np.flatnonzero(gap <= gap.min() + 1e-12)
        out[lev] = float(grid[best[-1]])
    return out


def _intervals_at(
    samples: np.ndarray, levels: Mapping[float, float]
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for lev, c in levels.items():
        lo, hi = np.quantile(samples, [(1 - c) / 2, (1 + c) / 2], axis=1, method=QUANTILE_METHOD)
        out[lev] = (lo, hi)
    return out


def _fit_params(
    pdraws: np.ndarray,
    spread: np.ndarray,
    z: np.ndarray,
    data: IssueData,
    train: np.ndarray,
    u: np.ndarray,
    grid: Sequence[MixtureParams],
) -> tuple[MixtureParams, np.ndarray]:
    """Grid point minimising the training CRPS (inner leave-one-proposal-out pools); its draws.

    ``u`` (4, len(train), draws) are the training issues' uniforms.
    """
    pool, lens = _pools(z, data.groups, train, train)
    y = data.outcome[train]
    best: tuple[float, MixtureParams, np.ndarray] | None = None
    for prm in grid:
        dr = batch_draws(
            pdraws[train],
            spread[train],
            pool,
            lens,
            data.cand[train],
            data.cand_logw[train],
            prm,
            u,
            data.bounds_of(train),
        )
        score = float(np.mean(sr.crps_ensemble(y, dr)))
        if best is None or score < best[0] - 1e-12:
            best = (score, prm, dr)
    assert best is not None
    return best[1], best[2]


def row_mean_abs_diff(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """E|X - Y| of every row for independent draws X ~ x[r], Y ~ y[r] (exact over the samples).

    The sum of |x_i - y_j| over all pairs is read from one sort of each row of the two samples
    together: an element of x adds itself once per element of y below it and subtracts itself
    once per element of y above it (and symmetrically), O(m log m) per row.
    """
    mx, my = x.shape[1], y.shape[1]
    z = np.concatenate([x, y], axis=1)
    order = np.argsort(z, axis=1, kind="stable")
    zs = np.take_along_axis(z, order, axis=1)
    isx = order < mx
    y_below = np.cumsum(~isx, axis=1) - ~isx
    x_below = np.cumsum(isx, axis=1) - isx
    coef = np.where(isx, 2 * y_below - my, 2 * x_below - mx)
    return np.sum(zs * coef, axis=1) / (mx * my)


def crps_terms(draws: Sequence[np.ndarray], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two terms of a mixture's mean CRPS: a_m = E|X_m - y| and B_ml = E|X_m - X_l|.

    Means over the issues of ``y`` of the exact expectations over each model's draws (each
    (issues, m)); the mixture with weights w has mean CRPS w.a - 0.5 w'Bw (Gneiting & Raftery
    2007, eq. 21).
    """
    M = len(draws)
    a = np.array([np.mean(np.abs(d - y[:, None])) for d in draws])
    B = np.zeros((M, M))
    for i in range(M):
        for j in range(i, M):
            B[i, j] = B[j, i] = float(np.mean(row_mean_abs_diff(draws[i], draws[j])))
    return a, B


def stacking_weights(
    draws: Sequence[np.ndarray], y: np.ndarray, shrink: float = ENSEMBLE_SHRINK
) -> np.ndarray:
    """Convex weights minimising the mean CRPS of the mixture of ``draws`` (each (issues, m)).

    CRPS(mixture) = sum_m w_m E|X_m - y| - 0.5 sum_ml w_m w_l E|X_m - X_l| is quadratic in w;
    ``shrink`` * ||w - 1/M||^2 pulls toward equal weights. Solved by SLSQP on the simplex.
    """
    if len(draws) == 1:
        return np.ones(1)
    return _stack(*crps_terms(draws, y), shrink)


def _stack(a: np.ndarray, B: np.ndarray, shrink: float) -> np.ndarray:
    """Stacking weights from the mixture CRPS's terms (see :func:`stacking_weights`)."""
    M = a.size
    eq = np.full(M, 1.0 / M)

    def f(w: np.ndarray) -> float:
        return float(w @ a - 0.5 * w @ B @ w + shrink * np.sum((w - eq) ** 2))

    def g(w: np.ndarray) -> np.ndarray:
        return a - B @ w + 2 * shrink * (w - eq)

    res = minimize(
        f,
        eq,
        jac=g,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * M,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(M)}],
        options={"ftol": 1e-12, "maxiter": 500},
    )
    w = np.clip(np.asarray(res.x, dtype=float), 0.0, None)
    return np.round(w / w.sum(), 6)


@dataclass
class Member:
    """One model fitted on one training set, able to draw again with a spread adjustment.

    ``fit`` holds the training issues' draws at the model's own shape (each drawn from the
    residuals of the other training proposals, uniforms ``u_fit``).
    """

    model: str
    params: MixtureParams
    pdraws: np.ndarray
    spread: np.ndarray
    z: np.ndarray
    train: np.ndarray
    u_fit: np.ndarray
    fit: np.ndarray

    def draws(
        self, data: IssueData, rows: np.ndarray, u: np.ndarray, factor: float = 1.0
    ) -> np.ndarray:
        """Draws of ``rows`` from the training residuals of other proposals, ``kappa`` x factor."""
        pool, lens = _pools(self.z, data.groups, rows, self.train)
        return batch_draws(
            self.pdraws[rows],
            self.spread[rows],
            pool,
            lens,
            data.cand[rows],
            data.cand_logw[rows],
            self.params.spread_adjusted(factor),
            u,
            data.bounds_of(rows),
        )


def fit_pool(
    members: Sequence[Member],
    data: IssueData,
    shrink: float = ENSEMBLE_SHRINK,
    spread_grid: Sequence[float] = SPREAD_GRID,
) -> tuple[float, np.ndarray, list[np.ndarray]]:
    """Spread adjustment and stacking weights of the ensemble on the members' training set.

    For every factor c of ``spread_grid`` the members are drawn again with their ``kappa``
    multiplied by c (same uniforms), the stacking weights are fitted, and the factor whose
    mixture has the smallest exact mean CRPS is kept: the spread-adjusted linear pool of
    Gneiting & Ranjan (2013, EJS 7: 1747-1782), whose plain linear pool (c = 1) is too wide
    when its members are calibrated. One member: c = 1. Returns (c, weights, members' draws).
    """
    y = data.outcome[members[0].train]
    grid = tuple(spread_grid) if len(members) > 1 else (1.0,)
    best: tuple[float, float, np.ndarray, list[np.ndarray]] | None = None
    for c in grid:
        dr = [m.fit if c == 1.0 else m.draws(data, m.train, m.u_fit, c) for m in members]
        a, B = crps_terms(dr, y)
        w = _stack(a, B, shrink) if len(members) > 1 else np.ones(1)
        score = float(w @ a - 0.5 * w @ B @ w)
        if best is None or score < best[0] - 1e-12:
            best = (score, c, w, dr)
    assert best is not None
    return best[1], best[2], best[3]


def _oos_member(
    issues: Sequence[DeuIssue],
    data: IssueData,
    oos: ModelOOS,
    pts: np.ndarray,
    pd_: np.ndarray | None,
    fold: tuple[int, np.ndarray, np.ndarray],
    ss: np.random.SeedSequence,
    opts: Mapping[str, Any],
) -> Member:
    """Fit one model on one outer fold's training proposals and draw its test issues."""
    f, train, test = fold
    m = oos.model
    p = pts.copy()
    if m in REFIT:
        p[train] = REFIT[m](issues, train, train)
        p[test] = REFIT[m](issues, train, test)
        oos.point[test] = p[test]
    pdraws = (
        p[:, None]
        if pd_ is None
        else np.where(np.isfinite(pd_), pd_ - pts[:, None] + p[:, None], p[:, None])
    )
    spread = np.array([spread_of(x, c) for x, c in zip(data.positions, p, strict=True)])
    z = (data.outcome - p) / spread
    tr = train[np.isfinite(p[train])]
    te = test[np.isfinite(p[test])]
    u_fit = _uniforms(ss, m, data.names, tr, opts["n_fit"], "fit")
    prm, dr = _fit_params(pdraws, spread, z, data, tr, u_fit, opts["grid"])
    pit_tr = pit_values(data.outcome[tr], dr, stream(ss, m, f, "pit"))
    if opts["recalibrate"]:
        dr = recalibrate_draws(dr, pit_tr, stream(ss, m, f, "fitperm"))
    levels = interval_levels(data.outcome[tr], dr)
    oos.params.append(
        {"fold": f, **prm.to_dict(), "interval_content": {str(k): v for k, v in levels.items()}}
    )
    member = Member(m, prm, pdraws, spread, z, tr, u_fit, dr)
    if te.size:
        u = _uniforms(ss, m, data.names, te, opts["n_samples"], "oos")
        dte = member.draws(data, te, u)
        if opts["recalibrate"]:
            dte = recalibrate_draws(dte, pit_tr, stream(ss, m, f, "perm"))
        oos.samples[te] = dte
        _store_intervals(oos, te, _intervals_at(dte, levels))
    return member


def _store_intervals(
    oos: ModelOOS, rows: np.ndarray, iv: Mapping[float, tuple[np.ndarray, np.ndarray]]
) -> None:
    n = oos.point.size
    for lev, (lo_, hi_) in iv.items():
        oos.intervals.setdefault(lev, (np.full(n, np.nan), np.full(n, np.nan)))
        oos.intervals[lev][0][rows] = lo_
        oos.intervals[lev][1][rows] = hi_


def _oos_ensemble(
    ens: ModelOOS,
    members: Sequence[Member],
    out: Mapping[str, ModelOOS],
    data: IssueData,
    fold: tuple[int, np.ndarray, np.ndarray],
    ss: np.random.SeedSequence,
    opts: Mapping[str, Any],
) -> None:
    """The ensemble of ``members`` (fitted on one outer fold's training set) on its test issues."""
    f, train, test = fold
    n_samples = opts["n_samples"]
    spread_grid = (1.0,) if opts["recalibrate"] else opts["spread_grid"]
    factor, w, dr = fit_pool(members, data, opts["shrink"], spread_grid)
    ens.weights.append({"fold": f, **{m.model: float(x) for m, x in zip(members, w, strict=True)}})
    cfit = allocate(w, opts["n_fit"])
    mix = np.concatenate([d[:, :c] for d, c in zip(dr, cfit, strict=True)], axis=1)
    y_tr = data.outcome[train]
    pit_ens = pit_values(y_tr, mix, stream(ss, ENSEMBLE, f, "pit"))
    levels = interval_levels(y_tr, mix)
    ens.params.append(
        {
            "fold": f,
            "spread": factor,
            "interval_content": {str(k): v for k, v in levels.items()},
        }
    )
    ok = test[np.all([np.isfinite(out[m.model].point[test]) for m in members], axis=0)]
    if not ok.size:
        return
    cnt = allocate(w, n_samples)
    parts = []
    for m, c in zip(members, cnt, strict=True):
        if factor == 1.0 or c == 0:
            parts.append(out[m.model].samples[ok, :c])
        else:
            u = _uniforms(ss, m.model, data.names, ok, n_samples, "oos")
            parts.append(m.draws(data, ok, u, factor)[:, :c])
    ens.samples[ok] = np.concatenate(parts, axis=1)
    ens.point[ok] = [float(np.dot(w, [out[m.model].point[t] for m in members])) for t in ok]
    if opts["recalibrate"]:
        ens.samples[ok] = recalibrate_draws(
            ens.samples[ok], pit_ens, stream(ss, ENSEMBLE, f, "perm")
        )
    _store_intervals(ens, ok, _intervals_at(ens.samples[ok], levels))


def out_of_sample(
    issues: Sequence[DeuIssue],
    points: Mapping[str, np.ndarray],
    *,
    seed: int,
    folds: int = 0,
    fold_seed: int = 1,
    n_samples: int = 1000,
    n_fit: int = N_FIT,
    grid: Sequence[MixtureParams] = PARAM_GRID,
    shrink: float = ENSEMBLE_SHRINK,
    point_draws: Mapping[str, np.ndarray] | None = None,
    ensemble: Sequence[str] | None = None,
    recalibrate: bool = False,
    spread_grid: Sequence[float] = SPREAD_GRID,
) -> dict[str, ModelOOS]:
    """Out-of-sample predictive draws of every model and the ensemble on ``issues``.

    ``issues`` must all have an outcome; ``points[model]`` are the models' points on them (the
    central inputs). ``folds = 0`` is leave-one-proposal-out. ``point_draws[model]`` (issues, D)
    are points under perturbed inputs (default: the central point only). Models with ``nan``
    points are scored on the issues they forecast and left out of the ensemble. The ensemble is
    the spread-adjusted linear pool of the models (:func:`fit_pool`, factors ``spread_grid``;
    with ``recalibrate`` a plain one).
    """
    data = IssueData.from_issues(issues)
    n = len(issues)
    ss = np.random.SeedSequence(seed)
    k = len(set(data.groups)) if folds <= 0 else folds
    opts = {
        "grid": grid,
        "n_fit": n_fit,
        "n_samples": n_samples,
        "recalibrate": recalibrate,
        "shrink": shrink,
        "spread_grid": tuple(spread_grid),
    }
    pts = {m: np.asarray(p, dtype=float) for m, p in points.items()}
    out = {m: ModelOOS(m, p.copy(), np.full((n, n_samples), np.nan)) for m, p in pts.items()}
    names = [m for m in (ensemble or list(points)) if m in out]
    ens = ModelOOS(ENSEMBLE, np.full(n, np.nan), np.full((n, n_samples), np.nan))
    for f, test in enumerate(group_folds(data.groups, k, fold_seed)):
        train = np.setdiff1d(np.arange(n), test)
        fold = (f, train, test)
        members = {
            m: _oos_member(issues, data, out[m], pts[m], (point_draws or {}).get(m), fold, ss, opts)
            for m in pts
        }
        ok = [members[m] for m in names if np.isfinite(out[m].point[train]).all()]
        if ok:
            _oos_ensemble(ens, ok, out, data, fold, ss, opts)
    if names:
        out[ENSEMBLE] = ens
    return out


def baseline_scores(issues: Sequence[DeuIssue], point: np.ndarray, seed: int) -> Scores:
    """Scores of the reference forecaster: point + raw residuals of the other proposals, clipped.

    Each issue's draws are the compromise point plus every residual of the *other* proposals
    (leave-one-proposal-out), clipped to 0-100; its central intervals are the symmetric
    split-conformal ones, point +- the level-quantile of those proposals' absolute residuals
    (clipped). These reproduce the issue's dev baselines (CRPS 17.38, 80% coverage 0.797,
    interval score 103.8 with GDP weights and missing salience 50).
    """
    y = np.array([it.outcome for it in issues], dtype=float)
    g = np.array([it.proposal for it in issues])
    r = y - point
    rng = stream(np.random.SeedSequence(seed), BASELINE, "pit")
    parts: list[Scores] = []
    for k in range(y.size):
        other = r[(g != g[k]) & np.isfinite(r)]
        ens = np.clip(point[k] + other, 0.0, 100.0)[None, :]
        iv = {}
        for lev in INTERVALS:
            q = float(np.quantile(np.abs(other), lev))
            iv[lev] = (np.array([max(point[k] - q, 0.0)]), np.array([min(point[k] + q, 100.0)]))
        parts.append(score_samples(y[k : k + 1], point[k : k + 1], ens, rng, iv))
    return Scores(
        ae=np.concatenate([p.ae for p in parts]),
        ae_median=np.concatenate([p.ae_median for p in parts]),
        crps=np.concatenate([p.crps for p in parts]),
        covered={lev: np.concatenate([p.covered[lev] for p in parts]) for lev in INTERVALS},
        interval_score={
            lev: np.concatenate([p.interval_score[lev] for p in parts]) for lev in INTERVALS
        },
        pit=np.concatenate([p.pit for p in parts]),
    )


__all__ = [
    "BASELINE",
    "ENSEMBLE",
    "Calibration",
    "ErrorModel",
    "QUANTILE_LEVELS",
    "Scores",
    "baseline_scores",
    "batch_draws",
    "mean_abs_diff",
    "out_of_sample",
    "score_samples",
    "stacking_weights",
]


# --------------------------------------------------------------------------------------------
# Backtest report


@dataclass
class DistributionBacktest:
    """Scores of every model's and the ensemble's predictive distributions (grouped CV)."""

    summary: dict[str, dict[str, Any]]
    quantiles: dict[str, np.ndarray]
    pit: dict[str, np.ndarray]
    issues: list[str]
    protocol: dict[str, Any]
    fitted: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (without the per-issue quantiles, see :meth:`quantiles_of`)."""
        return {"protocol": self.protocol, "scores": self.summary, "fitted": self.fitted}

    def quantiles_of(self, model: str, issue: str) -> list[float] | None:
        """Quantiles at every percent of ``model``'s out-of-sample distribution for ``issue``."""
        if model not in self.quantiles or issue not in self.issues:
            return None
        row = self.quantiles[model][self.issues.index(issue)]
        if not np.isfinite(row).all():
            return None
        return [round(float(v), 4) for v in row]


def distribution_backtest(
    issues: Sequence[DeuIssue],
    points: Mapping[str, np.ndarray],
    *,
    seed: int,
    n_boot: int,
    folds: int = 10,
    n_samples: int = 1000,
    reference: str = "compromise",
) -> DistributionBacktest:
    """Score out-of-sample predictive distributions of ``points``' models on ``issues``.

    Only issues with an outcome count. ``points[model]`` aligns with ``issues``. Returns per model
    (and for the ensemble and the baseline :data:`BASELINE`) MAE, CRPS, coverage and interval
    score at 50/80/95%, each with the paired cluster-bootstrap 95% interval of its difference to
    the baseline (common draws over proposals), plus PIT values and per-issue quantiles.
    """
    # lazy: the backtest's bootstrap, only for the paired comparison
    from melian.bargaining.validation.backtest import _bootstrap_weights, paired_cluster_ci

    keep = [i for i, it in enumerate(issues) if it.has_outcome]
    sub = [issues[i] for i in keep]
    pts = {m: np.asarray(p, dtype=float)[keep] for m, p in points.items()}
    y = np.array([it.outcome for it in sub])
    groups = np.array([it.proposal for it in sub])
    oos = out_of_sample(sub, pts, seed=seed, folds=folds, n_samples=n_samples)
    ss = np.random.SeedSequence(seed)
    scores: dict[str, Scores] = {}
    masks: dict[str, np.ndarray] = {}
    if reference in pts and np.isfinite(pts[reference]).all():
        scores[BASELINE] = baseline_scores(sub, pts[reference], seed)
        masks[BASELINE] = np.ones(len(sub), dtype=bool)
    for m, o in oos.items():
        ok = np.isfinite(o.samples).all(axis=1) & np.isfinite(o.point)
        iv = {lev: (a[ok], b[ok]) for lev, (a, b) in o.intervals.items()}
        scores[m] = score_samples(y[ok], o.point[ok], o.samples[ok], stream(ss, m, "pit"), iv)
        masks[m] = ok
    gi = {g: i for i, g in enumerate(dict.fromkeys(groups))}
    bw = _bootstrap_weights(len(gi), n_boot, seed)
    summary: dict[str, dict[str, Any]] = {}
    ref = BASELINE if BASELINE in scores else None

    def full(m: str, arr: np.ndarray) -> np.ndarray:
        v = np.full(len(sub), np.nan)
        v[masks[m]] = arr
        return v

    for m, sc in scores.items():
        row: dict[str, Any] = {"n": int(masks[m].sum()), **sc.summary()}
        if ref is not None:
            metrics = {
                "mae": (sc.ae, scores[ref].ae),
                "crps": (sc.crps, scores[ref].crps),
                "interval_score80": (sc.interval_score[0.8], scores[ref].interval_score[0.8]),
            }
            for key, (a, b) in metrics.items():
                d, ci, npair = paired_cluster_ci(full(m, a), full(ref, b), groups, bw, gi)
                row[f"diff_{key}"] = d
                row[f"diff_{key}_ci95"] = list(ci)
            row["crps_vs_baseline_pct"] = 100.0 * (row["crps"] / scores[ref].summary()["crps"] - 1)
        summary[m] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
    quant = {}
    for m, o in oos.items():
        q = np.full((len(sub), QUANTILE_LEVELS.size), np.nan)
        ok = masks[m]
        if ok.any():
            q[ok] = np.quantile(o.samples[ok], QUANTILE_LEVELS, axis=1).T
        quant[m] = q
    fitted = {
        m: {"params": o.params, "weights": o.weights} if o.weights else {"params": o.params}
        for m, o in oos.items()
    }
    protocol = {
        "folds": "leave-one-proposal-out" if folds <= 0 else f"grouped {folds}-fold by proposal",
        "n_samples": n_samples,
        "grid": [p.to_dict() for p in PARAM_GRID],
        "ensemble_shrink": ENSEMBLE_SHRINK,
        "ensemble_spread_grid": list(SPREAD_GRID),
        "baseline": f"{reference} point + residuals of the other proposals (leave-one-"
        "proposal-out), clipped to the scale; symmetric split-conformal intervals",
        "scoring": f"scoringrules {sr.__version__ if hasattr(sr, '__version__') else ''}".strip(),
        "bootstrap": f"paired cluster bootstrap over proposals, {n_boot} replicates, "
        "difference to the baseline",
    }
    return DistributionBacktest(
        summary=summary,
        quantiles=quant,
        pit={m: full(m, s.pit) for m, s in scores.items()},
        issues=[it.issue for it in sub],
        protocol=protocol,
        fitted=fitted,
    )


def pit_chart(result: DistributionBacktest, path: str, models: Sequence[str] | None = None) -> None:
    """Write the reliability chart: histograms of the PIT values (uniform when calibrated).

    One panel per model (default: the baseline, the compromise model and the ensemble); 10 bins,
    the dashed line is the uniform density.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(models or [n for n in (BASELINE, "compromise", ENSEMBLE) if n in result.pit])
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
    for ax, m in zip(axes[0], names, strict=True):
        v = result.pit[m]
        v = v[np.isfinite(v)]
        ax.hist(v, bins=10, range=(0, 1), density=True, color="#1f4e79", alpha=0.8)
        ax.axhline(1.0, color="#c0504d", ls="--", lw=1)
        ax.set_title(f"{m} (n={v.size})", fontsize=9)
        ax.set_xlabel("PIT")
        ax.set_ylim(0, 2.5)
    axes[0][0].set_ylabel("density")
    fig.suptitle("Reliability of predictive distributions (DEU, out of sample)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def fit_calibration(
    issues: Sequence[DeuIssue],
    points: Mapping[str, np.ndarray],
    *,
    seed: int,
    source: Mapping[str, Any] | None = None,
    n_fit: int = 400,
    grid: Sequence[MixtureParams] = PARAM_GRID,
    shrink: float = ENSEMBLE_SHRINK,
    spread_grid: Sequence[float] = SPREAD_GRID,
) -> Calibration:
    """The calibration used for new forecasts, fitted on every issue of ``issues``.

    For each model: the standardised residuals of its out-of-sample points (models in
    :data:`REFIT` refitted leave-one-proposal-out; the others have no fitted parameter), the
    mixture shape minimising the CRPS (each issue drawn from the other proposals' residuals), the
    calibrated interval contents; then the ensemble's spread adjustment and stacking weights
    (:func:`fit_pool`) and its interval contents. Same protocol as :func:`out_of_sample` with all
    issues as the training set.
    """
    keep = [i for i, it in enumerate(issues) if it.has_outcome]
    sub = [issues[i] for i in keep]
    data = IssueData.from_issues(sub)
    n = len(sub)
    ss = np.random.SeedSequence(seed)
    allidx = np.arange(n)
    models: dict[str, ErrorModel] = {}
    members: list[Member] = []
    for m, pts in points.items():
        p = np.asarray(pts, dtype=float)[keep].copy()
        if m in REFIT:
            for test in group_folds(data.groups, len(set(data.groups)), 1):
                train = np.setdiff1d(allidx, test)
                p[test] = REFIT[m](sub, train, test)
        if not np.isfinite(p).all():
            continue
        spread = np.array([spread_of(x, c) for x, c in zip(data.positions, p, strict=True)])
        z = (data.outcome - p) / spread
        u = _uniforms(ss, m, data.names, allidx, n_fit, "fit")
        prm, dr = _fit_params(p[:, None], spread, z, data, allidx, u, grid)
        members.append(Member(m, prm, p[:, None], spread, z, allidx, u, dr))
        models[m] = ErrorModel(
            model=m,
            residuals=np.round(z, 6),
            params=prm,
            interval_content=interval_levels(data.outcome, dr),
            domain=DOMAINS.get(m),
        )
    names = list(models)
    factor, w, dr = fit_pool(members, data, shrink, spread_grid)
    cnt = allocate(w, n_fit)
    mix = np.concatenate([d[:, :c] for d, c in zip(dr, cnt, strict=True)], axis=1)
    for m, wm in zip(names, w, strict=True):
        em = models[m]
        models[m] = ErrorModel(
            em.model, em.residuals, em.params, float(wm), em.interval_content, em.domain
        )
    return Calibration(
        models=models,
        source={
            **dict(source or {}),
            "n_issues": n,
            "n_proposals": len(set(data.groups)),
            "seed": seed,
            "n_fit": n_fit,
            "grid": [g.to_dict() for g in grid],
            "ensemble_shrink": shrink,
            "spread_grid": list(spread_grid),
        },
        ensemble_interval_content=interval_levels(data.outcome, mix),
        ensemble_spread=float(factor),
    )
