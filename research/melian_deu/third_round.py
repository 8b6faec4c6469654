"""Third round of melian-deu experiments: new families under the same honest protocol.

Usage (from the repository root)::

    python -m research.melian_deu.third_round        # nested CV, 3 fold seeds + LOPO (~1 min)
    python -m research.melian_deu.third_round --out /tmp/x.json --only "reference-point extrapolation"

Writes ``research/melian_deu/results/third_round.json``.

Data: src/melian/data/deu/deu-dev.tsv only. Protocol (as in the second round, see
docs/models/melian-deu.md): outer grouped 10-fold CV by proposal, fold seeds 1, 2 and 3, and
outer leave-one-proposal-out; inside
each outer training set a grouped 5-fold CV picks each family's hyperparameters (the variant,
the ridge strength); the pick is refitted on the outer training set and scored on the outer
test proposals. Reported: nested MAE, relative change vs the compromise model (salience-weighted
mean, 23.87) and a 2,000-draw cluster bootstrap (over proposals) 95% interval of it. Nothing
here is shipped unless it beats the shipped mean-blend on every fold seed.

Families (tiny: one or two fitted numbers each, plus a variant chosen by the inner CV):

- reference-point extrapolation: mean-blend + k (mean-blend - rp) where the reference point is
  known (k by least absolute deviations), optionally with a separate k depending on whether the
  Commission / the Parliament / the Council's vote-weighted median is on the same side of rp as
  the forecast (direction-aware);
- robust location: trimmed / winsorised means, Huber M-estimates, "camps" (each distinct position
  weighted by its count^gamma) of the positions, blended with the compromise by LAD;
- institutional mean with the reference point as an actor: Council members weight 1 (or their
  salience), Commission and Parliament weight u each, the reference point weight r; (u, r) by grid
  search on the training issues;
- gated mean-blend: alpha = a0 + a1 z (z one standardised feature of the issue's position
  distribution or of its proposal), MAE + lam a1^2; the inner CV picks the feature and lam;
- procedural shift: mean-blend + t (P - mean-blend), P the Commission's position (consultation)
  or the Parliament's (codecision, conditional agenda setter) clipped to the Council's core
  interval (QMV: between the vote-weighted 26/87 and 61/87 quantiles of the members' positions,
  i.e. no blocking minority beyond it; unanimity: between the extreme members); t by LAD.
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
from scipy import stats
from scipy.optimize import minimize

from . import alternatives as fm

RESULTS = Path(__file__).resolve().parent / "results" / "third_round.json"

SEEDS = (1, 2, 3)


def _blend(t: fm.Table, rows: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean-blend fitted on ``rows`` (alpha by LAD) and its forecasts for every issue."""
    alpha = fm.lad_scalar(t.mean[rows], (t.comp - t.mean)[rows], t.y[rows], 0.0, 1.0)
    return alpha, t.mean + alpha * (t.comp - t.mean)


def _coord_lad(
    base: np.ndarray, cols: Sequence[np.ndarray], y: np.ndarray, lo: float, hi: float
) -> np.ndarray:
    """argmin_b mean |base + sum_j b_j cols_j - y| by exact coordinate descent (box [lo, hi])."""
    b = np.zeros(len(cols))
    for _ in range(30):
        old = b.copy()
        for j in range(len(cols)):
            rest = base + sum(b[m] * cols[m] for m in range(len(cols)) if m != j)
            b[j] = fm.lad_scalar(rest, cols[j], y, lo, hi)
        if np.max(np.abs(b - old)) < 1e-9:
            break
    return b


def council_core(t: fm.Table, i: int) -> tuple[float, float]:
    """The Council's core interval on issue ``i`` (see the module docstring)."""
    ro = t.roles[i]
    x, v = t.x[i][ro == 0], t.v[i][ro == 0]
    if x.size == 0:
        return float(t.x[i].min()), float(t.x[i].max())
    if not t.qmv[i]:
        return float(x.min()), float(x.max())
    o = np.argsort(x)
    cw = np.cumsum(v[o]) / v.sum()
    lo = float(x[o][np.searchsorted(cw, 26.0 / 87.0 - 1e-9)])
    hi = float(x[o][np.searchsorted(cw, 61.0 / 87.0 - 1e-9)])
    return lo, hi


