"""Diagnose where melian's SMP history parts from KTAB's (docs/models/smp.md, "Fidelity").

For a reference input, runs the turns with melian's building blocks but with a pluggable rule for
the two positions of a bargain (initiator's and receiver's), and reports how many leading states
of KTAB's printed history (tests/data/ktab/expected) each rule reproduces. With ``--detail`` it
prints, turn by turn up to the first divergent state, every actor's chosen target, the win
probability P as seen by the initiator and by the receiver, the bargain and KTAB's next positions.

Finding (2026-11-29): the rule "both_eps1e-6" (each party's copy of the bargain gives its own
position an extra weight of 1e-6) reproduces all four histories; it is what melian implements.

    python -m research.smp.diagnose         # every rule x every reference
    .venv/bin/python benchmarks/smp_diagnose.py --detail dummyData_3Dim
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from melian.bargaining import smp
from melian.bargaining.io.ktab_csv import read_ktab_csv

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "ktab"
NAMES = ("SOE-Policy", "SOE-Pol-Comp", "dummyData_3Dim", "dummyData-a040")


def p_challenge(
    h: int, i: int, j: int, d: np.ndarray, risk: np.ndarray, w: np.ndarray, a: float
) -> float:
    """P(i beats j) in i's challenge of j, as estimated by actor h (scalar loop, spec step 6)."""
    n = d.shape[0]
    uh = smp.utility(d, (1 - a) * risk[h] + a * risk[:, None])
    vi = w[i] * (uh[i, i] - uh[i, j])
    vj = w[j] * (uh[j, i] - uh[j, j])
    c0ij = 1e-10 + max(vi, 0) + max(vj, 0)
    c0ji = 1e-10 + max(-vi, 0) + max(-vj, 0)
    cij, cji = c0ij, c0ji
    for k in range(n):
        if k in (i, j):
            continue
        v = w[k] * (uh[k, i] - uh[k, j])
        pin = (c0ij + max(v, 0)) / (c0ij + max(v, 0) + c0ji + max(-v, 0))
        ui = pin * (2 * uh[k, i] + uh[k, k]) + (1 - pin) * 3 * uh[k, j]
        uj = pin * 3 * uh[k, i] + (1 - pin) * (2 * uh[k, j] + uh[k, k])
        v3 = w[k] * (ui - uj)
        cij += max(v3, 0)
        cji += max(-v3, 0)
    return cij / (cij + cji)


def s2p2(xi: np.ndarray, xj: np.ndarray, si: np.ndarray, sj: np.ndarray, p: float) -> np.ndarray:
    """Unrounded S2P2 bargain on [0, 1]."""
    wi, wj = si**2 * p**2, sj**2 * (1 - p) ** 2
    return (wi * xi + wj * xj) / (wi + wj)


def rnd(y: np.ndarray) -> np.ndarray:
    return np.floor(y * 1e4 + 0.5) / 1e4


Rule = Callable[..., tuple[np.ndarray, np.ndarray]]


