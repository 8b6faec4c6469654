"""Candidate-point mixture: which of the actors' positions, the reference point or the scale's ends wins.

Question: does a predictive distribution whose point masses get out-of-sample-fitted weights
(a conditional logit over candidate points, with features of each candidate and of the issue:
distance to the models' points, share of actors there, reference point, ends, midpoint,
Commission and Parliament positions, interactions with the model disagreement, the spread of
positions and the distance of the forecast from the reference point) plus continuous blocks
around the models' points beat the shipped snapping ensemble in CRPS?

Method: every parameter (candidate coefficients, block logits, issue gating, kappa) fitted by
minimising the exact CRPS of the weighted atoms (plus a ridge ``LAM``) on the training proposals
of each outer fold (grouped by proposal; ``FOLDS=0`` is leave-one-proposal-out); melian-deu's
alpha refitted per fold; training issues use residual pools of the other training proposals.
Settings come from the environment (BLOCKS, DIST, LAM, J, INTER, FOLDS).

Run: PYTHONPATH=src .venv/bin/python -m research.predictive.candidate_mixture
Results: research/predictive/README.md.
"""

import os
import time

import numpy as np
from scipy.optimize import minimize

from melian.bargaining.validation.calibration import (
    _melian_deu_refit,
    baseline_scores,
    group_folds,
    spread_of,
)
from research.predictive._dev import dev_points

SEED = 20_240_601
sub, P = dev_points()
y = np.array([it.outcome for it in sub])
g = np.array([it.proposal for it in sub])
n = len(sub)
J = int(os.environ.get("J", "16"))
BLOCKS = os.environ.get("BLOCKS", "compromise,exchange,melian-deu").split(",")
DIST = os.environ.get("DIST", "compromise,exchange,melian-deu").split(",")
LAM = float(os.environ.get("LAM", "0.01"))
FOLDS = int(os.environ.get("FOLDS", "0"))
INTER = int(os.environ.get("INTER", "1"))


def crps_atoms(X, W, yy):
    """Exact CRPS of weighted atoms (N,A) vs y (N,)."""
    N, A = X.shape
    T = np.concatenate([X, yy[:, None]], 1)
    Wt = np.concatenate([W, np.zeros((N, 1))], 1)
    isy = np.zeros((N, A + 1))
    isy[:, A] = 1
    o = np.argsort(T, 1, kind="stable")
    T = np.take_along_axis(T, o, 1)
    Wt = np.take_along_axis(Wt, o, 1)
    isy = np.take_along_axis(isy, o, 1)
    F = np.cumsum(Wt, 1)[:, :-1]
    H = np.cumsum(isy, 1)[:, :-1]
    dt = np.diff(T, axis=1)
    return ((F - H) ** 2 * dt).sum(1)


def issue_feats(r, pm):
    it = sub[r]
    x = it.problem.position[:, 0]
    ref = float(it.problem.reference[0])
    pc = pm["compromise"][r]
    vals = [pm[m][r] for m in BLOCKS]
    dis = (max(vals) - min(vals)) / 25
    spr = spread_of(x, pc) / 25
    nref = abs(pc - ref) / 25 if np.isfinite(ref) else 2.0
    return dis, spr, nref


def cand_feats(r, pm):
    it = sub[r]
    p = it.problem
    x = p.position[:, 0]
    a = list(p.actors)
    w = p.capability * p.salience[:, 0]
    ref = float(p.reference[0])
    vals = set(np.round(x, 9).tolist()) | {0.0, 50.0, 100.0}
    if np.isfinite(ref):
        vals.add(round(ref, 9))
    vals = np.array(sorted(vals))
    dis, spr, nref = issue_feats(r, pm)
    F = []
    for c in vals:
        at = np.abs(x - c) < 1e-9
        isref = float(np.isfinite(ref) and abs(c - ref) < 1e-9)
        isend = float(c in (0.0, 100.0))
        f = [-abs(c - pm[k][r]) / 25 for k in DIST]
        f += [
            np.log(at.mean() + 0.02),
            np.log(w[at].sum() / w.sum() + 0.02),
            isref,
            isend,
            float(c == 50.0),
            float("com" in a and at[a.index("com")]),
            float("ep" in a and at[a.index("ep")]),
        ]
        if INTER:
            f += [isref * nref, isend * spr, isref * dis]
        F.append(f)
    return vals, np.array(F), np.array([dis, spr, nref])


