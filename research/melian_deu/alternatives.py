"""
melian-deu, second round: alternative model families under nested CV grouped by proposal.

Usage (from the repository root)::

    python -m research.melian_deu.alternatives            # every family, fold seeds 1 and 2
    python -m research.melian_deu.alternatives --only "compromise-then-snap"

Writes ``research/melian_deu/results/alternatives.json`` (a few minutes; the conditional logit
and the Laplace + atoms median dominate). None of these families is shipped: see README.md and
docs/models/melian-deu.md.

Each family is an object with ``grid`` (hyperparameters the inner CV chooses among),
``fit(rows, hp) -> params`` and ``predict(params, rows) -> forecasts``. The nested CV: outer
grouped k-fold by proposal; inside each outer training set a grouped 5-fold CV picks the
hyperparameter; the pick is refitted on the outer training set and scored on the outer test
proposals (which it never saw). Errors are reported against the compromise model on the same
issues, with a cluster (proposal) bootstrap interval of the relative change.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from melian.bargaining.io.deu import packaged_path, read_deu
from melian.bargaining.melian_deu import institution_roles, procedure_of

from .fitting import group_folds

RESULTS = Path(__file__).resolve().parent / "results" / "alternatives.json"


class Table:
    """
    Issue-level arrays of the dev file for the alternative families.

    Per issue: positions, saliences (0-1), Council QMV votes (Commission and Parliament 0),
    roles (1 Commission, 2 Parliament, 0 member state), procedure, voting rule, reference point,
    outcome and proposal; and per issue a padded table of *candidate outcomes* (the distinct
    actor positions, the reference point when known, the compromise point) with their features.
    """

    FEATURES: tuple[str, ...] = (
        "sal_share",  # share of the total salience held by actors at the candidate
        "cap_sal_share",  # same with capability (GDP row) x salience
        "n_share",  # share of the actors at the candidate
        "commission",  # the Commission is at the candidate
        "ep_cod",  # the Parliament is at the candidate and the procedure is codecision
        "ep_cns",  # the Parliament is at the candidate under consultation
        "reference",  # the candidate is the reference point
        "dist_comp",  # |candidate - compromise| / 100
        "is_comp",  # the candidate is the compromise point (no actor there)
        "extreme",  # candidate is 0 or 100
        "mid",  # candidate is 50
        "hull_extreme",  # candidate is the lowest or highest position taken
        "centrality",  # min(QMV votes at or below, at or above) / Council votes (pivot logic)
        "qmv_core",  # under QMV: neither side beyond it holds a blocking 29% + (no QMV: 0)
        "council_at",  # share of the Council's QMV votes at the candidate
    )

    def __init__(self) -> None:
        gdp = [i for i in read_deu(packaged_path("deu-dev.tsv"), capability="gdp") if i.has_outcome]
        qmv = [i for i in read_deu(packaged_path("deu-dev.tsv"), capability="qmv") if i.has_outcome]
        self.n = len(gdp)
        self.y = np.array([i.outcome for i in gdp])
        self.groups = np.array([i.proposal for i in gdp])
        self.x = [np.asarray(i.problem.position[:, 0], float) for i in gdp]
        self.s = [np.asarray(i.problem.salience[:, 0], float) for i in gdp]
        self.c = [np.asarray(i.problem.capability, float) for i in gdp]
        self.v = [np.asarray(q.problem.capability, float) for q in qmv]
        self.roles = [institution_roles(i.problem) for i in gdp]
        self.cod = np.array([procedure_of(i.problem) == "COD" for i in gdp])
        self.qmv = np.array([i.voting_rule.upper().startswith("QMV") for i in gdp])
        self.rp = np.array([float(i.problem.reference[0]) for i in gdp])
        self.comp = np.array(
            [float(np.dot(s, x) / s.sum()) for s, x in zip(self.s, self.x, strict=True)]
        )
        self.mean = np.array([float(x.mean()) for x in self.x])

        def inst(code: int) -> np.ndarray:
            return np.array(
                [
                    x[r == code][0] if np.any(r == code) else np.nan
                    for x, r in zip(self.x, self.roles, strict=True)
                ]
            )

        self.com, self.ep = inst(1), inst(2)
        cands = []
        for i in range(self.n):
            cs = list(np.unique(self.x[i]))
            if not math.isnan(self.rp[i]):
                cs.append(self.rp[i])
            cs.append(round(self.comp[i], 6))
            cands.append(np.unique(np.array(cs)))
        m = max(len(c) for c in cands)
        self.cand = np.zeros((self.n, m))
        self.cmask = np.zeros((self.n, m), dtype=bool)
        self.feat = np.zeros((self.n, m, len(self.FEATURES)))
        for i, cs in enumerate(cands):
            self.cand[i, : len(cs)] = cs
            self.cmask[i, : len(cs)] = True
            for j, z in enumerate(cs):
                self.feat[i, j] = self._features(i, z)
        self.target = self._targets()

    def _features(self, i: int, z: float) -> list[float]:
        x, s, c, v, r = self.x[i], self.s[i], self.c[i], self.v[i], self.roles[i]
        at = np.abs(x - z) < 1e-9
        council = r == 0
        vc, xc = v[council], x[council]
        vt = float(vc.sum())
        le = float(vc[xc <= z + 1e-9].sum()) / vt if vt > 0 else 0.5
        ge = float(vc[xc >= z - 1e-9].sum()) / vt if vt > 0 else 0.5
        core = float(self.qmv[i] and le >= 0.29 - 1e-9 and ge >= 0.29 - 1e-9)
        return [
            float(s[at].sum() / s.sum()) if s.sum() > 0 else float(at.mean()),
            float((c * s)[at].sum() / (c * s).sum()) if (c * s).sum() > 0 else float(at.mean()),
            float(at.mean()),
            float(np.any(at & (r == 1))),
            float(np.any(at & (r == 2)) and self.cod[i]),
            float(np.any(at & (r == 2)) and not self.cod[i]),
            float(not math.isnan(self.rp[i]) and abs(z - self.rp[i]) < 1e-9),
            abs(z - self.comp[i]) / 100.0,
            float(abs(z - self.comp[i]) < 1e-6 and not at.any()),
            float(z in (0.0, 100.0)),
            float(z == 50.0),
            float(z <= x.min() + 1e-9 or z >= x.max() - 1e-9),
            min(le, ge),
            core,
            float(vc[np.abs(xc - z) < 1e-9].sum()) / vt if vt > 0 else 0.0,
        ]

    def _targets(self) -> np.ndarray:
        """Outcome as a distribution over candidates: its candidate, else split linearly between
        the two candidates that bracket it (nearest one when outside their range).
        """
        t = np.zeros(self.cand.shape)
        for i in range(self.n):
            cs = self.cand[i, self.cmask[i]]
            yy = self.y[i]
            d = np.abs(cs - yy)
            below, above = np.flatnonzero(cs < yy), np.flatnonzero(cs > yy)
            if d.min() < 1e-9 or below.size == 0 or above.size == 0:
                t[i, int(np.argmin(d))] = 1.0
            else:
                a, b = below[-1], above[0]
                t[i, a] = (cs[b] - yy) / (cs[b] - cs[a])
                t[i, b] = 1.0 - t[i, a]
        return t


def lad_scalar(a: np.ndarray, b: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float:
    """Exact argmin over t in [lo, hi] of mean |a + t b - y| (weighted median of breakpoints)."""
    m = np.abs(b) > 1e-12
    if not m.any():
        return 0.0
    t = (y[m] - a[m]) / b[m]
    w = np.abs(b[m])
    o = np.argsort(t)
    cw = np.cumsum(w[o])
    return float(np.clip(t[o][np.searchsorted(cw, cw[-1] / 2)], lo, hi))


def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Lowest x with at least half the weight at or below it."""
    o = np.argsort(x)
    cw = np.cumsum(w[o])
    return float(x[o][np.searchsorted(cw, cw[-1] * 0.5 - 1e-12)])


