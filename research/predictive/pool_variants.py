"""Third and fourth rounds of the predictive search: variants of the ensemble's pool (README.md).

Every number is out of sample (grouped 10-fold by proposal, fold seed 1, or ``FOLDS=0`` for
leave-one-proposal-out), with every fitted quantity fitted on the training proposals of each fold
by the package's own functions (:mod:`melian.bargaining.validation.calibration`), except where
a line says it is a diagnostic.

    PYTHONPATH=src:. .venv/bin/python -m research.predictive.pool_variants [fixed|per-model|...]

``fixed``: held-out CRPS with one fixed spread factor c inside the pool (a diagnostic curve);
``per-model``: one factor per model by coordinate descent on the training CRPS;
``rank``: a member drawn in the actors' positions' weighted-rank space, stacked with the models;
``blocking``: the reference point's candidate prior raised where a blocking minority sits on it;
``beta``: the beta-transformed linear pool; ``idr``: an isotonic distributional regression member.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import scoringrules as sr

import melian.bargaining.validation.calibration as cal
from melian.bargaining.io.deu import packaged_path, read_deu
from melian.bargaining.predictive import allocate
from research.predictive._dev import dev_points

FOLDS = int(os.environ.get("FOLDS", "10"))
SEED = 20240601
OPTS = {
    "grid": cal.PARAM_GRID,
    "n_fit": cal.N_FIT,
    "n_samples": 1000,
    "recalibrate": False,
    "shrink": cal.ENSEMBLE_SHRINK,
    "spread_grid": cal.SPREAD_GRID,
}


def _folds(sub, points, fit_ensemble):  # noqa: ANN001, ANN202 - a research loop
    """Run the package's members fold by fold; ``fit_ensemble(members, data, train, test)``
    returns the ensemble's test draws (len(test), 1000). Returns the held-out mean CRPS."""
    y = np.array([it.outcome for it in sub])
    n = y.size
    data = cal.IssueData.from_issues(sub)
    ss = np.random.SeedSequence(SEED)
    k = len(set(data.groups)) if FOLDS <= 0 else FOLDS
    out = {m: cal.ModelOOS(m, p.copy(), np.full((n, 1000), np.nan)) for m, p in points.items()}
    ens = np.full((n, 1000), np.nan)
    for f, test in enumerate(cal.group_folds(data.groups, k, 1)):
        train = np.setdiff1d(np.arange(n), test)
        fold = (f, train, test)
        mem = [cal._oos_member(sub, data, out[m], points[m], None, fold, ss, OPTS) for m in points]
        ens[test] = fit_ensemble(mem, data, ss, test)
    return float(np.mean(sr.crps_ensemble(y, ens)))


def _test_draws(mem, data, ss, test, w, factors):  # noqa: ANN001, ANN202
    parts = []
    for m, c, fac in zip(mem, allocate(w, 1000), factors, strict=True):
        u = cal._uniforms(ss, m.model, data.names, test, 1000, "oos")
        parts.append(m.draws(data, test, u, fac)[:, :c])
    return np.concatenate(parts, axis=1)


def fixed(sub, points) -> None:  # noqa: ANN001
    """Held-out CRPS with a fixed factor c (weights fitted on training draws at that c)."""
    for c in (0.4, 0.5, 0.6, 0.7, 0.8, 1.0):

        def fit(mem, data, ss, test, c=c):  # noqa: ANN001, ANN202
            _, w, _ = cal.fit_pool(mem, data, spread_grid=(c,))
            return _test_draws(mem, data, ss, test, w, [c] * len(mem))

        print(f"c = {c}: held-out CRPS {_folds(sub, points, fit):.3f}")


