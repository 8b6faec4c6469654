"""Benchmark: the full DEU backtest of every registered model on the dev file (target < 60 s).

Run: .venv/bin/python benchmarks/bench_backtest.py
Prints per model the wall time, n, failures and mean absolute error, and the total wall time.
"""

from __future__ import annotations

import platform
import time

from melian.bargaining.backtest import backtest
from melian.bargaining.deu import packaged_path, read_deu
from melian.bargaining.registry import model_names


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


if __name__ == "__main__":
    main()
