"""Benchmark of melian.world on the built-in scenario: throughput, the 1M x 5 x 120 run, memory.

Run: .venv/bin/python benchmarks/bench_world.py [--big]
Throughput is path-months per second of simulation (oil calibration, done once per process and
cached, is timed separately). Memory: peak RSS of a fresh process for growing path counts.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

from melian.scenario import load_scenario
from melian.world import simulate
from melian.world.engine import oil, prepare

CHILD = """
import resource, sys
from melian.scenario import load_scenario
from melian.world import simulate
s = load_scenario('iraq-us-2020')
simulate(s, options=['drift'], paths=int(sys.argv[1]), horizon=120, workers=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    s = load_scenario("iraq-us-2020")
    t0 = time.perf_counter()
    prepare(s, None, 120)
    print(f"calibration (oil model choice + fit, attacks): {time.perf_counter() - t0:.1f} s")
    print(f"oil model: {oil.calibrate.cache_info()}")
    for workers, paths in ((1, 65_536), (2, 131_072)):
        t0 = time.perf_counter()
        simulate(s, paths=paths, horizon=120, workers=workers, chunk_size=16_384)
        dt = time.perf_counter() - t0
        pm = paths * 5 * 120
        print(f"workers={workers}: {paths:,} paths x 5 options x 120 months in {dt:.1f} s = "
              f"{pm / dt / 1e6:.2f} M path-months/s")
    if "--big" in sys.argv:
        t0 = time.perf_counter()
        simulate(s, paths=1_000_000, horizon=120, workers=2, chunk_size=65_536)
        dt = time.perf_counter() - t0
        print(f"1,000,000 paths x 5 options x 120 months, 2 workers: {dt:.1f} s "
              f"({6e8 / dt / 1e6:.2f} M path-months/s)")
    for paths in (16_384, 131_072, 524_288):
        out = subprocess.run([sys.executable, "-c", CHILD, str(paths)], capture_output=True,
                             text=True, check=True).stdout.split()[-1]
        print(f"peak RSS, {paths:,} paths x 120 months (1 option, 1 process): {float(out):.0f} MB")
    print(f"this process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
