"""Structural search beyond melian.bargaining.bdm's parameters (exploration harness, slow).

An independent, loop-light re-implementation of one round of the expected-utility model with
structural readings that the package does not all expose, scored against Scholz, Calbert & Smith
(2011) Table 2 (emission standards, 8 rounds, truncated to one decimal). Options (see OPTS):
sal (responder's / challenger's salience), risk (none; security from column sums "app" or row
sums "prose"; "_rev" flips the sign of R_i; "pos"/"pos_prose": max/min over the positions i could
take instead of over actors), percep (j's EU with r_j or r_i), range, reg (A3 regions), cm
(compromise fraction |b/a|, 1 - |b/a|, or EU-weighted |b|/(|a|+|b|)), conf (conflict: loser
moves, none, expected position x_j + P (x_i - x_j), or by |b/a|), sel (most enforceable, least
movement, lowest receiver EU, category first), acc (any offer, or only offers the receiver's own
view agrees with), tgt (offers to all, or only to the proposer's best target), pv (votes on
distance or on risk-adjusted utility), pw (vote weights c s or c). Result of the full run
(27,648 combinations, about 3 minutes): at most 2 of 8 rounds match (median and mean). Usage:
    python -m research.bdm.structural_search
"""

import csv
import itertools
import math

import numpy as np

from melian.bargaining.bdm import prevail_probability
from melian.bargaining.median import weighted_median

from .table import DATA

rows = list(csv.DictReader(open(DATA / "emission-standards-1994.csv")))
X0 = np.array([float(r["position"]) for r in rows])
C = np.array([float(r["capability"]) for r in rows])
S = np.array([float(r["salience"]) for r in rows]) / 100
W = C * S
TM = [8.4, 9.9, 9.9, 9.9, 9.9, 7.4, 8.8, 9.6]
TE = [7.4, 7.5, 7.6, 7.3, 7.3, 7.4, 7.5, 7.6]
EPS = 1e-12


def tr(v):
    return math.floor(v * 10 + 1e-9) / 10


def EU(x, Sm, P, R, r, q=1.0):  # noqa: N802 - E(U) of the papers
    d = np.abs(x[:, None] - x[None, :]) / R
    us = 2 - 4 * np.power(np.maximum(0.5 - 0.5 * d, 0), r)
    uf = 2 - 4 * np.power(0.5 + 0.5 * d, r)
    usq = 2 - 4 * np.power(0.5, r)
    e = Sm * (P * us + (1 - P) * uf) + (1 - Sm) * us - q * usq
    e = e * np.ones_like(d)
    e[d == 0] = 0
    return e


def riskmap(sec, rev):
    hi, lo = sec.max(), sec.min()
    if hi - lo < 1e-15:
        return np.ones_like(sec)
    Rr = (2 * sec - hi - lo) / (hi - lo)
    if rev:
        Rr = -Rr
    return (1 - Rr / 3) / (1 + Rr / 3)


def classify(a, b, x, P, o):
    n = x.size
    xi = np.broadcast_to(x[:, None], (n, n))
    xj = np.broadcast_to(x[None, :], (n, n))
    A, B = np.abs(a), np.abs(b)
    conf = (a > EPS) & (b > EPS) & (a > b)
    if o["reg"] == "A":
        comp = (a > EPS) & (b < -EPS) & (A > B)
        f = np.divide(B, A, out=np.zeros_like(A), where=A > 0)
    else:
        comp = (a > EPS) & (b < -EPS) & (B > A)
        f = np.divide(A, B, out=np.zeros_like(A), where=B > 0)
    if o["cm"] == "oneminus":
        f = 1 - f
    if o["cm"] == "wB":
        f = np.divide(B, A + B, out=np.zeros_like(A), where=A + B > 0)
    if o["cm"] == "wA":
        f = np.divide(A, A + B, out=np.zeros_like(A), where=A + B > 0)
    cap = (a > EPS) & (b < -EPS) & ~comp
    tgt = np.where(comp, xj + (xi - xj) * f, xi)
    kind = np.zeros((n, n), int)
    kind[cap] = 2
    kind[comp] = 1
    if o["conf"] != "none":
        kind[conf] = 3
    if o["conf"] == "exp":
        tgt = np.where(conf, xj + (xi - xj) * P, tgt)
    if o["conf"] == "ratio":
        tgt = np.where(
            conf, xj + (xi - xj) * np.divide(B, A, out=np.zeros_like(A), where=A > 0), tgt
        )
    if o["conf"] == "ratio1":
        tgt = np.where(
            conf, xj + (xi - xj) * (1 - np.divide(B, A, out=np.zeros_like(A), where=A > 0)), tgt
        )
    np.fill_diagonal(kind, 0)
    return kind, tgt


