"""Fifth pass at Scholz et al.'s (2011) Table 2: working backwards from the table.

Emission-standards case (tests/data/bdm); a round "matches" when the weighted median and the
c x s weighted mean, truncated to one decimal, both equal the table's.

``--feasibility``: instead of fixing a selection rule, ask which *sets of moves* are consistent
with the table. From the current positions every ordered pair (proposer i, receiver j) yields
the standard candidate moves of j (to x_i; to the expected position x_j + P_ij (x_i - x_j); by
the fractions |b/a|, |a/b| and |b| / (|a| + |b|) of the distance, with a = E_i(U_ij) and
b = E_j(U_ji) of the package's round), and a beam search keeps every state, reachable with at
most K movers per round, whose median and mean match the table. K = 1 (one move per round, e.g.
"only the round's most valuable offer is executed") dies in round 2 for every reading tried; the
round-1/round-2 states that do fit are printed (with the offer form that produces them).

``--hypotheses``: three families of full simulators, each scored over 8 rounds:
  H1 one offer executed per round (the single best offer of the whole group, by proposer EU a,
     a - b, -b, or the largest / smallest move), or every receiver moving to the mean of its
     offers; over q, salience, security, perception, range, conflict and compromise forms;
  H2 a "Masad-style" object reading: votes on risk-adjusted utility (-d, U_s with r_k, -d^r_k),
     c s or c vote weights, risk exponents reset or carried over between rounds, P with or
     without the risk exponents, conflict move / none / expected, least-move or most-enforceable
     selection; the median reported both as the weighted median and as the position maximising
     the aggregate (risk-adjusted) vote;
  H3 the round-1 lead of ``--feasibility``: a conflict loser moves toward the winner by the
     fraction |b/a| (Ireland -> 8.403 in round 1, Greece -> 9.975 in round 2), with five
     selection rules (largest a, least move, smallest b, largest a - b, largest move) and an
     optional threshold (a conflict is executed only when a >= t b, t in {1.5, 2}).
Result: at most 1 of 8 rounds in every family (see docs/models/bargaining.md, "Fifth pass").

Usage: ``python -m research.bdm.fifth_pass --feasibility`` (about 5 s) or
``--hypotheses`` (4,176 runs, about 15 s).
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np

from melian.bargaining.bdm import BDMParams, offers
from melian.bargaining.median import weighted_median

from .table import TABLE_MEAN, TABLE_MEDIAN, load

X0, C, S = load()
W = C * S
N = X0.size
NAMES = "NL BE LU DE FR IT UK IE DK GR".split()


def trunc(v: float) -> float:
    return math.floor(v * 10 + 1e-9) / 10


def stats(x: np.ndarray) -> tuple[float, float]:
    return weighted_median(x, W, "midpoint"), float((x * W).sum() / W.sum())


def matches(x: np.ndarray, rd: int) -> bool:
    med, mean = stats(x)
    return trunc(med) == TABLE_MEDIAN[rd] and trunc(mean) == TABLE_MEAN[rd]


def score(med: list[float], mean: list[float]) -> tuple[int, float]:
    hit = sum(
        trunc(m) == tm and trunc(e) == te
        for m, e, tm, te in zip(med, mean, TABLE_MEDIAN, TABLE_MEAN, strict=True)
    )
    err = sum(
        abs(m - tm) + abs(e - te)
        for m, e, tm, te in zip(med, mean, TABLE_MEDIAN, TABLE_MEAN, strict=True)
    )
    return hit, err


# --------------------------------------------------------------------------- feasibility


def candidate_moves(x: np.ndarray, p: BDMParams) -> dict[int, dict[float, list[str]]]:
    """Receiver -> {target position: ["proposer form", ...]} for the standard move forms."""
    st = offers(x, W, S, 6.0, p)
    out: dict[int, dict[float, list[str]]] = {j: {} for j in range(N)}
    for j, i in itertools.permutations(range(N), 2):
        if x[i] == x[j]:
            continue
        aa, bb = abs(st.a[i, j]), abs(st.b[i, j])
        forms = {"full": 1.0, "expected": st.P[i, j]}
        if aa > 0:
            forms["|b/a|"] = min(bb / aa, 1.0)
        if bb > 0:
            forms["|a/b|"] = min(aa / bb, 1.0)
        if aa + bb > 0:
            forms["|b|/(|a|+|b|)"] = bb / (aa + bb)
        for form, f in forms.items():
            t = round(float(x[j] + f * (x[i] - x[j])), 9)
            out[j].setdefault(t, []).append(f"{NAMES[i]} {form}")
    return out


def beam(p: BDMParams, kmax: int, cap: int = 200) -> list[int]:
    """States matching the table after each round with at most ``kmax`` movers per round."""
    states: list[tuple[np.ndarray, list[Any]]] = [(X0.copy(), [])]
    counts = []
    rng = random.Random(0)
    for rd in range(8):
        nxt: dict[tuple[float, ...], tuple[np.ndarray, list[Any]]] = {}
        for x, hist in states:
            cand = candidate_moves(x, p)
            movers = [(j, t) for j in range(N) for t in cand[j]]
            for k in range(kmax + 1):
                for combo in itertools.combinations(movers, k):
                    if len({j for j, _ in combo}) < k:
                        continue
                    y = x.copy()
                    for j, t in combo:
                        y[j] = t
                    if matches(y, rd):
                        moves = [(NAMES[j], round(t, 3), cand[j][t][:2]) for j, t in combo]
                        nxt.setdefault(tuple(np.round(y, 6)), (y, [*hist, moves]))
        states = list(nxt.values())
        counts.append(len(states))
        if not states:
            break
        if len(states) > cap:
            states = rng.sample(states, cap)
    return counts


def feasibility() -> None:
    readings: list[dict[str, Any]] = [
        {},
        {"security": "prose"},
        {"q": 0.5},
        {"salience": "challenger"},
    ]
    print("one mover per round (K = 1): matching states after rounds 1..8")
    for kw in readings:
        print(f"  {kw or 'defaults'}: {beam(BDMParams.make(**kw), 1)}")
    p = BDMParams.make()
    print("defaults, round 1 with at most 2 movers, then round 2 from each single-mover state:")
    cand = candidate_moves(X0, p)
    for j in range(N):
        for t in cand[j]:
            y = X0.copy()
            y[j] = t
            if not matches(y, 0):
                continue
            print(f"  round 1: {NAMES[j]} -> {t:.3f} ({', '.join(cand[j][t][:3])})")
            c2 = candidate_moves(y, p)
            movers = [(k, u) for k in range(N) for u in c2[k]]
            for combo in itertools.combinations(movers, 2):
                if combo[0][0] == combo[1][0]:
                    continue
                z = y.copy()
                for k, u in combo:
                    z[k] = u
                if matches(z, 1):
                    desc = "; ".join(f"{NAMES[k]} -> {u:.3f} ({c2[k][u][0]})" for k, u in combo)
                    print(f"      round 2: {desc}")


# --------------------------------------------------------------------------- H1


def h1_step(x: np.ndarray, p: BDMParams, o: dict[str, str]) -> np.ndarray:
    st = offers(x, W, S, 6.0, p)
    a, b, P = st.a, st.b, st.P
    offs = []
    for i, j in itertools.permutations(range(N), 2):
        if x[i] == x[j]:
            continue
        aa, bb = a[i, j], b[i, j]
        if aa > 0 and bb > 0 and aa > bb:
            if o["conflict"] == "none":
                continue
            t = x[i] if o["conflict"] == "move" else x[j] + P[i, j] * (x[i] - x[j])
        elif aa > 0 > bb and abs(aa) > abs(bb):
            f = abs(bb / aa) if o["cm"] == "fraction" else abs(bb) / (abs(aa) + abs(bb))
            t = x[j] + f * (x[i] - x[j])
        elif aa > 0 > bb:
            t = x[i]
        else:
            continue
        offs.append((i, j, float(t)))
    new = x.copy()
    if not offs:
        return new
    if o["glob"] == "mean":
        for j in range(N):
            tj = [t for _, k, t in offs if k == j]
            if tj:
                new[j] = float(np.mean(tj))
        return new
    keys: dict[str, Callable[[tuple[int, int, float]], float]] = {
        "a": lambda c: a[c[0], c[1]],
        "a-b": lambda c: a[c[0], c[1]] - b[c[0], c[1]],
        "-b": lambda c: -b[c[0], c[1]],
        "largest_move": lambda c: abs(c[2] - x[c[1]]),
        "smallest_move": lambda c: -abs(c[2] - x[c[1]]),
    }
    i, j, t = max(offs, key=keys[o["glob"]])
    new[j] = t
    return new


def h1() -> list[tuple[int, float, str, list[float], list[float]]]:
    res = []
    for q, sal, sec, per, rng, conf, cm, glob in itertools.product(
        (1.0, 0.5),
        ("responder", "challenger"),
        ("appendix", "prose"),
        ("true", "own"),
        ("dynamic", "fixed"),
        ("move", "expected", "none"),
        ("fraction", "weighted"),
        ("a", "a-b", "-b", "largest_move", "smallest_move", "mean"),
    ):
        p = BDMParams.make(q=q, salience=sal, security=sec, perception=per, range=rng)
        o = {"conflict": conf, "cm": cm, "glob": glob}
        x, med, mean = X0.copy(), [], []
        for _ in range(8):
            x = h1_step(x, p, o)
            m, e = stats(x)
            med.append(m)
            mean.append(e)
        label = f"H1 q={q} {sal} {sec} {per} {rng} conflict={conf} {cm} one-offer-by={glob}"
        res.append((*score(med, mean), label, med, mean))
    return res


# --------------------------------------------------------------------------- H2


def _util(x: np.ndarray, R: float, r: np.ndarray, kind: str) -> np.ndarray:
    """u[k, m]: voter k's utility for position x_m."""
    d = np.abs(x[:, None] - x[None, :]) / R
    if kind == "dist":
        return -d
    if kind == "us":
        return 4.0 * np.power(np.maximum(0.5 - 0.5 * d, 0.0), r[:, None]) - 2.0
    return -np.power(d, r[:, None])