def council_median(t: fm.Table, i: int) -> float:
    ro = t.roles[i]
    if not np.any(ro == 0):
        return float(t.mean[i])
    return fm.weighted_median(t.x[i][ro == 0], t.v[i][ro == 0])


class RefExtrap(fm.Compromise):
    """Mean-blend + k (mean-blend - rp) where rp is known, k in [-1, 1] by LAD; the variant
    ("plain", or "com" / "ep" / "council": a separate k when that actor is on the same side of rp
    as the forecast) is chosen by the inner CV.
    """

    grid = ("plain", "com", "ep", "council")

    def __init__(self, t: fm.Table) -> None:
        super().__init__(t)
        self.cmed = np.array([council_median(t, i) for i in range(t.n)])

    def _cols(self, base: np.ndarray, hp: str) -> list[np.ndarray]:
        t = self.t
        d = np.where(np.isnan(t.rp), 0.0, base - t.rp)
        if hp == "plain":
            return [d]
        side = {"com": t.com, "ep": t.ep, "council": self.cmed}[hp]
        same = np.nan_to_num(np.sign(side - t.rp)) * np.sign(d) > 0
        return [d * same, d * ~same]

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        alpha, base = _blend(self.t, rows)
        cols = self._cols(base, hp)
        return alpha, hp, _coord_lad(base[rows], [c[rows] for c in cols], self.t.y[rows], -1, 1)

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        alpha, hp, k = p
        base = self.t.mean + alpha * (self.t.comp - self.t.mean)
        cols = self._cols(base, hp)
        return (base + sum(kj * c for kj, c in zip(k, cols, strict=True)))[rows]


def _huber(x: np.ndarray, c: float) -> float:
    m = float(np.median(x))
    s = 1.4826 * float(np.median(np.abs(x - m)))
    if s < 1e-9:
        s = float(np.std(x)) + 1e-9
    for _ in range(200):
        r = np.abs(x - m) / s
        w = np.where(r <= c, 1.0, c / np.maximum(r, 1e-12))
        new = float(np.sum(w * x) / np.sum(w))
        if abs(new - m) < 1e-10:
            break
        m = new
    return m


def _camps(x: np.ndarray, g: float) -> float:
    u, cnt = np.unique(x, return_counts=True)
    w = cnt.astype(float) ** g
    return float(np.dot(w, u) / w.sum())


ROBUST: dict[str, Any] = {
    **{f"trimmed {a:g}": (lambda x, a=a: float(stats.trim_mean(x, a))) for a in (0.1, 0.15, 0.2)},
    **{
        f"winsorised {a:g}": (lambda x, a=a: float(np.mean(stats.mstats.winsorize(x, (a, a)).data)))
        for a in (0.1, 0.2)
    },
    **{f"huber {c:g}": (lambda x, c=c: _huber(x, c)) for c in (1.0, 1.5, 2.0, 3.0)},
    **{f"camps {g:g}": (lambda x, g=g: _camps(x, g)) for g in (0.5, 0.75, 1.25)},
}


class Robust(fm.Compromise):
    """alpha * compromise + (1 - alpha) * robust location of the positions (alpha by LAD); the
    inner CV picks the estimator among :data:`ROBUST` (``names``).
    """

    def __init__(self, t: fm.Table, names: Sequence[str] = tuple(ROBUST)) -> None:
        super().__init__(t)
        self.grid = tuple(names)
        self.loc = {n: np.array([ROBUST[n](x) for x in t.x]) for n in names}

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        r = self.loc[hp]
        t = self.t
        return hp, fm.lad_scalar(r[rows], (t.comp - r)[rows], t.y[rows], 0.0, 1.0)

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        hp, a = p
        r = self.loc[hp]
        return (r + a * (self.t.comp - r))[rows]