class Data:
    pass


def build(pm, rows, zq):
    """zq[m][r]: J standardized residual quantiles for row r."""
    cl = [cand_feats(r, pm) for r in rows]
    K = max(len(c) for c, _, _ in cl)
    p = cl[0][1].shape[1]
    N = len(rows)
    B = len(BLOCKS)
    d = Data()
    d.K = K
    d.p = p
    d.N = N
    d.C = np.zeros((N, K))
    d.F = np.zeros((N, K, p))
    d.mask = np.zeros((N, K), bool)
    d.H = np.zeros((N, 3))
    d.base = np.zeros((N, B))
    d.sz = np.zeros((N, B, J))
    for i, (r, (c, f, h)) in enumerate(zip(rows, cl, strict=False)):
        d.C[i, : len(c)] = c
        d.F[i, : len(c)] = f
        d.mask[i, : len(c)] = True
        d.H[i] = h
        for bi, m in enumerate(BLOCKS):
            pc = pm[m][r]
            sp = spread_of(sub[r].problem.position[:, 0], pc)
            d.base[i, bi] = pc
            d.sz[i, bi] = sp * zq[m][r]
    d.C[~d.mask] = 50.0
    return d


def unpack(th, d):
    p = d.p
    B = len(BLOCKS)
    return th[:p], th[p : p + B], th[p + B : p + B + 3], np.exp(th[p + B + 3])


def dist(th, d):
    b, c, gh, kappa = unpack(th, d)
    B = len(BLOCKS)
    sc = np.where(d.mask, d.F @ b, -np.inf)
    sb = c[None, :] + (d.H @ gh)[:, None]  # block logits
    allz = np.concatenate([sc, np.repeat(sb, J, axis=1) - np.log(J)], 1)
    allz -= allz.max(1, keepdims=True)
    W = np.exp(allz)
    W /= W.sum(1, keepdims=True)
    Xc = np.clip(d.base[:, :, None] + kappa * d.sz, 0, 100).reshape(d.N, B * J)
    X = np.concatenate([d.C, Xc], 1)
    return X, W


def obj(th, d, yy, lam):
    X, W = dist(th, d)
    return crps_atoms(X, W, yy).mean() + lam * np.sum(th[:-1] ** 2)


def zquant(z, idx):
    return np.quantile(z[idx], (np.arange(J) + 0.5) / J) if idx.size else np.zeros(J)


def run():
    k = len(set(g)) if FOLDS <= 0 else FOLDS
    folds = group_folds(g, k, 1)
    crps = np.full(n, np.nan)
    t = time.time()
    for f, test in enumerate(folds):
        train = np.setdiff1d(np.arange(n), test)
        pm = dict(P)
        md = P["melian-deu"].copy()
        md[train] = _melian_deu_refit(sub, train, train)
        md[test] = _melian_deu_refit(sub, train, test)
        pm["melian-deu"] = md
        z = {
            m: (y - pm[m])
            / np.array(
                [spread_of(it.problem.position[:, 0], c) for it, c in zip(sub, pm[m], strict=False)]
            )
            for m in BLOCKS
        }
        zq_tr = {m: {r: zquant(z[m], train[g[train] != g[r]]) for r in train} for m in BLOCKS}
        zq_te = {m: {r: zquant(z[m], train) for r in test} for m in BLOCKS}
        dtr = build(pm, train, zq_tr)
        dte = build(pm, test, zq_te)
        th0 = np.zeros(dtr.p + len(BLOCKS) + 4)
        res = minimize(
            obj, th0, args=(dtr, y[train], LAM), method="L-BFGS-B", options={"maxiter": 300}
        )
        X, W = dist(res.x, dte)
        crps[test] = crps_atoms(X, W, y[test])
        if f == 0:
            print("fold0", np.round(res.x, 2), res.fun, time.time() - t, flush=True)
    base = baseline_scores(sub, P["compromise"], SEED).crps.mean()
    print(
        dict(BLOCKS=BLOCKS, DIST=DIST, LAM=LAM, J=J, INTER=INTER, FOLDS=FOLDS),
        f"crps {crps.mean():.3f} base {base:.3f} pct {100 * (crps.mean() / base - 1):.2f} time {time.time() - t:.0f}",
        flush=True,
    )
    return crps


if __name__ == "__main__":
    run()
