"""Benchmark: levers for the focal actor across every bargaining model, with input uncertainty.

Target (issue 16): under 30 s on 2 cores for a built-in scenario.

Run: .venv/bin/python benchmarks/bench_advise.py [--scenario ID] [--draws N] [--workers W] [--repeat R]
Prints the load average before and after, the wall time of each repetition and the best, and
the number of model runs per world.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

from melian.advise import DEFAULT_DRAWS, advise
from melian.bargaining.registry import model_names
from melian.scenario import load_scenario


def _cpu() -> float:
    """User + system CPU seconds of this process and its finished children (the workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="iraq-us-2020")
    ap.add_argument("--actor", default=None)
    ap.add_argument("--draws", type=int, default=DEFAULT_DRAWS)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    s = load_scenario(a.scenario)
    model_names()
    advise(s, a.actor, models=["compromise"], draws=0, workers=1)  # warm caches (capabilities)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    times = []
    for _ in range(a.repeat):
        c0 = _cpu()
        t0 = time.perf_counter()
        lv = advise(s, a.actor, draws=a.draws, workers=a.workers, seed=1)
        times.append(time.perf_counter() - t0)
        cpu = _cpu() - c0
        print(f"  wall {times[-1]:.2f} s, CPU {cpu:.2f} s (this process + workers)")
    print(
        f"{a.scenario}: levers for {lv.actor}, {len(lv.models)} models ({', '.join(lv.models)}), "
        f"{lv.draws} sampled inputs + central, {len(lv.stance_options)} stance options, "
        f"{len(lv.targets)} persuasion targets, {len(lv.packages)} packages, workers={a.workers}"
    )
    print(f"best of {a.repeat}: {min(times):.2f} s; load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
