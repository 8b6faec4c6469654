"""Benchmark of melian.world on the built-in scenario: throughput, the 1M x 5 x 120 run, memory.

Run: .venv/bin/python benchmarks/bench_world.py [--big] [--no-memory]
Throughput is path-months per second of simulation (the oil calibration, memoised per process
and cached on disk, is timed separately). Each figure is printed with the 1-minute load average
at the time (other jobs on the machine slow it down). Memory: peak RSS of a fresh process for
growing path counts.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

from melian.scenario import load_scenario
from melian.world import oil, simulate
from melian.world.engine import prepare

CHILD = """
import resource, sys
from melian.scenario import load_scenario
from melian.world import simulate
s = load_scenario('iraq-us-2020')
simulate(s, options=['drift'], paths=int(sys.argv[1]), horizon=120, workers=int(sys.argv[2]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def load() -> str:
    """The 1-minute load average."""
    return f"load {os.getloadavg()[0]:.1f}"


def cpu() -> float:
    """CPU seconds used by this process and its finished children (worker processes)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def main() -> None:
    s = load_scenario("iraq-us-2020")
    t0 = time.perf_counter()
    prepare(s, None, 120)
    print(
        f"calibration (oil model choice + fit, attacks; disk cache {oil.cache_dir()}): "
        f"{time.perf_counter() - t0:.1f} s [{load()}]"
    )
    oil._MEMO.clear()
    t0 = time.perf_counter()
    os.environ["MELIAN_CACHE_DIR"] = ""
    try:
        prepare(s, None, 120)
    finally:
        del os.environ["MELIAN_CACHE_DIR"]
    print(f"calibration without any cache: {time.perf_counter() - t0:.1f} s [{load()}]")
    simulate(s, options=["drift"], paths=8192, horizon=12, workers=1)  # warm up
    runs = [(1, 65_536), (2, 131_072)] + ([(None, 1_000_000)] if "--big" in sys.argv else [])
    for workers, paths in runs:
        c0 = cpu()
        t0 = time.perf_counter()
        simulate(s, paths=paths, horizon=120, workers=workers)  # automatic chunks
        dt = time.perf_counter() - t0
        pm = paths * 5 * 120
        print(
            f"workers={workers or 'default (all cores)'}: {paths:,} paths x 5 options x 120 "
            f"months in {dt:.1f} s = {pm / dt / 1e6:.2f} M path-months/s; "
            f"{pm / (cpu() - c0) / 1e6:.2f} M path-months per CPU-second [{load()}]"
        )
    if "--no-memory" not in sys.argv:
        for workers, paths in (
            (1, 16_384),
            (1, 131_072),
            (1, 524_288),
            (2, 131_072),
            (2, 1_048_576),
        ):
            me, kids = subprocess.run(
                [sys.executable, "-c", CHILD, str(paths), str(workers)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            extra = f", largest worker {float(kids):.0f} MB" if workers > 1 else ""
            print(
                f"peak RSS, {paths:,} paths x 120 months (1 option, {workers} worker(s)): "
                f"main process {float(me):.0f} MB{extra}"
            )
    print(
        f"this process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
