"""Run melian's benchmarks and write the results into benchmarks/RESULTS.md (``make bench``).

Each benchmark script runs in its own process (this interpreter, the current ``PYTHONPATH``);
its output, wall time and the load average before and after are written into the section of
RESULTS.md between the markers below, which is replaced on every run. The rest of RESULTS.md
(earlier measurements, their context and the targets) is kept as it is. Usage::

    .venv/bin/python benchmarks/run_all.py            # every benchmark (about 5-10 minutes)
    .venv/bin/python benchmarks/run_all.py --quick    # start-up, SMP, BDM and the backtest
    .venv/bin/python benchmarks/run_all.py --only bench_startup.py --no-write

A benchmark that fails is reported (exit status and the end of its stderr) and the others still
run; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
BEGIN = "<!-- make bench: begin (written by benchmarks/run_all.py; do not edit by hand) -->"
END = "<!-- make bench: end -->"

#: (script, arguments, in --quick) in the order they run.
BENCHMARKS: list[tuple[str, list[str], bool]] = [
    ("bench_startup.py", [], True),
    ("bench_smp.py", [], True),
    ("bench_bdm.py", [], True),
    ("bench_backtest.py", [], True),
    ("bench_games.py", [], False),
    ("bench_world.py", ["--no-memory"], False),
    ("bench_explore.py", ["--quick"], False),
    ("bench_brief.py", ["--quick", "--runs", "1"], False),
    ("bench_store_web.py", ["--runs", "200", "--clients", "20", "--seconds", "10"], False),
]


def load() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's processor string)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    """One line describing the machine and the Python environment."""
    try:
        import numpy

        np_version = numpy.__version__
    except ImportError:  # pragma: no cover - numpy is a dependency
        np_version = "-"
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        mem = ""
    return (
        f"{platform.system()} {platform.machine()}, {cpu_model()}, {os.cpu_count()} CPUs{mem}; "
        f"Python {platform.python_version()}, numpy {np_version}"
    )


def run(script: str, args: list[str]) -> tuple[str, int]:
    """Run one benchmark script; return its Markdown report and exit status."""
    before = load()
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        capture_output=True,
        text=True,
        cwd=HERE.parent,
        check=False,
    )
    wall = time.perf_counter() - t0
    cmd = " ".join(["benchmarks/" + script, *args])
    lines = [
        f"### `{cmd}`",
        "",
        f"Wall time {wall:.1f} s; load average (1/5/15 min) {before} before, {load()} after; "
        f"exit status {proc.returncode}.",
        "",
    ]
    out = proc.stdout.rstrip()
    if out:
        lines += ["```text", out, "```", ""]
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.rstrip().splitlines()[-15:])
        lines += ["Failed; end of stderr:", "", "```text", tail, "```", ""]
    print(f"{cmd}: {wall:.1f} s, exit {proc.returncode}", flush=True)
    return "\n".join(lines), proc.returncode


def write_section(section: str) -> None:
    """Replace the generated section of RESULTS.md (inserted after the title block if absent)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{section.rstrip()}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail
    else:
        marker = "\n## "
        cut = text.find(marker)
        if cut == -1:
            text = text.rstrip() + "\n\n" + block + "\n"
        else:
            text = text[: cut + 1] + block + "\n\n" + text[cut + 1 :]
    RESULTS.write_text(text, encoding="utf-8")


def main() -> int:
    """Run the selected benchmarks and update RESULTS.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the quick benchmarks")
    ap.add_argument("--only", action="append", help="only this script (repeatable)")
    ap.add_argument("--no-write", action="store_true", help="print, do not update RESULTS.md")
    args = ap.parse_args()
    chosen = [
        (s, a)
        for s, a, quick in BENCHMARKS
        if (not args.quick or quick) and (not args.only or s in args.only)
    ]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"## Latest `make bench` run ({stamp})",
        "",
        f"Machine: {machine()}. Load average (1/5/15 min) at the start: {load()}. Each "
        "benchmark states how many runs it takes the best of (start-up: best of 5 whole "
        "processes). Earlier measurements, with their own context, follow this section.",
        "",
    ]
    status = 0
    for script, sargs in chosen:
        report, code = run(script, sargs)
        parts.append(report)
        status = status or (1 if code else 0)
    section = "\n".join(parts)
    if args.no_write:
        print(section)
    else:
        write_section(section)
        print(f"wrote {RESULTS.relative_to(HERE.parent)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
