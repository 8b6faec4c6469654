"""Benchmark of exploring the game and the whole decision (issue 14's joint ensemble).

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_joint.py [--repeat 3]`` (point
``PYTHONPATH`` at another tree's ``src`` to time it; parts the tree does not have are skipped).
Each part is best of ``--repeat`` runs, in process, with the load average before and after:

1. the alliance game explored alone: PRIM over 1,024 sampled futures of iraq-us-2020's uncertain
   game parameters (``explore(..., on="game")``, one process);
2. the whole decision (``on="joint"``): PRIM over the quick brief's 256 futures of
   kyrgyzstan-manas-2009 (no world: game and bargaining inputs) and of iraq-us-2020 (world, game
   and bargaining inputs; 8 paths per future to start, at most 32, 120 months), one process.
"""

from __future__ import annotations

import argparse
import os

from bench_robustness import _best  # the same best-of-N timing with the load average


def main() -> None:
    """Run the benchmark and print lines for benchmarks/RESULTS.md."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default="game,joint")
    args = ap.parse_args()
    from melian.explore import explore
    from melian.scenario import load_scenario

    only = set(args.only.split(","))
    iraq = load_scenario("iraq-us-2020")
    manas = load_scenario("kyrgyzstan-manas-2009")
    print(f"Machine: {os.cpu_count()} cores.", flush=True)
    if "game" in only:
        _best(
            "game explored alone, PRIM, 1,024 futures of iraq-us-2020",
            lambda: explore(iraq, "prim", on="game", samples=1024, scheduler="synchronous"),
            args.repeat,
        )
    if "joint" in only:
        try:
            from melian.explore import joint  # noqa: F401
        except ImportError:
            print("- joint: not in this tree", flush=True)
            return
        quick = {"samples": 256, "paths_per_sample": 8, "max_paths": 32}
        for s in (manas, iraq):
            _best(
                f"whole decision (joint), PRIM, 256 futures of {s.id}",
                lambda s=s: explore(s, "prim", on="joint", scheduler="synchronous", **quick),
                args.repeat,
            )


if __name__ == "__main__":
    main()