def per_model(sub, points) -> None:  # noqa: ANN001
    """One factor per model: coordinate descent (two sweeps) from the common factor."""

    def fit(mem, data, ss, test):  # noqa: ANN001, ANN202
        c0, w, _ = cal.fit_pool(mem, data)
        y = data.outcome[mem[0].train]
        cache: dict[tuple[int, float], np.ndarray] = {}

        def draws(i: int, c: float) -> np.ndarray:
            if (i, c) not in cache:
                m = mem[i]
                cache[(i, c)] = m.fit if c == 1.0 else m.draws(data, m.train, m.u_fit, c)
            return cache[(i, c)]

        def score(fs: list[float]) -> tuple[float, np.ndarray]:
            a, B = cal.crps_terms([draws(i, c) for i, c in enumerate(fs)], y)
            ww = cal._stack(a, B, cal.ENSEMBLE_SHRINK)
            return float(ww @ a - 0.5 * ww @ B @ ww), ww

        fac = [c0] * len(mem)
        best, w = score(fac)
        for _ in range(2):
            for i in range(len(mem)):
                for c in cal.SPREAD_GRID:
                    trial = list(fac)
                    trial[i] = c
                    s, ww = score(trial)
                    if s < best - 1e-12:
                        best, fac, w = s, trial, ww
        print("  factors", dict(zip([m.model for m in mem], fac, strict=True)))
        return _test_draws(mem, data, ss, test, w, fac)

    print(f"per-model factors: held-out CRPS {_folds(sub, points, fit):.3f}")


def _rank_space(it, gap: float, flip: bool):  # noqa: ANN001, ANN202
    """Edges of the rank scale: each distinct position a segment of its weight share x (1 - gap),
    the gaps between positions ``gap`` / (K - 1) each (equal weights)."""
    x = it.problem.position[:, 0]
    x = x[np.isfinite(x)]
    x = 100 - x if flip else x
    v = np.unique(x)
    m = np.array([np.mean(x == t) for t in v])
    seg, kinds = [], []
    for k in range(v.size):
        seg.append((1 - gap) * m[k])
        kinds.append((v[k], v[k]))
        if k < v.size - 1:
            seg.append(gap / (v.size - 1))
            kinds.append((v[k], v[k + 1]))
    return np.concatenate([[0.0], np.cumsum(seg)]), kinds


def rank(sub, points) -> None:  # noqa: ANN001
    """A member drawn in weighted-rank space (gap 0.5), stacked with the models (no spread)."""
    ref = np.array([it.problem.reference[0] for it in sub])
    flip = np.isfinite(ref) & (ref > 50)
    rng = np.random.default_rng(5)

    def to_u(i: int) -> float:
        edges, kinds = _rank_space(sub[i], 0.5, flip[i])
        y = 100 - sub[i].outcome if flip[i] else sub[i].outcome
        for j, (a, b) in enumerate(kinds):
            if a == b == y:
                return edges[j] + rng.random() * (edges[j + 1] - edges[j])
            if a < y < b:
                return edges[j] + (y - a) / (b - a) * (edges[j + 1] - edges[j])
        return 0.0 if y < kinds[0][0] else 1.0

    U = np.array([to_u(i) for i in range(len(sub))])
    groups = np.array([it.proposal for it in sub])

    def from_u(i: int, u: np.ndarray) -> np.ndarray:
        edges, kinds = _rank_space(sub[i], 0.5, flip[i])
        j = np.clip(np.searchsorted(edges, u, side="right") - 1, 0, len(kinds) - 1)
        a = np.array([kinds[t][0] for t in j])
        b = np.array([kinds[t][1] for t in j])
        frac = (u - edges[j]) / np.maximum(edges[j + 1] - edges[j], 1e-12)
        v = a + frac * (b - a)
        return 100 - v if flip[i] else v

    def member(i: int, pool_idx: np.ndarray, m: int) -> np.ndarray:
        p = pool_idx[groups[pool_idx] != groups[i]]
        pool = U[p[np.isfinite(ref[p])]] if np.isfinite(ref[i]) else np.r_[U[p], 1 - U[p]]
        return from_u(i, pool[rng.integers(0, pool.size, m)])

    def fit(mem, data, ss, test):  # noqa: ANN001, ANN202
        tr = mem[0].train
        dr = [m.fit for m in mem] + [np.array([member(i, tr, cal.N_FIT) for i in tr])]
        w = cal.stacking_weights(dr, data.outcome[tr])
        cnt = allocate(w, 1000)
        parts = [
            m.draws(data, test, cal._uniforms(ss, m.model, data.names, test, 1000, "oos"))
            for m in mem
        ]
        parts = [p[:, :c] for p, c in zip(parts, cnt[:-1], strict=True)]
        parts.append(np.array([member(t, tr, cnt[-1]) for t in test]))
        return np.concatenate(parts, axis=1)

    print(f"models + rank member (plain pool): held-out CRPS {_folds(sub, points, fit):.3f}")


