"""Time one round of the expected-utility model (melian.bargaining.bdm) for growing actor counts.

Target (brief): 1,000 actors per round in under a second. Usage:
    .venv/bin/python benchmarks/bench_bdm.py
"""

from __future__ import annotations

import time

import numpy as np

from melian.bargaining.bdm import BDMParams, offers, simulate


def bench(n: int, repeats: int = 3) -> float:
    rng = np.random.default_rng(n)
    x = rng.uniform(0, 100, n)
    c = rng.uniform(0.1, 1, n)
    s = rng.uniform(0.1, 1, n)
    p = BDMParams.make()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        offers(x, c * s, s, 100.0, p)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    for n in (10, 100, 500, 1000, 2000):
        print(f"bdm one round, {n:5d} actors: {bench(n):.3f} s (best of 3)")
    rng = np.random.default_rng(7)
    n = 1000
    x, c, s = rng.uniform(0, 100, n), rng.uniform(0.1, 1, n), rng.uniform(0.1, 1, n)
    t0 = time.perf_counter()
    res = simulate(x, c, s, 100.0, BDMParams.make(rounds=8))
    dt = time.perf_counter() - t0
    print(f"bdm 8 rounds, 1000 actors: {dt:.2f} s ({res.rounds_run} rounds run)")


if __name__ == "__main__":
    main()
