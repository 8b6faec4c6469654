"""Benchmark: the full DEU backtest of every registered model on the dev file (target < 60 s).

Run: .venv/bin/python benchmarks/bench_backtest.py [--repeat N]
Prints per model the wall time, n, failures and mean absolute error, and the total wall time;
then the same backtest with predictive distributions (grouped 10-fold, 1,000 draws per issue,
what ``melian backtest deu`` runs by default): wall and CPU time, best of N runs, with the load
average.
"""

from __future__ import annotations

import os
import platform
import sys
import time

import numpy as np

from melian.bargaining.io.deu import packaged_path, read_deu
from melian.bargaining.registry import model_names
from melian.bargaining.validation.backtest import backtest
from melian.bargaining.validation.calibration import distribution_backtest


def main() -> None:
    t0 = time.perf_counter()
    issues = read_deu(packaged_path("deu-dev.tsv"), capability="gdp")
    t_read = time.perf_counter() - t0
    names = model_names()
    t1 = time.perf_counter()
    res = backtest(issues, names)
    total = time.perf_counter() - t1
    print(f"python {platform.python_version()}, read {t_read:.3f} s")
    print(
        f"{'model':12s} {'seconds':>8s} {'n':>4s} {'failed':>6s} {'meanAE':>7s} {'diff':>6s} CI95"
    )
    for r in res.models.values():
        lo, hi = r.diff_ci
        print(
            f"{r.model:12s} {r.seconds:8.2f} {r.n:4d} {len(r.failures):6d} {r.mean_ae:7.2f} "
            f"{r.diff_mean_ae:+6.2f} [{lo:+.2f}, {hi:+.2f}]"
        )
    print(f"total backtest wall time (all models + bootstrap): {total:.2f} s")
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    issues = read_deu(packaged_path("deu-dev.tsv"), capability="gdp", missing_salience=50)
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        load = os.getloadavg()[0]
        w0, c0 = time.perf_counter(), time.process_time()
        res = backtest(issues, names)
        pts = {
            m: np.array([np.nan if p["forecast"] is None else p["forecast"] for p in r.predictions])
            for m, r in res.models.items()
        }
        dist = distribution_backtest(issues, pts, seed=res.seed, n_boot=res.n_boot, folds=10)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        print(f"with distributions: wall {wall:.1f} s, CPU {cpu:.1f} s (load average {load:.1f})")
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    ens = dist.summary["ensemble"]
    print(
        f"best of {repeat}: wall {best_wall:.1f} s, CPU {best_cpu:.1f} s; ensemble CRPS "
        f"{ens['crps']:.2f}, 80% coverage {ens['coverage80']:.3f}"
    )


if __name__ == "__main__":
    main()
