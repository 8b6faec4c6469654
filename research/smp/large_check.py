"""Run SMP on the benchmark's random 1,000-actor issue and save the history for comparison.

Usage: ``python -m research.smp.large_check OUT.npz [--turns T] [--module PATH]
[--n N | --ktab NAME] [--threads K]``. ``--module`` loads another copy of smp.py (e.g. an older
version) instead of melian's, so the histories of two versions can be compared exactly
(``--compare A.npz B.npz``); ``--ktab`` runs one of KTAB's examples (e.g. dummyData-a160)
instead of the random issue of N actors; ``--threads`` sets the number of threads.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

import numpy as np

from melian.bargaining.base import BargainingProblem


def random_issue(n: int, seed: int = 2026) -> BargainingProblem:
    """The random one-dimension issue of benchmarks/bench_smp.py (same seed, same draws).

    Positions U(0, 100), saliences U(0.1, 0.9), power U(1, 100).
    """
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


def main() -> None:
    """Run (or compare) and print wall time, states and the largest position difference."""
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?")
    ap.add_argument("--turns", type=int, default=0, help="fixed number of turns (0: default)")
    ap.add_argument("--module", default="")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--ktab", default="", help="a KTAB example in tests/data/ktab instead")
    ap.add_argument("--threads", type=int, default=0, help="threads (0: the module's default)")
    ap.add_argument("--compare", nargs=2)
    args = ap.parse_args()
    if args.compare:
        a, b = (np.load(f) for f in args.compare)
        pa, pb = a["positions"], b["positions"]
        print("states", pa.shape[0], pb.shape[0])
        if pa.shape == pb.shape:
            print("max |diff| positions", float(np.abs(pa - pb).max()))
            print("max |diff| win", float(np.abs(a["win"] - b["win"]).max()))
        print("final max |diff|", float(np.abs(pa[-1] - pb[-1]).max()))
        return
    if args.module:
        spec = importlib.util.spec_from_file_location("smp_alt", args.module)
        assert spec and spec.loader
        smp = importlib.util.module_from_spec(spec)
        sys.modules["smp_alt"] = smp
        spec.loader.exec_module(smp)
    else:
        from melian.bargaining import smp  # type: ignore[no-redef]
    if args.threads:
        smp._THREADS = args.threads
    if args.ktab:
        from melian.bargaining.io.ktab_csv import read_ktab_csv

        p = read_ktab_csv(
            Path(__file__).resolve().parents[2] / "tests/data/ktab" / f"{args.ktab}.csv"
        )
    else:
        p = random_issue(args.n)
    params = {} if not args.turns else {"min_turns": args.turns, "max_turns": args.turns}
    opt = smp._options(params)
    x, sal, cap = smp._check_problem(p)
    t0, c0 = time.perf_counter(), time.process_time()
    res = smp.simulate(x, sal, cap, opt)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    load = os.getloadavg()[0]
    print(
        f"{secs:.2f} s wall, {cpu:.2f} s CPU, {res.positions.shape[0]} states, "
        f"stopped by {res.stopped_by}, load {load:.1f}"
    )
    if args.out:
        np.savez(args.out, positions=res.positions, win=res.win_probability)


if __name__ == "__main__":
    main()