def step(x, o):
    n = x.size
    R = np.ptp(x) if o["range"] == "dyn" else 6.0
    P = prevail_probability(x, W if o.get("pw", "cs") == "cs" else C)
    Sa = S[None, :] * np.ones((n, 1)) if o["sal"] == "resp" else S[:, None] * np.ones((1, n))
    e1 = EU(x, Sa, P, R, 1.0)
    rk = o["risk"]
    if rk == "none":
        r = np.ones(n)
    elif rk.startswith("pos"):
        r = np.ones(n)
        cands = np.unique(x) if o.get("grid", "act") == "act" else np.linspace(x.min(), x.max(), 61)
        for i in range(n):
            secs = []
            for y in cands:
                xx = x.copy()
                xx[i] = y
                Py = prevail_probability(xx, W)
                Ry = np.ptp(xx) if o["range"] == "dyn" else 6.0
                if Ry <= 0:
                    secs.append(0.0)
                    continue
                ey = EU(xx, Sa, Py, Ry, 1.0)
                secs.append(ey[:, i].sum() if rk == "pos" else ey[i, :].sum())
            secs = np.array(secs)
            xx = x
            si = e1[:, i].sum() if rk == "pos" else e1[i, :].sum()
            hi, lo = secs.max(), secs.min()
            if hi - lo > 1e-12:
                Rr = (2 * si - hi - lo) / (hi - lo)
                r[i] = (1 - Rr / 3) / (1 + Rr / 3)
    else:
        sec = e1.sum(0) if rk.startswith("app") else e1.sum(1)
        r = riskmap(sec, rk.endswith("rev"))
    if o.get("pv", "dist") != "dist":
        dk = np.abs(x[:, None] - x[None, :]) / R  # dk[k,y]
        if o["pv"] == "pow":
            u = -np.power(dk, r[:, None])
        else:
            u = -4 * np.power(0.5 + 0.5 * dk, r[:, None])
        g = W[:, None, None] * (u[:, :, None] - u[:, None, :])  # g[k,i,j]= k prefers i over j
        num = np.clip(g, 0, None).sum(0)
        den = np.abs(g).sum(0)
        P = np.where(den > 0, num / np.where(den > 0, den, 1), 0.5)
    E = EU(x, Sa, P, R, r[:, None])  # E[i,j] true EU of i challenging j (own r_i)
    Eown = EU(x, Sa, P, R, r[None, :])  # Eown[j,i]= j's EU of challenging i evaluated with r_i
    a = E
    b = E.T if o["percep"] == "true" else Eown.T
    kind, tgt = classify(a, b, x, P, o)
    if o["acc"] == "agree":
        # j's own view of the pair: j's EU E[j,i] (true), j's estimate of i's EU with r_j
        # j's estimate of i's EU of challenging j evaluated with r_j: EU[i,j] with exponent r_j
        Ej = EU(x, Sa, P, R, r[None, :])  # Ej[i,j] uses r_j
        kind2, _ = classify(Ej, E.T, x, P, o)
        kind = np.where(kind2 > 0, kind, 0)
    if o["tgt"] != "all":
        n_ = x.size
        if o["tgt"] == "best_any":
            cand = np.where(~np.eye(n_, dtype=bool), a, -np.inf)
        else:
            cand = np.where(kind > 0, a, -np.inf)
        bj = cand.argmax(1)
        keep = np.zeros_like(kind, bool)
        keep[np.arange(n_), bj] = True
        kind = np.where(keep, kind, 0)
    off = kind > 0
    mv = np.abs(tgt - x[None, :])
    sel = o["sel"]
    if sel == "max_a":
        k1, k2 = -a, mv
    elif sel == "least":
        k1, k2 = mv, -a
    elif sel == "cat_a":
        k1, k2 = -(kind * 100 + a), mv
    elif sel == "cat_least":
        k1, k2 = -(kind * 100 - mv), -a
    elif sel == "max_ab":
        k1, k2 = -(a - b), mv
    elif sel == "min_b":
        k1, k2 = b, mv
    k1 = np.where(off, k1, np.inf)
    best = k1.min(0)
    cand = off & (k1 <= best[None, :] + 1e-9)
    k2 = np.where(cand, k2, np.inf)
    pick = k2.argmin(0)
    has = off.any(0)
    new = np.where(has, tgt[pick, np.arange(n)], x)
    return new, dict(a=a, b=b, r=r, P=P, R=R, kind=kind, tgt=tgt)


OPTS = dict(
    sal=["resp", "chal"],
    risk=["none", "app", "prose", "app_rev", "prose_rev"],
    percep=["true", "own"],
    range=["dyn", "fix"],
    reg=["A", "B"],
    cm=["frac", "oneminus"],
    conf=["move", "none", "exp", "ratio"],
    sel=["max_a", "least", "cat_a", "cat_least", "max_ab", "min_b"],
    acc=["any", "agree"],
    tgt=["all", "best_any", "best_offer"],
    pv=["dist"],
    pw=["c"],
    tie=["midpoint"],
)


def run(o, rounds=8):
    x = X0.copy()
    med = []
    mean = []
    for _ in range(rounds):
        x, _ = step(x, o)
        med.append(weighted_median(x, W, o["tie"]))
        mean.append(float((x * W).sum() / W.sum()))
    return med, mean


def main():
    OPTS.update(
        cm=["frac", "oneminus", "wB"],
        conf=["move", "none", "exp", "ratio"],
        pw=["cs", "c"],
        risk=["none", "app", "prose"],
        sel=["max_a", "least", "min_b", "cat_a"],
        reg=["A", "B"],
    )
    keys = list(OPTS)
    res = []
    for combo in itertools.product(*OPTS.values()):
        o = dict(zip(keys, combo, strict=True))
        m, e = run(o, 8)
        err = sum(abs(a - b) + abs(c - d) for a, c, b, d in zip(m, e, TM, TE, strict=True))
        sc = sum(tr(a) == b and tr(c) == d for a, c, b, d in zip(m, e, TM, TE, strict=True))
        res.append((err, sc, o, m, e))
    res.sort(key=lambda t: (-t[1], t[0]))
    print(len(res), "combinations; most rounds matched:", res[0][1])
    for r in res[:10]:
        print(round(r[0], 2), r[1], r[2])
        print("   median", np.round(r[3], 3))
        print("   mean  ", np.round(r[4], 3))


if __name__ == "__main__":
    np.seterr(invalid="ignore", divide="ignore")
    main()
