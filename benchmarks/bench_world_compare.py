"""Same-run speed comparison of two versions of melian.world on the built-in scenario.

Run: .venv/bin/python benchmarks/bench_world_compare.py BEFORE_SRC AFTER_SRC [ROUNDS]
[--after-scenario FILE] (each a ``src`` directory, e.g. ``git archive 2d488ac src | tar -x -C
/tmp/before``; ``--after-scenario`` runs the after version on a scenario file, for example the
built-in scenario as an older commit declared it, so that both engines do the same work). Rounds
alternate the two versions, each in a fresh process (after a warm-up run that also loads the
price calibration from the cache): 65,536 paths x 5 options x 120 months on one worker. Prints
every round with the 1-minute load average and the best of each version (wall seconds and
path-months per CPU-second).
"""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = """
import resource, time
from melian.scenario import load_scenario
from melian.world import simulate
import os
s = load_scenario(os.environ.get("BENCH_SCENARIO", "iraq-us-2020"))
simulate(s, options=['drift'], paths=8192, horizon=12, workers=1)
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
c0, t0 = cpu(), time.perf_counter()
simulate(s, paths=65_536, horizon=120, workers=1)
print(time.perf_counter() - t0, cpu() - c0)
"""
PM = 65_536 * 5 * 120


def run(src: str, scenario: str = "iraq-us-2020") -> tuple[float, float]:
    """Wall and CPU seconds of one timed simulation of ``scenario`` with melian from ``src``."""
    env = dict(os.environ, PYTHONPATH=src, BENCH_SCENARIO=scenario)
    out = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    args = sys.argv[1:]
    after_scenario = "iraq-us-2020"
    if "--after-scenario" in args:
        i = args.index("--after-scenario")
        after_scenario = args[i + 1]
        del args[i : i + 2]
    before, after = args[0], args[1]
    rounds = int(args[2]) if len(args) > 2 else 3
    scenarios = {"before": "iraq-us-2020", "after": after_scenario}
    best: dict[str, list[tuple[float, float, float]]] = {"before": [], "after": []}
    for r in range(rounds):
        for name, src in (("before", before), ("after", after)):
            wall, cpu = run(src, scenarios[name])
            load = os.getloadavg()[0]
            best[name].append((wall, cpu, load))
            print(
                f"round {r + 1} {name}: {wall:.2f} s wall = {PM / wall / 1e6:.2f} M path-months/s; "
                f"{PM / cpu / 1e6:.2f} M per CPU-second [load {load:.1f}]",
                flush=True,
            )
    for name, xs in best.items():
        w = min(x[0] for x in xs)
        c = min(x[1] for x in xs)
        print(
            f"best {name}: {w:.2f} s wall ({PM / w / 1e6:.2f} M path-months/s), "
            f"{PM / c / 1e6:.2f} M path-months per CPU-second; loads "
            + ", ".join(f"{x[2]:.1f}" for x in xs)
        )


if __name__ == "__main__":
    main()