def _probs(x: np.ndarray, R: float, r: np.ndarray, o: dict[str, str]) -> np.ndarray:
    u = _util(x, R, r, o["votes"])
    w = W if o["vote_w"] == "cs" else C
    g = w[:, None, None] * (u[:, :, None] - u[:, None, :])
    num, den = np.clip(g, 0, None).sum(0), np.abs(g).sum(0)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.5)


def _eu(x: np.ndarray, R: float, r: np.ndarray, P: np.ndarray, sal: str) -> np.ndarray:
    d = np.abs(x[:, None] - x[None, :]) / R
    rr = r[:, None]
    us = 2 - 4 * np.power(np.maximum(0.5 - 0.5 * d, 0.0), rr)
    uf = 2 - 4 * np.power(0.5 + 0.5 * d, rr)
    usq = 2 - 4 * np.power(0.5, rr)
    sj = S[None, :] if sal == "responder" else S[:, None]
    e = (sj * (P * us + (1 - P) * uf) + (1 - sj) * us - usq) * np.ones_like(d)
    e[d == 0] = 0.0
    return e


def _riskmap(sec: np.ndarray) -> np.ndarray:
    hi, lo = sec.max(), sec.min()
    if hi - lo < 1e-15:
        return np.ones_like(sec)
    rr = (2 * sec - hi - lo) / (hi - lo)
    return (1 - rr / 3) / (1 + rr / 3)


