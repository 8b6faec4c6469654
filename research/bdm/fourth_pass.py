"""Fourth pass at Scholz et al.'s (2011) Table 2: other position statistics and an object reading.

Two checks, both on the emission-standards case (tests/data/bdm):

``--medians``: reruns every combination of melian.bargaining.bdm's open choices (36,864 runs,
q in {1.0, 0.5}) and scores each trajectory against the table with five definitions of the
"median" (numpy's plain median of the positions; the weighted median with c, s or c x s
weights, midpoint at exact halves; the c x s and c weighted medians interpolated at the 50%
point of the centred cumulative weights) and two of the mean (c x s and c weighted). Tests the
hypothesis that the table's statistic, not the model, differs from ours.

``--object``: a literal object-by-object reading in which each *receiver* judges every other
actor's challenge with its own risk exponent (E_i(U_ij) and E_j(U_ji) both with r_i, or with
r_j for the proposer's), accepts confrontation, compromise or capitulation offers in a chosen
category order (least movement within a category), and the risk step takes max / min of the
security sum over the actors or over the positions the actor could hold.

Prints the best combinations (rounds matching median and mean truncated to one decimal, then
summed absolute error). Usage: ``python -m research.bdm.fourth_pass --medians``
(about 6 CPU minutes) or ``--object`` (seconds).
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable

import numpy as np

from melian.bargaining.bdm import CHOICES, BDMParams, simulate

from .table import TABLE_MEAN, TABLE_MEDIAN, load, trunc

X0, C, S = load()
W = C * S


def wmed_interp(v: np.ndarray, wt: np.ndarray) -> float:
    """Weighted median interpolated at 50% of the centred cumulative weights."""
    o = np.argsort(v, kind="stable")
    cw = (np.cumsum(wt[o]) - 0.5 * wt[o]) / wt.sum()
    return float(np.interp(0.5, cw, v[o]))


def wmed_mid(v: np.ndarray, wt: np.ndarray) -> float:
    """Lowest position with half the weight at or below it; midpoint at an exact half."""
    o = np.argsort(v, kind="stable")
    vs, cw = v[o], np.cumsum(wt[o]) / wt.sum()
    k = int(np.searchsorted(cw, 0.5 - 1e-12))
    if abs(cw[k] - 0.5) < 1e-12 and k + 1 < vs.size:
        return float((vs[k] + vs[k + 1]) / 2)
    return float(vs[k])


MEDIANS: dict[str, Callable[[np.ndarray], float]] = {
    "plain": lambda v: float(np.median(v)),
    "c_mid": lambda v: wmed_mid(v, C),
    "s_mid": lambda v: wmed_mid(v, S),
    "cs_mid": lambda v: wmed_mid(v, W),
    "cs_interp": lambda v: wmed_interp(v, W),
    "c_interp": lambda v: wmed_interp(v, C),
}
MEANS: dict[str, Callable[[np.ndarray], float]] = {
    "cs": lambda v: float((v * W).sum() / W.sum()),
    "c": lambda v: float((v * C).sum() / C.sum()),
}


def score(md: list[float], me: list[float]) -> tuple[int, int, float]:
    """(rounds matching median and mean truncated, rounds matching the median, abs error)."""
    pairs = list(zip(md, me, TABLE_MEDIAN, TABLE_MEAN, strict=True))
    both = sum(trunc(a) == ta and trunc(b) == tb for a, b, ta, tb in pairs)
    med = sum(trunc(a) == ta for a, _, ta, _ in pairs)
    err = sum(abs(a - ta) + abs(b - tb) for a, b, ta, tb in pairs)
    return both, med, err


def medians(top: int) -> None:
    """Every package combination scored with every median and mean definition."""
    keys = [k for k in CHOICES if k not in ("forecast", "median_tie", "q")]
    best: dict[str, tuple] = {}
    runs = 0
    for q in (1.0, 0.5):
        for combo in itertools.product(*(CHOICES[k] for k in keys)):
            params = dict(zip(keys, combo, strict=True), q=q, rounds=8)
            if q == 1.0 and params["t_rule"] != "closer":
                continue
            r = simulate(X0, C, S, 6.0, BDMParams.make(**params))
            runs += 1
            rows = list(r.trajectory[1:]) + [r.trajectory[-1]] * (8 - r.rounds_run)
            for mn, mf in MEDIANS.items():
                for en, ef in MEANS.items():
                    md, me = [mf(v) for v in rows], [ef(v) for v in rows]
                    sc = score(md, me)
                    key = f"{mn}/{en}"
                    if key not in best or (sc[0], sc[1], -sc[2]) > (
                        best[key][0][0],
                        best[key][0][1],
                        -best[key][0][2],
                    ):
                        best[key] = (sc, params, md, me)
    print(f"{runs} runs")
    for key, (sc, params, md, me) in sorted(best.items(), key=lambda t: t[1][0][2])[:top]:
        diff = {k: v for k, v in params.items() if v != BDMParams.make().__dict__.get(k)}
        print(f"{key}: both={sc[0]} median={sc[1]} err={sc[2]:.2f} {diff}")
        print("   median", " ".join(f"{v:.2f}" for v in md))
        print("   mean  ", " ".join(f"{v:.2f}" for v in me))


def _prob(xi: float, xj: float, xs: np.ndarray) -> float:
    if xi == xj:
        return 0.0
    v = W * (np.abs(xs - xj) - np.abs(xs - xi))
    d = float(np.abs(v).sum())
    return float(np.clip(v, 0, None).sum() / d) if d > 0 else 0.5


def _eu(r: float, xi: float, xj: float, sj: float, xs: np.ndarray, rng: float) -> float:
    """E(U_ij) of the actor at xi challenging the one at xj, with risk exponent r (Q = 1)."""
    p = _prob(xi, xj, xs)
    d = abs(xi - xj) / rng
    us = 2 - 4 * (0.5 - 0.5 * d) ** r
    uf = 2 - 4 * (0.5 + 0.5 * d) ** r
    return sj * (p * us + (1 - p) * uf) + (1 - sj) * us - (2 - 4 * 0.5**r)


def object_run(opts: dict, rounds: int = 8) -> tuple[list[float], list[float]]:
    """One 8-round run of the object reading described in the module docstring."""
    x, n = X0.copy(), X0.size
    md, me = [], []
    for _ in range(rounds):
        rng = float(x.max() - x.min())

        def danger(i: int, xs: np.ndarray, rng: float = rng) -> float:
            return sum(_eu(1.0, xs[j], xs[i], S[i], xs, rng) for j in range(n) if j != i)

        r = np.ones(n)
        for i in range(n):
            cur = danger(i, x)
            if opts["riskset"] == "positions":
                ds = []
                for pos in np.unique(x):
                    xs = x.copy()
                    xs[i] = pos
                    ds.append(danger(i, xs))
            else:
                ds = [danger(k, x) for k in range(n)]
            hi, lo = max(ds), min(ds)
            big = (2 * cur - hi - lo) / (hi - lo) if hi > lo else 0.0
            r[i] = (1 - big / 3) / (1 + big / 3)
        if opts["flip"]:
            r = 1 / r
        new = x.copy()
        for i in range(n):
            got: dict[str, list[float]] = {"conf": [], "comp": [], "cap": []}
            for j in range(n):
                if x[i] == x[j]:
                    continue
                rj = r[i] if opts["perception"] == "own" else r[j]
                e_ij = _eu(r[i], x[i], x[j], S[j], x, rng)
                e_ji = _eu(rj, x[j], x[i], S[i], x, rng)
                if e_ji > e_ij > 0:
                    got["conf"].append(x[j])
                elif e_ji > 0 > e_ij and e_ji > abs(e_ij):
                    got["comp"].append(x[i] + (x[j] - x[i]) * abs(e_ij / e_ji))
                elif e_ji > 0 > e_ij:
                    got["cap"].append(x[j])
            for kind in opts["order"]:
                if got[kind]:
                    new[i] = min(got[kind], key=lambda p, xi=x[i]: abs(p - xi))
                    break
        x = new
        md.append(wmed_mid(x, W))
        me.append(MEANS["cs"](x))
    return md, me


def object_reading(top: int) -> None:
    """Every variant of the object reading, best first."""
    orders = [("conf", "comp", "cap"), ("comp", "conf", "cap"), ("cap", "comp", "conf")]
    res = []
    for riskset, flip, perception, order in itertools.product(
        ["positions", "actors"], [False, True], ["own", "true"], orders
    ):
        opts = {"riskset": riskset, "flip": flip, "perception": perception, "order": order}
        md, me = object_run(opts)
        res.append((score(md, me), opts, md, me))
    res.sort(key=lambda t: (t[0][0], t[0][1], -t[0][2]), reverse=True)
    for sc, opts, md, me in res[:top]:
        print(f"both={sc[0]} median={sc[1]} err={sc[2]:.2f} {opts}")
        print("   median", " ".join(f"{v:.2f}" for v in md))
        print("   mean  ", " ".join(f"{v:.2f}" for v in me))


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--medians", action="store_true")
    ap.add_argument("--object", action="store_true")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    if args.object:
        object_reading(args.top)
    if args.medians:
        medians(args.top)


if __name__ == "__main__":
    main()
