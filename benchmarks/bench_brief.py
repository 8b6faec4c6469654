"""The decision brief's wall time (issue 17: quick <= 10 s, full <= 30 s on 2 cores).

Two measurements:

* **whole process** (``--runs N``, default 3): ``melian brief SCENARIO [--quick] --no-pdf
  --no-save`` as a user runs it, one fresh process per run, best of the runs with the load
  average before and after each, and the CPU time of the run with every process it started
  (less sensitive than the wall time to other work on a shared machine); with ``--before
  SRC`` the same command with the melian sources in SRC (e.g. a ``git archive`` of an older
  commit) runs interleaved with this tree's, so both see the same load;
* **per section, in process** (``--phases``): one brief in this process with a progress callback
  that records when each section's steps start, so the slow sections are named, and the longest
  waits between two progress messages (the bar must move at least every few seconds).

Usage::

    .venv/bin/python benchmarks/bench_brief.py --quick [--runs 3] [--before /tmp/old/src]
    .venv/bin/python benchmarks/bench_brief.py --quick --phases
    .venv/bin/python benchmarks/bench_brief.py            # the full brief (minutes)

Prints Markdown for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load() -> float:
    return os.getloadavg()[0]


def whole_process(
    src: Path, scenario: str, quick: bool, timeout: float
) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, with every process it started) and exit code
    of one ``melian brief`` process with ``src`` on the path.
    """
    env = {**os.environ, "PYTHONPATH": str(src)}
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "melian", "brief", scenario, "--no-pdf", "--no-save"]
        cmd += ["--out", out] + (["--quick"] if quick else [])
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        rc = subprocess.run(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout
        ).returncode
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        return wall, cpu, rc


def phases(
    scenario: str, quick: bool
) -> tuple[list[tuple[float, str]], list[tuple[float, float, str]]]:
    """(seconds since the start, step) where each step of one in-process brief starts, and
    every wait between two progress messages (seconds, start, the message before it).
    """
    sys.path.insert(0, str(ROOT / "src"))
    from melian.analysis.brief import brief
    from melian.scenario.loader import load_scenario

    s = load_scenario(scenario)
    t0 = time.perf_counter()
    seen: list[tuple[float, str]] = []
    every: list[tuple[float, str]] = [(0.0, "start")]

    def progress(msg: str, _frac: float) -> None:
        now = time.perf_counter() - t0
        every.append((now, msg))
        step = msg.split(":")[0]
        if not seen or seen[-1][1] != step:
            seen.append((now, step))

    brief(s, quick=quick, progress=progress)
    seen.append((time.perf_counter() - t0, "end"))
    every.append((seen[-1][0], "end"))
    waits = [(t1 - t, t, msg) for (t, msg), (t1, _) in zip(every, every[1:], strict=False)]
    return seen, sorted(waits, reverse=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="iraq-us-2020")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--before", type=Path, help="melian sources of the version to compare with")
    ap.add_argument("--phases", action="store_true", help="time the sections in process")
    ap.add_argument("--timeout", type=float, default=3600.0)
    a = ap.parse_args()
    kind = "quick" if a.quick else "full"
    if a.phases:
        seen, waits = phases(a.scenario, a.quick)
        print(f"### {kind} brief of {a.scenario} by section, in process (load {_load():.2f})\n")
        print("| section | starts at | seconds |\n|---|---|---|")
        for (t, step), (t_next, _) in zip(seen, seen[1:], strict=False):
            print(f"| {step} | {t:.1f} s | {t_next - t:.1f} |")
        print(f"| total | | {seen[-1][0]:.1f} |")
        print("\nLongest waits between two progress messages:\n")
        print("| wait | from | after |\n|---|---|---|")
        for w, t, msg in waits[:5]:
            print(f"| {w:.1f} s | {t:.1f} s | {msg} |")
        return
    versions = [("after (this tree)", ROOT / "src")]
    if a.before is not None:
        versions.append((f"before ({a.before})", a.before))
    times: dict[str, list[str]] = {label: [] for label, _ in versions}
    best: dict[str, float] = {}
    best_cpu: dict[str, float] = {}
    for _ in range(a.runs):
        for label, src in versions:
            l0 = _load()
            wall, cpu, rc = whole_process(src, a.scenario, a.quick, a.timeout)
            times[label].append(
                f"{wall:.1f} s, CPU {cpu:.1f} s (exit {rc}, load {l0:.2f} -> {_load():.2f})"
            )
            if rc == 0:
                best[label] = min(best.get(label, float("inf")), wall)
                best_cpu[label] = min(best_cpu.get(label, float("inf")), cpu)
    print(f"### {kind} brief of {a.scenario}, whole process (`melian brief --no-pdf --no-save`)\n")
    print("| version | runs | best wall | least CPU |\n|---|---|---|---|")
    for label, _ in versions:
        b, c = best.get(label), best_cpu.get(label)
        print(
            f"| {label} | {'; '.join(times[label])} | {'-' if b is None else f'{b:.1f} s'} "
            f"| {'-' if c is None else f'{c:.1f} s'} |"
        )


if __name__ == "__main__":
    main()
