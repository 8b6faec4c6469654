"""Round-1 diagnostic of the expected-utility model on Scholz et al.'s emission-standards case.

Prints, for the first round of melian.bargaining.bdm with the given parameters, the risk
exponents, every ordered pair's expected utilities a = E_i(U_ij) (proposer i) and b = E_j(U_ji)
(receiver j, as the parameters define it), the region of the pair, the offered position, the
offer each receiver accepts, and the weighted median / c x s weighted mean after the round next
to Scholz et al.'s (2011) Table 2 (median 8.4, mean 7.4, truncated to one decimal).

Usage:
    python -m research.bdm.round1 [key=value ...]
    python -m research.bdm.round1 conflict=none perception=own
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np

from melian.bargaining.bdm import BDMParams, offers
from melian.bargaining.median import weighted_median

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "bdm"


def load() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Actors, positions, capabilities and saliences (0-1) of the emission-standards case."""
    with open(DATA / "emission-standards-1994.csv") as fh:
        rows = list(csv.DictReader(fh))
    names = [r["actor"] for r in rows]
    x = np.array([float(r["position"]) for r in rows])
    c = np.array([float(r["capability"]) for r in rows])
    s = np.array([float(r["salience"]) for r in rows]) / 100.0
    return names, x, c, s


def parse(args: list[str]) -> dict[str, object]:
    """key=value command-line pairs -> parameters (numbers converted where they parse)."""
    out: dict[str, object] = {}
    for arg in args:
        key, _, val = arg.partition("=")
        try:
            out[key] = float(val) if "." in val else int(val)
        except ValueError:
            out[key] = val
    return out


def region(a: float, b: float) -> str:
    """Quadrant of the pair in the (a, b) plane, as in step 8 of the specification."""
    if a > 0 and b > 0:
        return "conflict" + (" (i wins)" if a > b else " (j wins)")
    if a > 0 > b:
        return "i gains, j loses"
    if a < 0 < b:
        return "i loses, j gains"
    if a < 0 and b < 0:
        return "status quo"
    return "zero (same position)"


def main() -> None:
    names, x, c, s = load()
    params = BDMParams.make(**parse(sys.argv[1:]))
    w = c * s
    st = offers(x, w, s, 6.0, params)
    print("parameters:", {k: v for k, v in params.__dict__.items()})
    print(f"R = {st.R:g}, mu = {st.mu:g}")
    print("risk exponents r_i:")
    for name, r in zip(names, st.risk, strict=True):
        print(f"  {name:12s} {r:.3f}")
    width = max(len(n) for n in names)
    for j, name in enumerate(names):
        moved = st.new_position[j]
        print(f"\n{name} at {x[j]:g} -> {moved:.4f}")
        for i in range(x.size):
            if i == j:
                continue
            a, b = st.a[i, j], st.b[i, j]
            print(
                f"  from {names[i]:{width}s} at {x[i]:5.2f}: a = {a:+.4f}  b = {b:+.4f}  "
                f"{region(a, b)}"
            )
    med = weighted_median(st.new_position, w, params.median_tie)
    mean = float((st.new_position * w).sum() / w.sum())

    def trunc(v: float) -> float:
        return math.floor(v * 10 + 1e-9) / 10

    print(f"\nafter round 1: median {med:.4f} (truncated {trunc(med)}; Scholz 8.4)")
    print(f"               mean   {mean:.4f} (truncated {trunc(mean)}; Scholz 7.4)")


if __name__ == "__main__":
    main()