def h2_step(x: np.ndarray, rprev: np.ndarray, o: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    R = float(np.ptp(x)) if o["range"] == "dynamic" else 6.0
    r0 = np.ones(N) if o["carry"] == "reset" else rprev.copy()
    P0 = _probs(x, R, r0, o)
    e1 = _eu(x, R, r0, P0, o["salience"])
    np.fill_diagonal(e1, 0.0)
    r = _riskmap(e1.sum(0) if o["security"] == "appendix" else e1.sum(1))
    P = _probs(x, R, r, o) if o["p_risk"] == "yes" else P0
    a = _eu(x, R, r, P, o["salience"])
    np.fill_diagonal(a, 0.0)
    b = a.T
    new = x.copy()
    for j in range(N):
        cands = []
        for i in range(N):
            if i == j or x[i] == x[j]:
                continue
            aa, bb = a[i, j], b[i, j]
            if aa > 0 and bb > 0 and aa > bb:
                if o["conflict"] == "none":
                    continue
                t = x[i] if o["conflict"] == "move" else x[j] + P[i, j] * (x[i] - x[j])
            elif aa > 0 > bb and abs(aa) > abs(bb):
                t = x[j] + (x[i] - x[j]) * abs(bb / aa)
            elif aa > 0 > bb:
                t = x[i]
            else:
                continue
            cands.append((aa, abs(t - x[j]), t))
        if cands:
            if o["selection"] == "least_move":
                best = min(cands, key=lambda c: (c[1], -c[0]))
            else:
                best = min(cands, key=lambda c: (-c[0], c[1]))
            new[j] = best[2]
    return new, r


def h2() -> list[tuple[int, float, str, list[float], list[float]]]:
    opts = {
        "votes": ("dist", "us", "pow"),
        "vote_w": ("cs", "c"),
        "salience": ("responder", "challenger"),
        "security": ("appendix", "prose"),
        "range": ("dynamic", "fixed"),
        "carry": ("reset", "carry"),
        "p_risk": ("yes", "no"),
        "conflict": ("move", "none", "expected"),
        "selection": ("least_move", "enforceable"),
    }
    res = []
    for combo in itertools.product(*opts.values()):
        o = dict(zip(opts, combo, strict=True))
        x, r = X0.copy(), np.ones(N)
        med, vote_med, mean = [], [], []
        for _ in range(8):
            x, r = h2_step(x, r, o)
            m, e = stats(x)
            med.append(m)
            mean.append(e)
            R = float(np.ptp(x)) if o["range"] == "dynamic" else 6.0
            u = _util(x, R if R > 0 else 1.0, r, o["votes"])
            vote_med.append(float(x[np.argmax((W[:, None] * u).sum(0))]))
        label = "H2 " + " ".join(f"{k}={v}" for k, v in o.items())
        res.append((*score(med, mean), label + " median=weighted", med, mean))
        res.append((*score(vote_med, mean), label + " median=vote", vote_med, mean))
    return res


# --------------------------------------------------------------------------- H3


def h3_step(x: np.ndarray, p: BDMParams, thr: float, sel: str) -> np.ndarray:
    st = offers(x, W, S, 6.0, p)
    a, b = st.a, st.b
    new = x.copy()
    keys: dict[str, Callable[[tuple[float, float, float, float]], tuple[float, float]]] = {
        "largest_a": lambda c: (-c[0], c[2]),
        "least_move": lambda c: (c[2], -c[0]),
        "smallest_b": lambda c: (c[1], c[2]),
        "largest_a-b": lambda c: (-(c[0] - c[1]), c[2]),
        "largest_move": lambda c: (-c[2], -c[0]),
    }
    for j in range(N):
        cands = []
        for i in range(N):
            if i == j or x[i] == x[j]:
                continue
            aa, bb = a[i, j], b[i, j]
            if aa > 0 and bb > 0 and aa > bb:
                if thr and aa < thr * bb:
                    continue
                f = bb / aa
            elif aa > 0 > bb:
                f = abs(bb / aa) if aa > -bb else 1.0
            else:
                continue
            t = float(x[j] + f * (x[i] - x[j]))
            cands.append((aa, bb, abs(t - x[j]), t))
        if cands:
            new[j] = min(cands, key=keys[sel])[3]
    return new


def h3() -> list[tuple[int, float, str, list[float], list[float]]]:
    res = []
    for q, sal, sec, per, rng, thr, sel in itertools.product(
        (1.0, 0.5),
        ("responder", "challenger", "printed"),
        ("appendix", "prose"),
        ("true", "own"),
        ("dynamic", "fixed"),
        (0.0, 1.5, 2.0),
        ("largest_a", "least_move", "smallest_b", "largest_a-b", "largest_move"),
    ):
        p = BDMParams.make(q=q, salience=sal, security=sec, perception=per, range=rng)
        x, med, mean = X0.copy(), [], []
        for _ in range(8):
            x = h3_step(x, p, thr, sel)
            m, e = stats(x)
            med.append(m)
            mean.append(e)
        label = f"H3 q={q} {sal} {sec} {per} {rng} threshold={thr} selection={sel}"
        res.append((*score(med, mean), label, med, mean))
    return res


def hypotheses(top: int) -> None:
    for name, fn in (("H1", h1), ("H2", h2), ("H3", h3)):
        res = fn()
        res.sort(key=lambda t: (-t[0], t[1]))
        print(f"{name}: {len(res)} runs, most rounds matched: {res[0][0]}")
        for hit, err, label, med, mean in res[:top]:
            print(f"  {hit}/8 err {err:.2f} {label}")
            print("     median", " ".join(f"{v:.2f}" for v in med))
            print("     mean  ", " ".join(f"{v:.2f}" for v in mean))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feasibility", action="store_true")
    ap.add_argument("--hypotheses", action="store_true")
    ap.add_argument("--top", type=int, default=3)
    args = ap.parse_args()
    np.seterr(all="ignore")
    if args.feasibility:
        feasibility()
    if args.hypotheses:
        hypotheses(args.top)
    if not (args.feasibility or args.hypotheses):
        ap.print_help()


if __name__ == "__main__":
    main()