class Compromise:
    """Salience-weighted mean (reference, no parameters)."""

    grid: tuple[Any, ...] = (None,)

    def __init__(self, t: Table) -> None:
        self.t = t

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        return None

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        return self.t.comp[rows]


class MeanBlend(Compromise):
    """Shipped melian-deu: alpha * compromise + (1 - alpha) * unweighted mean (alpha by LAD)."""

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        t = self.t
        return lad_scalar(t.mean[rows], (t.comp - t.mean)[rows], t.y[rows], 0.0, 1.0)

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        t = self.t
        return t.mean[rows] + p * (t.comp - t.mean)[rows]


class CondLogit(Compromise):
    """
    "Which position wins": P(candidate z) = softmax(beta . f_z) over the candidates, beta by
    L2-penalised maximum likelihood of the outcome's (split) candidate; the point forecast is the
    median, the mean or the 50/50 blend of the mean with the compromise (the inner CV picks the
    summary and the penalty).
    """

    def __init__(self, t: Table, features: Sequence[str]) -> None:
        super().__init__(t)
        cols = [Table.FEATURES.index(f) for f in features]
        self.f = t.feat[:, :, cols]
        self.grid = tuple(
            (l2, how) for l2 in (0.003, 0.03, 0.3) for how in ("median", "mean", "blend")
        )
        self._cache: dict[tuple[bytes, float], np.ndarray] = {}

    def _probs(self, beta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        u = np.where(self.t.cmask[rows], self.f[rows] @ beta, -np.inf)
        u = u - u.max(axis=1, keepdims=True)
        p = np.exp(u)
        return p / p.sum(axis=1, keepdims=True)

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        l2, how = hp
        key = (np.asarray(rows).tobytes(), l2)
        if key not in self._cache:
            tgt = self.t.target[rows]

            def nll(beta: np.ndarray) -> tuple[float, np.ndarray]:
                p = self._probs(beta, rows)
                val = -float(np.sum(tgt * np.log(np.where(tgt > 0, p, 1.0)))) / rows.size
                grad = -np.einsum("ik,ikf->f", tgt - p, self.f[rows]) / rows.size
                return val + l2 * float(beta @ beta), grad + 2 * l2 * beta

            res = minimize(nll, np.zeros(self.f.shape[2]), jac=True, method="L-BFGS-B")
            self._cache[key] = res.x
        return self._cache[key], how

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        beta, how = p
        pr = self._probs(beta, rows)
        cand = self.t.cand[rows]
        mean = (pr * cand).sum(axis=1)
        if how == "mean":
            return mean
        if how == "blend":
            return 0.5 * mean + 0.5 * self.t.comp[rows]
        out = np.empty(rows.size)
        for r in range(rows.size):
            m = self.t.cmask[rows[r]]
            out[r] = weighted_median(cand[r, m], pr[r, m])
        return out


class Snap(Compromise):
    """Compromise pulled toward the nearest actor position (or reference point) when that is
    within ``d``: forecast = comp + s (nearest - comp), s in [0, 1] by LAD; the inner CV picks d
    and whether the reference point counts.
    """

    grid = tuple((d, rp) for d in (3.0, 6.0, 10.0, 15.0, 25.0) for rp in (False, True))

    def _nearest(self, d: float, rp: bool) -> np.ndarray:
        t = self.t
        out = t.comp.copy()
        for i in range(t.n):
            cs = np.unique(t.x[i])
            if rp and not math.isnan(t.rp[i]):
                cs = np.append(cs, t.rp[i])
            j = int(np.argmin(np.abs(cs - t.comp[i])))
            if abs(cs[j] - t.comp[i]) <= d:
                out[i] = cs[j]
        return out

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        near = self._nearest(*hp)
        t = self.t
        return near, lad_scalar(t.comp[rows], (near - t.comp)[rows], t.y[rows], 0.0, 1.0)

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        near, s = p
        return self.t.comp[rows] + s * (near - self.t.comp)[rows]


class ProcMedian(Compromise):
    """Weighted median of the positions, weights salience x QMV votes^a, Commission x e^kc,
    Parliament x e^ke under codecision only (pivotal-politics reading); (a, kc, ke) by grid search
    on the training issues (institutions' QMV votes: the largest member state's, see read_deu).
    """

    params = tuple(
        (a, kc, ke) for a in (0.0, 1.0) for kc in (0.0, 1.0, 2.0) for ke in (0.0, 1.0, 2.0)
    )

    def _pred(self, p: tuple[float, float, float], rows: np.ndarray) -> np.ndarray:
        a, kc, ke = p
        t = self.t
        out = np.empty(rows.size)
        for r, i in enumerate(rows):
            ro = t.roles[i]
            vv = np.where(ro == 0, t.v[i], np.max(t.v[i]))
            w = t.s[i] * vv**a * np.where(ro == 1, math.exp(kc), 1.0)
            w = w * np.where((ro == 2) & t.cod[i], math.exp(ke), 1.0)
            out[r] = weighted_median(t.x[i], w if w.sum() > 0 else np.ones_like(w))
        return out

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        return min(
            self.params, key=lambda p: float(np.mean(np.abs(self._pred(p, rows) - self.t.y[rows])))
        )

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        return self._pred(p, rows)


class MixMedian(Compromise):
    """Median of a lumpy predictive distribution: (1 - pi) Laplace(compromise, b) + pi x atoms at
    the distinct positions with mass proportional to (salience there)^gamma; (pi, b, gamma) by
    grid search on the training issues.
    """

    params = tuple(
        (pi, b, gm)
        for pi in (0.1, 0.2, 0.3, 0.4, 0.5)
        for b in (10.0, 20.0, 35.0)
        for gm in (0.0, 1.0, 2.0)
    )

    def _pred(self, p: tuple[float, float, float], rows: np.ndarray) -> np.ndarray:
        pi, b, gm = p
        t = self.t
        out = np.empty(rows.size)
        for r, i in enumerate(rows):
            cs = np.unique(t.x[i])
            q = np.array([t.s[i][t.x[i] == z].sum() for z in cs]) ** gm
            q = q / q.sum() if q.sum() > 0 else np.full(cs.size, 1.0 / cs.size)
            mu = t.comp[i]

            def cdf(z: float, cs: np.ndarray = cs, q: np.ndarray = q, mu: float = mu) -> float:
                lap = (
                    0.5 * math.exp((z - mu) / b) if z < mu else 1.0 - 0.5 * math.exp(-(z - mu) / b)
                )
                return (1.0 - pi) * lap + pi * float(q[cs <= z].sum())

            lo, hi = -300.0, 400.0
            for _ in range(50):
                mid = 0.5 * (lo + hi)
                lo, hi = (lo, mid) if cdf(mid) >= 0.5 else (mid, hi)
            near = cs[np.argmin(np.abs(cs - hi))]
            out[r] = near if abs(near - hi) < 1e-6 else hi
        return out

    fit = ProcMedian.fit
    predict = ProcMedian.predict


class InstShift(Compromise):
    """Compromise moved toward the Commission (t1) and toward the Parliament under codecision
    (t2): comp + t1 (com - comp) + t2 cod (ep - comp), MAE + lam ||t||^2, lam by inner CV.
    """

    grid = (0.0, 0.3, 3.0)

    def _d(self) -> tuple[np.ndarray, np.ndarray]:
        t = self.t
        return np.nan_to_num(t.com - t.comp), np.nan_to_num(t.ep - t.comp) * t.cod

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        dc, de = self._d()
        t = self.t

        def obj(z: np.ndarray) -> float:
            e = t.comp[rows] + z[0] * dc[rows] + z[1] * de[rows] - t.y[rows]
            return float(np.mean(np.abs(e))) + hp * float(z @ z)

        return minimize(obj, np.zeros(2), method="Nelder-Mead").x

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        dc, de = self._d()
        return self.t.comp[rows] + p[0] * dc[rows] + p[1] * de[rows]


class Calibrated(MeanBlend):
    """Monotone piecewise-linear map (knots 0, 25, 50, 75, 100) of the mean-blend forecast fitted
    by MAE + lam ||v - knots||^2 (a quantile recalibration; alpha refitted first).
    """

    grid = (0.0, 0.001, 0.01)
    knots = np.array([0.0, 25.0, 50.0, 75.0, 100.0])

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        alpha = MeanBlend.fit(self, rows, None)
        base = MeanBlend.predict(self, alpha, rows)
        yy = self.t.y[rows]

        def obj(v: np.ndarray) -> float:
            if np.any(np.diff(v) < 0) or v.min() < 0 or v.max() > 100:
                return 1e9
            e = np.interp(base, self.knots, v) - yy
            return float(np.mean(np.abs(e))) + hp * float(np.sum((v - self.knots) ** 2))

        opts = {"maxiter": 4000, "xatol": 1e-3, "fatol": 1e-6}
        return alpha, minimize(obj, self.knots.copy(), method="Nelder-Mead", options=opts).x

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        alpha, v = p
        return np.interp(MeanBlend.predict(self, alpha, rows), self.knots, v)


class AnyFamily(Compromise):
    """The inner CV chooses among every (family, hyperparameter) pair of the families above."""

    def __init__(self, t: Table, fams: dict[str, Compromise]) -> None:
        super().__init__(t)
        self.fams = fams
        self.grid = tuple(
            (name, hp) for name, f in fams.items() for hp in getattr(f, "grid", (None,))
        )

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        return hp[0], self.fams[hp[0]].fit(rows, hp[1])

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        return self.fams[p[0]].predict(p[1], rows)


def _cv_mae(f: Compromise, hp: Any, t: Table, rows: np.ndarray, k: int, seed: int) -> float:
    err = 0.0
    for test in group_folds(t.groups[rows], k, seed):
        tr, te = np.delete(rows, test), rows[test]
        err += float(np.sum(np.abs(f.predict(f.fit(tr, hp), te) - t.y[te])))
    return err / rows.size


def nested_alt(
    f: Compromise, t: Table, outer_k: int, seed: int, inner_k: int = 5
) -> dict[str, Any]:
    """Nested grouped CV of family ``f`` (outer_k = 0: leave one proposal out)."""
    k = np.unique(t.groups).size if outer_k == 0 else outer_k
    pred = np.empty(t.n)
    picks = []
    grid = getattr(f, "grid", (None,))
    for test in group_folds(t.groups, k, seed):
        tr = np.setdiff1d(np.arange(t.n), test)
        hp = grid[0]
        if len(grid) > 1:
            hp = min(grid, key=lambda h: _cv_mae(f, h, t, tr, inner_k, seed + 100))
        picks.append(str(hp))
        pred[test] = f.predict(f.fit(tr, hp), test)
    return {"predictions": pred, "picks": picks}


def cluster_bootstrap(
    pred: np.ndarray, base: np.ndarray, t: Table, draws: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of MAE(pred)/MAE(base) - 1 resampling proposals with replacement."""
    rng = np.random.default_rng(seed)
    ug = np.unique(t.groups)
    idx = [np.flatnonzero(t.groups == u) for u in ug]
    ep, eb = np.abs(pred - t.y), np.abs(base - t.y)
    rel = np.empty(draws)
    for b in range(draws):
        ii = np.concatenate([idx[j] for j in rng.integers(0, ug.size, ug.size)])
        rel[b] = ep[ii].mean() / eb[ii].mean() - 1.0
    lo, hi = np.quantile(rel, [0.025, 0.975])
    return float(lo), float(hi)


def alternative_families(t: Table) -> dict[str, Compromise]:
    """The alternative families evaluated by :func:`alternatives` (name -> family)."""
    fams: dict[str, Compromise] = {
        "mean-blend (shipped)": MeanBlend(t),
        "conditional logit, 15 features": CondLogit(t, Table.FEATURES),
        "conditional logit, 8 features": CondLogit(
            t,
            (
                "sal_share",
                "commission",
                "ep_cod",
                "reference",
                "dist_comp",
                "is_comp",
                "mid",
                "centrality",
            ),
        ),
        "conditional logit, 4 features": CondLogit(
            t, ("sal_share", "dist_comp", "is_comp", "reference")
        ),
        "compromise-then-snap": Snap(t),
        "procedure-weighted median": ProcMedian(t),
        "Laplace + atoms median": MixMedian(t),
        "institution shift": InstShift(t),
        "calibrated mean-blend": Calibrated(t),
    }
    return fams


def alternatives(
    seeds: Sequence[int] = (1, 2), only: Sequence[str] | None = None
) -> dict[str, Any]:
    """Nested grouped 10-fold CV (two fold seeds) of every alternative family and of the
    data-driven choice among them; MAE, relative change vs the compromise model, bootstrap CI.
    """
    t = Table()
    fams = alternative_families(t)
    fams_all: dict[str, Compromise] = dict(fams)
    fams_all["inner CV chooses the family"] = AnyFamily(
        t, {k: v for k, v in fams.items() if k != "Laplace + atoms median"}
    )
    base = float(np.mean(np.abs(t.comp - t.y)))
    out: dict[str, Any] = {"compromise_mae": round(base, 4), "families": {}}
    for name, f in fams_all.items():
        if only is not None and name not in only:
            continue
        rows = {}
        for seed in seeds:
            t0 = time.perf_counter()
            r = nested_alt(f, t, 10, seed)
            mae = float(np.mean(np.abs(r["predictions"] - t.y)))
            lo, hi = cluster_bootstrap(r["predictions"], t.comp, t)
            rows[f"outer grouped 10-fold (seed {seed})"] = {
                "nested_mae": round(mae, 4),
                "relative_change": round(mae / base - 1.0, 4),
                "bootstrap_95": [round(lo, 4), round(hi, 4)],
                "picks": dict(Counter(r["picks"])),
                "seconds": round(time.perf_counter() - t0, 1),
            }
            print(name, rows[f"outer grouped 10-fold (seed {seed})"], flush=True)
        out["families"][name] = rows
    return out


def main() -> int:
    """Run the second-round study and write its numbers to :data:`RESULTS`."""
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--only", action="append", help="run only this family (repeatable)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the numbers")
    args = ap.parse_args()
    out = alternatives(only=args.only)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