class InstMean(fm.Compromise):
    """Weighted mean: Council members 1 (or their salience: variant "salience"), Commission and
    Parliament u each, the reference point (when known) r; (u, r) by grid search on the training
    issues. The inner CV picks the variant ("count" or "salience").
    """

    grid = ("count", "salience")
    us = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
    rs = (0.0, 0.25, 0.5, 1.0, 2.0)

    def __init__(self, t: fm.Table) -> None:
        super().__init__(t)
        self.pre: dict[str, np.ndarray] = {}
        for hp in self.grid:
            p = np.empty((t.n, len(self.us), len(self.rs)))
            for i in range(t.n):
                ro, x = t.roles[i], t.x[i]
                w0 = np.ones_like(x) if hp == "count" else t.s[i].copy()
                if hp == "salience" and w0[ro == 0].sum() <= 0:
                    w0 = np.ones_like(x)
                ws, xs = w0[ro == 0].sum(), float(np.dot(w0[ro == 0], x[ro == 0]))
                inst = x[ro > 0]
                scale = ws / max(np.sum(ro == 0), 1)  # institution weight in member units
                rp = t.rp[i]
                for a, u in enumerate(self.us):
                    for b, r in enumerate(self.rs):
                        num = xs + u * scale * inst.sum()
                        den = ws + u * scale * inst.size
                        if not math.isnan(rp):
                            num, den = num + r * scale * rp, den + r * scale
                        p[i, a, b] = num / den if den > 0 else float(t.mean[i])
            self.pre[hp] = p

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        err = np.mean(np.abs(self.pre[hp][rows] - self.t.y[rows, None, None]), axis=0)
        a, b = np.unravel_index(int(np.argmin(err)), err.shape)
        return hp, a, b

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        hp, a, b = p
        return self.pre[hp][rows, a, b]


def gate_features(t: fm.Table) -> dict[str, np.ndarray]:
    """Issue and proposal features that may modulate the mean-blend's alpha (raw, unscaled)."""
    cm = np.array([council_median(t, i) for i in range(t.n)])
    feats = {
        "polarisation (sd of positions)": np.array([x.std() for x in t.x]),
        "share at the extremes 0/100": np.array([np.mean((x == 0) | (x == 100)) for x in t.x]),
        "number of actors": np.array([float(x.size) for x in t.x]),
        "distinct positions": np.array([float(np.unique(x).size) for x in t.x]),
        "salience dispersion (cv)": np.array([s.std() / max(s.mean(), 1e-9) for s in t.s]),
        "|compromise - mean|": np.abs(t.comp - t.mean),
        "reference point known": (~np.isnan(t.rp)).astype(float),
        "codecision": t.cod.astype(float),
        "QMV": t.qmv.astype(float),
    }
    # proposal-level signals (positions of the proposal's issues only, never outcomes)
    gap = np.nan_to_num(np.abs(t.com - cm), nan=np.nanmean(np.abs(t.com - cm)))
    prop_gap = np.empty(t.n)
    prop_n = np.empty(t.n)
    for g in np.unique(t.groups):
        m = t.groups == g
        prop_gap[m] = gap[m].mean()
        prop_n[m] = m.sum()
    feats["proposal: mean |Commission - Council median|"] = prop_gap
    feats["proposal: number of issues"] = prop_n
    return feats


class Gated(fm.Compromise):
    """mean + (a0 + a1 z) (compromise - mean), z a feature standardised on the training issues;
    MAE + lam a1^2 by Nelder-Mead; the inner CV picks (feature, lam).
    """

    lams = (0.3, 3.0, 30.0)

    def __init__(self, t: fm.Table, names: Sequence[str] | None = None) -> None:
        super().__init__(t)
        self.feats = gate_features(t)
        names = tuple(self.feats) if names is None else tuple(names)
        self.grid = tuple((f, lam) for f in names for lam in self.lams)

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        name, lam = hp
        t = self.t
        z = self.feats[name]
        mu, sd = float(z[rows].mean()), float(z[rows].std()) or 1.0
        zz = (z[rows] - mu) / sd
        d, m, yy = (t.comp - t.mean)[rows], t.mean[rows], t.y[rows]
        a0 = fm.lad_scalar(m, d, yy, 0.0, 1.0)

        def obj(a: np.ndarray) -> float:
            return float(np.mean(np.abs(m + (a[0] + a[1] * zz) * d - yy))) + lam * a[1] ** 2

        res = minimize(obj, np.array([a0, 0.0]), method="Nelder-Mead", options={"xatol": 1e-6})
        return name, mu, sd, res.x

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        name, mu, sd, a = p
        t = self.t
        zz = (self.feats[name][rows] - mu) / sd
        return t.mean[rows] + (a[0] + a[1] * zz) * (t.comp - t.mean)[rows]