def blocking(sub, points) -> None:  # noqa: ANN001
    """Reference prior x e^beta where Council members on the reference point can block."""
    qmv = [
        i
        for i in read_deu(packaged_path("deu-dev.tsv"), capability="qmv", missing_salience=50)
        if i.has_outcome
    ]
    prot = np.zeros(len(sub), bool)
    for k, it in enumerate(qmv):
        r = it.problem.reference[0]
        if not np.isfinite(r):
            continue
        x = it.problem.position[:, 0]
        states = np.array([a not in ("com", "ep") for a in it.problem.actors]) & np.isfinite(x)
        votes = it.problem.capability[states]
        share = votes[np.isclose(x[states], r)].sum() / votes.sum()
        prot[k] = share > 0 if it.voting_rule.startswith("Unan") else share > 0.3
    base = cal.IssueData.from_issues.__func__
    for beta in (0.0, 0.5, 1.0, 2.0):

        def patched(cls, issues, beta=beta):  # noqa: ANN001, ANN202
            d = base(cls, issues)
            for i in np.flatnonzero(prot):
                j = np.isclose(d.cand[i], round(d.reference[i], 9)) & np.isfinite(d.cand_logw[i])
                d.cand_logw[i, j] += beta
            return d

        cal.IssueData.from_issues = classmethod(patched)

        def fit(mem, data, ss, test):  # noqa: ANN001, ANN202
            _, w, _ = cal.fit_pool(mem, data, spread_grid=(1.0,))
            return _test_draws(mem, data, ss, test, w, [1.0] * len(mem))

        print(
            f"beta = {beta}: {prot.sum()} protected issues, held-out CRPS "
            f"{_folds(sub, points, fit):.3f}"
        )
    cal.IssueData.from_issues = classmethod(base)


def _beta_transform(draws: np.ndarray, a: float, b: float) -> np.ndarray:
    """The beta-transformed pool's draws: the mixture's quantiles at Beta(a, b) levels.

    Deterministic levels (k + 0.5) / m, so that a = b = 1 gives back the draws themselves.
    """
    from scipy.stats import beta as beta_dist

    m = draws.shape[1]
    lev = beta_dist.ppf((np.arange(m) + 0.5) / m, a, b)
    idx = np.minimum((lev * m).astype(int), m - 1)
    return np.sort(draws, axis=1)[:, idx]


BETA_GRID = tuple(round(0.6 + 0.1 * i, 1) for i in range(11))  # 0.6 .. 1.6


def beta(sub, points) -> None:  # noqa: ANN001
    """Beta-transformed linear pool (Ranjan & Gneiting 2010; Gneiting & Ranjan 2013):
    G = B_ab(sum w F), a and b fitted on the training mixture's CRPS, on top of the shipped
    spread-adjusted pool (``BETA_C=fit``) or of the plain pool (``BETA_C=1``)."""
    mode = os.environ.get("BETA_C", "fit")
    chosen: list[tuple[float, float, float]] = []

    def fit(mem, data, ss, test):  # noqa: ANN001, ANN202
        grid = cal.SPREAD_GRID if mode == "fit" else (1.0,)
        c, w, dr = cal.fit_pool(mem, data, spread_grid=grid)
        cfit = allocate(w, cal.N_FIT)
        mix = np.concatenate([d[:, :k] for d, k in zip(dr, cfit, strict=True)], axis=1)
        y = data.outcome[mem[0].train]
        best = None
        for a in BETA_GRID:
            for b in BETA_GRID:
                sc = float(np.mean(sr.crps_ensemble(y, _beta_transform(mix, a, b))))
                if best is None or sc < best[0] - 1e-12:
                    best = (sc, a, b)
        assert best is not None
        chosen.append((c, best[1], best[2]))
        return _beta_transform(
            _test_draws(mem, data, ss, test, w, [c] * len(mem)), best[1], best[2]
        )

    print(f"beta pool (c {mode}): held-out CRPS {_folds(sub, points, fit):.3f}")
    import collections

    print(collections.Counter(chosen).most_common(8))


