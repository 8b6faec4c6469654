"""Benchmark of the robustness computations (issue 14): breaking points and the brief's section.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_robustness.py [--repeat 3] [--skip-full]``.
Parts, each best of ``--repeat`` runs, with the load average before and after:

1. breaking points for all inputs of iraq-us-2020 (``explore(..., method="breaking")``, the
   default settings; with judgement uncertainty where the code has it on by default; on
   ``--scheduler``, by default the brief's LocalCluster on every core);
2. the quick brief's robustness section (``melian.brief.change.change_section``, "what would
   change the recommendation", per view; before issue 14 ``sections.robustness_section``);
3. the full brief's robustness section (unless ``--skip-full``).
"""

from __future__ import annotations

import argparse
import os
import time


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _best(label: str, fn, repeat: int) -> None:  # noqa: ANN001
    times = []
    before = _load()
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    print(
        f"- {label}: best of {repeat} {min(times):.1f} s (runs: "
        f"{', '.join(f'{t:.1f}' for t in times)}; load average before {before}, after {_load()})",
        flush=True,
    )


def main() -> None:
    """Run the benchmark and print lines for benchmarks/RESULTS.md."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-full", action="store_true")
    ap.add_argument("--only", default="breaking,quick,full")
    ap.add_argument(
        "--scheduler",
        default="local",
        help="breaking points' scheduler: local (the brief's, a LocalCluster on every core) or "
        "synchronous (one process)",
    )
    ap.add_argument(
        "--on",
        default=None,
        help="breaking points' model: joint, world or game (default: the code's default; joint "
        "since the joint ensemble, world before)",
    )
    args = ap.parse_args()
    from melian.analysis.brief import RUNNERS
    from melian.brief.base import Settings

    try:  # the brief's robustness section: "what would change the recommendation" since #14
        from melian.brief.change import change_section as robustness_section
    except ImportError:  # before it
        from melian.brief.sections import robustness_section
    from melian.explore import explore
    from melian.scenario import load_scenario

    s = load_scenario("iraq-us-2020")
    only = set(args.only.split(","))
    print(f"Machine: {os.cpu_count()} cores.", flush=True)
    if "breaking" in only:
        _best(
            f"breaking points, all inputs of iraq-us-2020 (on {args.on or 'the default'})",
            lambda: explore(
                s, "breaking", scheduler=args.scheduler, **({"on": args.on} if args.on else {})
            ),
            args.repeat,
        )

    def section(quick: bool) -> None:
        robustness_section(s, "en", Settings.make(quick=quick), RUNNERS, lambda m, f: None)

    if "quick" in only:
        _best("quick brief, robustness section", lambda: section(True), args.repeat)
    if "full" in only and not args.skip_full:
        _best("full brief, robustness section", lambda: section(False), args.repeat)


if __name__ == "__main__":
    main()
