"""Benchmark of melian.explore: Dask overhead per task, 1 -> 2 worker scaling, Sobol N = 1024.

Run: ``.venv/bin/python benchmarks/bench_explore.py [--quick] [--paths P]``. Prints a Markdown
section for benchmarks/RESULTS.md. Parts:

1. overhead per task: the Ishigami function (microseconds per experiment) in chunks of one
   experiment, on a 2-worker LocalCluster, against in-process;
2. scaling: the built-in scenario's world model, the same experiments on 1 and 2 workers;
3. Sobol with N = 1024 base samples over every uncertain parameter of the built-in scenario,
   on a 2-worker LocalCluster.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from melian.explore.model import latin_hypercube
from melian.explore.parallel import Evaluator
from melian.explore.sensitivity import sobol
from melian.explore.testfunctions import ishigami_model


def overhead(n_tasks: int) -> tuple[float, float]:
    """Seconds per task on a 2-worker LocalCluster (chunks of 1) and the cluster start-up."""
    m = ishigami_model()
    u = latin_hypercube(3, n_tasks, 1)
    t0 = time.perf_counter()
    with Evaluator("synchronous", chunk_size=1) as ev:
        ev.run(m, u, 1)
    t_sync = time.perf_counter() - t0
    with Evaluator("local", workers=2, chunk_size=1) as ev:
        t0 = time.perf_counter()
        ev.run(m, u[:2], 1)  # starts the cluster
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        ev.run(m, u, 1)
        t_run = time.perf_counter() - t0
    return (t_run - t_sync) / n_tasks, t_start


def world_or_none(paths: int):  # noqa: ANN201
    """The built-in scenario's world model, or None with the reason."""
    from melian.errors import MelianError
    from melian.explore.world import world_model
    from melian.scenario import load_scenario

    try:
        return world_model(load_scenario("iraq-us-2020"), paths_per_sample=paths), None
    except MelianError as exc:
        return None, str(exc).splitlines()[0]


def main() -> None:
    """Run the benchmark and print the RESULTS.md section."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller runs")
    ap.add_argument("--paths", type=int, default=16, help="world paths per experiment")
    ap.add_argument("--sobol-n", type=int, default=1024)
    args = ap.parse_args()
    lines = [f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}.", ""]
    per_task, start = overhead(300 if args.quick else 2000)
    lines.append(
        f"- Dask LocalCluster (2 workers): start-up {start:.1f} s; overhead "
        f"{1000 * per_task:.2f} ms per task (Ishigami, 1 experiment per task)."
    )
    model, why = world_or_none(args.paths)
    if model is None:
        lines.append(f"- World model not runnable on the built-in scenario: {why}")
        print("\n".join(lines))
        return
    n_exp = 512 if args.quick else 2048
    u = latin_hypercube(model.k, n_exp, 3)
    t1 = t2 = 0.0
    for w in (1, 2):
        with Evaluator("local", workers=w, chunk_size=128) as ev:
            ev.run(model, u[:128], 1)  # warm the workers
            t0 = time.perf_counter()
            r = ev.run(model, u, 1)
            dt = time.perf_counter() - t0
        if w == 1:
            t1, ref = dt, r
        else:
            t2 = dt
            same = all(np.array_equal(ref[o][k], r[o][k]) for o in r for k in r[o])
    n_opt = len(model.options)
    lines.append(
        f"- World model ({model.k} uncertain parameters, {n_opt} options, "
        f"{args.paths} paths per experiment): {n_exp} experiments x {n_opt} options in "
        f"{t1:.1f} s on 1 worker, {t2:.1f} s on 2 workers (speed-up {t1 / t2:.2f}); "
        f"results identical: {same}."
    )
    n = 256 if args.quick else args.sobol_n
    with Evaluator("local", workers=2, chunk_size=128) as ev:
        t0 = time.perf_counter()
        res = sobol(model, n, seed=1, evaluator=ev)
        dt = time.perf_counter() - t0
    runs = res.runs
    lines.append(
        f"- Sobol N = {n} over all {model.k} uncertain parameters ({runs} world runs of "
        f"{args.paths} paths, {len(res.outputs)} outputs analysed) on a 2-worker "
        f"LocalCluster: {dt:.1f} s (target: under 300 s)."
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