def rule_same(ctx: dict, i: int, j: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    y = rnd(s2p2(ctx["x"][i], ctx["x"][j], ctx["s"][i], ctx["s"][j], p))
    return y, y


def rule_rcvr_view(ctx: dict, i: int, j: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    pj = p_challenge(j, i, j, ctx["d"], ctx["risk"], ctx["w"], 1 / 3)
    yi = rnd(s2p2(ctx["x"][i], ctx["x"][j], ctx["s"][i], ctx["s"][j], p))
    yj = rnd(s2p2(ctx["x"][i], ctx["x"][j], ctx["s"][i], ctx["s"][j], pj))
    return yi, yj


def rule_scale100(ctx: dict, i: int, j: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Interpolate on 0-100, round to 2 decimals there (same 1e-4 grid, other float path)."""
    x = ctx["x"] * 100.0
    y = s2p2(x[i], x[j], ctx["s"][i], ctx["s"][j], p)
    y = np.floor(y * 100 + 0.5) / 100 / 100.0
    return y, y


def rule_swapped(ctx: dict, i: int, j: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Receiver's copy interpolated with the roles swapped: (wj xj + wi xi) / (wj + wi)."""
    x, s = ctx["x"], ctx["s"]
    yi = rnd(s2p2(x[i], x[j], s[i], s[j], p))
    yj = rnd(s2p2(x[j], x[i], s[j], s[i], 1 - p))
    return yi, yj


def _rcvr_p(fn: Callable[[float], float]) -> Rule:
    """Receiver's copy interpolated with a transformed P (initiator's copy with P itself)."""

    def rule(ctx: dict, i: int, j: int, p: float) -> tuple[np.ndarray, np.ndarray]:
        x, s = ctx["x"], ctx["s"]
        return rnd(s2p2(x[i], x[j], s[i], s[j], p)), rnd(s2p2(x[i], x[j], s[i], s[j], fn(p)))

    return rule


def rule_frac(ctx: dict, i: int, j: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Each side moves from its own position by the other's weight fraction, 4 decimals."""
    x, s = ctx["x"], ctx["s"]
    wi, wj = s[i] ** 2 * p**2, s[j] ** 2 * (1 - p) ** 2
    fi = np.floor(wj / (wi + wj) * 1e4) / 1e4
    fj = np.floor(wi / (wi + wj) * 1e4) / 1e4
    return rnd(x[i] + (x[j] - x[i]) * fi), rnd(x[j] + (x[i] - x[j]) * fj)


def _own_weight(eps: float, init_too: bool) -> Rule:
    """Each copy gives its holder's own position an extra weight ``eps`` (receiver, or both)."""

    def rule(ctx: dict, i: int, j: int, p: float) -> tuple[np.ndarray, np.ndarray]:
        x, s = ctx["x"], ctx["s"]
        wi, wj = s[i] ** 2 * p**2, s[j] ** 2 * (1 - p) ** 2
        ei = eps if init_too else 0.0
        yi = (wi * x[i] + wj * x[j] + ei * x[i]) / (wi + wj + ei)
        yj = (wi * x[i] + wj * x[j] + eps * x[j]) / (wi + wj + eps)
        return rnd(yi), rnd(yj)

    return rule


RULES: dict[str, Rule] = {
    "both_eps5e-7": _own_weight(5e-7, True),
    "both_eps2e-6": _own_weight(2e-6, True),
    "rcvr_eps1e-6": _own_weight(1e-6, False),
    "both_eps1e-6": _own_weight(1e-6, True),
    "rcvr_eps1e-5": _own_weight(1e-5, False),
    "both_eps1e-5": _own_weight(1e-5, True),
    "rcvr_eps1e-7": _own_weight(1e-7, False),
    "rcvr_truncP": _rcvr_p(lambda p: np.floor(p * 1e4) / 1e4),
    "rcvr_P-1e-5": _rcvr_p(lambda p: p - 1.5e-5),
    "rcvr_P*(1-2e-5)": _rcvr_p(lambda p: p * (1 - 2e-5)),
    "frac_trunc": rule_frac,
    "same": rule_same,
    "rcvr_view": rule_rcvr_view,
    "scale100": rule_scale100,
    "swapped": rule_swapped,
}


def resolve(
    x: np.ndarray,
    sal: np.ndarray,
    cap: np.ndarray,
    risk: np.ndarray,
    bargains: list[tuple[int, int, np.ndarray, np.ndarray]],
    opt: smp._Options,
) -> np.ndarray:
    """Queue resolution (spec step 9) with separate initiator and receiver positions."""
    n = x.shape[0]
    new = x.copy()
    d0 = smp.weighted_distance(x, sal)
    base = smp.utility(d0, risk[:, None]).mean(axis=1)
    vals = []
    for i, j, yi, yj in bargains:
        xb = x.copy()
        xb[i], xb[j] = yi, yj
        u = smp.utility(smp._point_distance(x, sal, xb), risk[:, None]).mean(axis=1)
        vals.append(u - base)
    for k in range(n):
        q = [b for b, (i, j, _, _) in enumerate(bargains) if k in (i, j)]
        if not q:
            continue
        u = np.zeros((n, len(q) + 1))
        for c, b in enumerate(q):
            u[:, c + 1] = vals[b]
        pr = smp.scalar_pce(u, cap, "proportional", "linear", "conditional")
        ch = int(np.argmax(pr))
        if ch > 0:
            i, j, yi, yj = bargains[q[ch - 1]]
            new[k] = yi if k == i else yj
    return new


def run(name: str, rule: Rule, turns: int, detail: bool = False) -> int:
    """Number of leading states matching KTAB (positions 0.1, win probabilities 1e-3)."""
    prob = read_ktab_csv(DATA / f"{name}.csv")
    e = json.loads((DATA / "expected" / f"{name}.json").read_text())
    want_pos = np.asarray(e["positions"]) / 100.0
    want_win = np.asarray(e["win_probability"])
    opt = smp._options({})
    x = prob.position / 100.0
    sal, cap = prob.salience, prob.capability
    st = sal.sum(axis=1)
    w = cap * st
    for t in range(min(turns, len(want_pos))):
        d = smp.weighted_distance(x, sal)
        risk, _ = smp.risk_attitudes(x, sal, d, cap, opt)
        win = smp.win_probability(x, sal, d, risk, cap, opt)
        if np.abs(x - want_pos[t]).max() > 1e-3 + 5e-9 or np.abs(win - want_win[t]).max() > 1e-3:
            if detail:
                print(
                    f"state {t}: max pos err {np.abs(x - want_pos[t]).max() * 100:.3f}, "
                    f"win err {np.abs(win - want_win[t]).max():.4f}"
                )
                print("  melian win", np.round(win, 4))
                print("  KTAB   win", want_win[t])
            return t
        target, p, gain = smp.best_challenges(d, risk, cap, st, opt)
        ctx = {"x": x, "s": sal, "d": d, "risk": risk, "w": w}
        bargains = []
        for i in range(x.shape[0]):
            if target[i] >= 0:
                yi, yj = rule(ctx, i, int(target[i]), float(p[i]))
                bargains.append((i, int(target[i]), yi, yj))
        if detail:
            print(f"turn {t} -> {t + 1}")
            for i, j, yi, yj in bargains:
                pj = p_challenge(j, i, j, d, risk, w, 1 / 3)
                raw = s2p2(x[i], x[j], sal[i], sal[j], float(p[i]))
                print(
                    f"  {i:2d}->{j:2d} P_i={p[i]:.7f} P_j={pj:.7f} raw={np.round(raw, 7)}"
                    f" init={yi} rcvr={yj}"
                )
        x = resolve(x, sal, cap, risk, bargains, opt)
        if detail and t + 1 < len(want_pos):
            print("  next melian", np.round(x * 100, 2).tolist())
            print("  next KTAB  ", np.round(want_pos[t + 1] * 100, 2).tolist())
    return min(turns, len(want_pos))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--detail", default=None, help="reference name: print the turns in detail")
    ap.add_argument("--rule", default="same", choices=sorted(RULES))
    ap.add_argument("--turns", type=int, default=40)
    args = ap.parse_args()
    if args.detail:
        print(args.detail, "matching states:", run(args.detail, RULES[args.rule], args.turns, True))
        return
    for rname, rule in RULES.items():
        counts = {n: run(n, rule, args.turns) for n in NAMES}
        print(f"{rname:12s}", counts, flush=True)


if __name__ == "__main__":
    main()