def _idr_cdf(x: np.ndarray, y: np.ndarray, x0: float) -> tuple[np.ndarray, np.ndarray]:
    """Isotonic distributional regression (Henzi, Ziegel & Gneiting 2021, JRSS B 83: 963-993)
    of y on one covariate x (the outcome stochastically increasing in x): for every threshold t,
    the antitonic least-squares fit of 1{y <= t} in x, read at x0 by linear interpolation.
    Returns (thresholds, CDF at x0)."""
    from scipy.optimize import isotonic_regression

    o = np.argsort(x, kind="stable")
    xs, ys = x[o], y[o]
    ts = np.unique(ys)
    cdf = np.empty(ts.size)
    for k, t in enumerate(ts):
        fit = isotonic_regression((ys <= t).astype(float), increasing=False).x
        cdf[k] = np.interp(x0, xs, fit)
    return ts, np.maximum.accumulate(np.clip(cdf, 0.0, 1.0))


def idr(sub, points) -> None:  # noqa: ANN001
    """An IDR member on a model's point (``IDR_X``, default compromise), stacked with the
    spread-adjusted pool's members (c and weights refitted with it on each training set)."""
    xname = os.environ.get("IDR_X", "compromise")
    x_all = np.asarray(points[xname], dtype=float)
    groups = np.array([it.proposal for it in sub])
    y_all = np.array([it.outcome for it in sub])
    rng = np.random.default_rng(7)

    def member(i: int, pool_idx: np.ndarray, m: int) -> np.ndarray:
        p = pool_idx[(groups[pool_idx] != groups[i]) & np.isfinite(x_all[pool_idx])]
        ts, cdf = _idr_cdf(x_all[p], y_all[p], x_all[i])
        u = (np.arange(m) + rng.random()) / m
        return ts[np.minimum(np.searchsorted(cdf, u, side="left"), ts.size - 1)]

    def fit(mem, data, ss, test):  # noqa: ANN001, ANN202
        tr = mem[0].train
        extra = np.array([member(i, tr, cal.N_FIT) for i in tr])
        best = None
        for c in cal.SPREAD_GRID:
            dr = [m.draws(data, tr, m.u_fit, c) for m in mem] + [extra]
            a, B = cal.crps_terms(dr, data.outcome[tr])
            w = cal._stack(a, B, cal.ENSEMBLE_SHRINK)
            sc = float(w @ a - 0.5 * w @ B @ w)
            if best is None or sc < best[0]:
                best = (sc, c, w)
        _, c, w = best
        print("c", c, "w_idr", round(float(w[-1]), 3), flush=True)
        cnt = allocate(w, 1000)
        parts = [
            m.draws(data, test, cal._uniforms(ss, m.model, data.names, test, 1000, "oos"), c)
            for m in mem
        ]
        parts = [p[:, :k] for p, k in zip(parts, cnt[:-1], strict=True)]
        parts.append(np.array([member(t, tr, cnt[-1]) for t in test]).reshape(len(test), -1))
        return np.concatenate(parts, axis=1)

    alone = np.array([member(i, np.arange(len(sub)), 1000) for i in range(len(sub))])
    print(
        f"IDR on {xname} alone (leave-one-proposal-out): CRPS "
        f"{float(np.mean(sr.crps_ensemble(y_all, alone))):.3f}"
    )
    print(
        f"models + IDR member (spread-adjusted pool): held-out CRPS {_folds(sub, points, fit):.3f}"
    )


if __name__ == "__main__":
    SUB, POINTS = dev_points()
    which = sys.argv[1:] or ["fixed", "per-model", "rank", "blocking"]
    for name in which:
        print(f"--- {name} ({'LOPO' if FOLDS <= 0 else f'{FOLDS}-fold'})")
        {
            "fixed": fixed,
            "per-model": per_model,
            "rank": rank,
            "blocking": blocking,
            "beta": beta,
            "idr": idr,
        }[name](SUB, POINTS)