class ProcShift(fm.Compromise):
    """Mean-blend + t (P - mean-blend), t in [0, 1] by LAD; P the agenda setter's position clipped
    to the Council's core interval (Commission under consultation, Parliament under codecision;
    variant "commission": the Commission under both). The inner CV picks the variant.
    """

    grid = ("procedural", "commission")

    def __init__(self, t: fm.Table) -> None:
        super().__init__(t)
        core = np.array([council_core(t, i) for i in range(t.n)])
        self.target: dict[str, np.ndarray] = {}
        for hp in self.grid:
            setter = np.where(t.cod & ~np.isnan(t.ep), t.ep, t.com) if hp == "procedural" else t.com
            self.target[hp] = np.clip(setter, core[:, 0], core[:, 1])

    def fit(self, rows: np.ndarray, hp: Any) -> Any:
        alpha, base = _blend(self.t, rows)
        d = np.nan_to_num(self.target[hp] - base)
        return alpha, hp, fm.lad_scalar(base[rows], d[rows], self.t.y[rows], 0.0, 1.0)

    def predict(self, p: Any, rows: np.ndarray) -> np.ndarray:
        alpha, hp, s = p
        base = self.t.mean + alpha * (self.t.comp - self.t.mean)
        return (base + s * np.nan_to_num(self.target[hp] - base))[rows]


def families(t: fm.Table) -> dict[str, fm.Compromise]:
    feats = tuple(gate_features(t))
    return {
        "mean-blend (shipped)": fm.MeanBlend(t),
        "reference-point extrapolation": RefExtrap(t),
        "robust location + compromise": Robust(t),
        "institutional mean, reference point as an actor": InstMean(t),
        "gated mean-blend, issue features": Gated(t, feats[:9]),
        "gated mean-blend, proposal features": Gated(t, feats[9:]),
        "procedural shift toward the agenda setter": ProcShift(t),
    }


def fixed_baselines(t: fm.Table) -> dict[str, np.ndarray]:
    """Parameter-free forecasts met on the way (in-sample = out-of-sample; not selected)."""
    cm = np.array(
        [
            x[r == 0].mean() if np.any(r == 0) else x.mean()
            for x, r in zip(t.x, t.roles, strict=True)
        ]
    )
    return {"Council-only unweighted mean": cm}


def run(
    seeds: Sequence[int] = SEEDS, only: Sequence[str] | None = None, lopo: bool = True
) -> dict[str, Any]:
    t = fm.Table()
    base = float(np.mean(np.abs(t.comp - t.y)))
    out: dict[str, Any] = {"compromise_mae": round(base, 4), "families": {}, "fixed": {}}
    for name, f in families(t).items():
        if only and name not in only:
            continue
        rows: dict[str, Any] = {}
        for k, seed in [(10, s) for s in seeds] + ([(0, 0)] if lopo else []):
            t0 = time.perf_counter()
            r = fm.nested_alt(f, t, k, seed)
            mae = float(np.mean(np.abs(r["predictions"] - t.y)))
            lo, hi = fm.cluster_bootstrap(r["predictions"], t.comp, t)
            key = f"outer grouped 10-fold (seed {seed})" if k else "outer leave-one-proposal-out"
            rows[key] = {
                "nested_mae": round(mae, 4),
                "relative_change": round(mae / base - 1.0, 4),
                "bootstrap_95": [round(lo, 4), round(hi, 4)],
                "picks": dict(Counter(r["picks"])),
                "seconds": round(time.perf_counter() - t0, 1),
            }
            print(name, "|", key, rows[key], flush=True)
        # in-sample (every issue) for the record: each variant fitted on the whole file
        ins = {}
        for hp in f.grid:
            p = f.fit(np.arange(t.n), hp)
            ins[str(hp)] = round(float(np.mean(np.abs(f.predict(p, np.arange(t.n)) - t.y))), 4)
        rows["in_sample_by_variant"] = ins
        out["families"][name] = rows
    for name, pred in fixed_baselines(t).items():
        mae = float(np.mean(np.abs(pred - t.y)))
        lo, hi = fm.cluster_bootstrap(pred, t.comp, t)
        out["fixed"][name] = {
            "mae": round(mae, 4),
            "relative_change": round(mae / base - 1.0, 4),
            "bootstrap_95": [round(lo, 4), round(hi, 4)],
        }
        print(name, out["fixed"][name], flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=RESULTS, help="where to write the numbers")
    ap.add_argument("--only", action="append", help="run only this family (repeatable)")
    ap.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    ap.add_argument("--no-lopo", action="store_true", help="skip the leave-one-proposal-out row")
    args = ap.parse_args()
    out = run(args.seeds, args.only, not args.no_lopo)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
