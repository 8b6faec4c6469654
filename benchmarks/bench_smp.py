"""Wall time of melian's SMP (KTAB's Spatial Model of Politics) on KTAB's examples and at scale.

Whole-call wall time of ``run_model("smp", problem)`` with default parameters, compared with the
wall time of KTAB's own program on the same inputs (reference/bargaining-models.md, section 5:
measured on this project's 2-core machine type). Usage:

    .venv/bin/python benchmarks/bench_smp.py            # KTAB examples + a160
    .venv/bin/python benchmarks/bench_smp.py --large    # also a random 1,000-actor issue
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from melian.bargaining.base import BargainingProblem
from melian.bargaining.io.ktab_csv import read_ktab_csv
from melian.bargaining.registry import run_model

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "ktab"
KTAB_SECONDS = {
    "dummyData_3Dim": 0.19,
    "SOE-Pol-Comp": 0.8,
    "SOE-Policy": 3.3,
    "SOE-Competitive": 13.3,
    "dummyData-a040": 13.5,
    "dummyData-a080": 164.0,
}
KTAB_TURNS = {
    "dummyData_3Dim": 11,
    "SOE-Pol-Comp": 28,
    "SOE-Policy": 20,
    "SOE-Competitive": 36,
    "dummyData-a040": 21,
    "dummyData-a080": 18,
}


def random_issue(n: int, seed: int = 2026) -> BargainingProblem:
    """A random one-dimension issue: positions U(0, 100), saliences U(0.1, 0.9), power U(1, 100)."""
    rng = np.random.default_rng(seed)
    return BargainingProblem(
        actors=tuple(f"a{i}" for i in range(n)),
        issues=("x",),
        capability=rng.uniform(1, 100, n),
        position=rng.uniform(0, 100, (n, 1)),
        salience=rng.uniform(0.1, 0.9, (n, 1)),
        scale=np.array([[0.0, 100.0]]),
        reference=np.array([np.nan]),
        name=f"random-{n}",
    )


def timed(problem: BargainingProblem, repeat: int) -> tuple[float, int]:
    """Best whole-call wall time over ``repeat`` runs and the number of states."""
    best = float("inf")
    states = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        f = run_model("smp", problem)
        best = min(best, time.perf_counter() - t0)
        states = f.extra["states"]
    return best, states


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--large", action="store_true", help="also the random 1,000-actor issue")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cases = [(n, read_ktab_csv(DATA / f"{n}.csv")) for n in KTAB_SECONDS]
    cases.append(("dummyData-a160", read_ktab_csv(DATA / "dummyData-a160.csv")))
    if args.large:
        cases.append(("random-1000 (1 dim)", random_issue(1000)))
    print(f"python {platform.python_version()}, numpy {np.__version__}")
    print("| input | actors x dims | melian states | KTAB states | melian s | KTAB s | speed-up |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for name, p in cases:
        rep = 1 if p.n_actors >= 500 else args.repeat
        secs, states = timed(p, rep)
        k = KTAB_SECONDS.get(name)
        ratio = f"{k / secs:.0f}x" if k else "-"
        print(
            f"| {name} | {p.n_actors} x {p.n_issues} | {states} | {KTAB_TURNS.get(name, '-')} "
            f"| {secs:.3f} | {k if k else '-'} | {ratio} |",
            flush=True,
        )
        rows.append({"input": name, "seconds": secs, "states": states})
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
