"""Whole-process wall time of the command line: ``melian --help`` and SMP forecasts of KTAB's inputs.

Each case is one fresh ``melian`` process (the console script next to this interpreter, with
the current ``PYTHONPATH``), timed from spawn to exit with its output discarded; one untimed
warm-up run, then the best of ``--repeat`` (default 10: the shared host's speed varies from run
to run). The KTAB inputs are the test copies in tests/data/ktab. CPU is the process's user +
system time (best of the runs), steadier than wall time when other jobs load the machine.
KTAB's figures are its own ``smpc`` built with -O2 on the same inputs and machine type (issue
12). Usage::

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5]
    .venv/bin/python benchmarks/bench_startup.py --before /tmp/melian-old/src   # before/after

Both trees are byte-compiled first (``compileall``), as pip does when it installs a wheel: with
``PYTHONDONTWRITEBYTECODE`` set (as on the CI machines) an editable tree would otherwise be
compiled from source in every process, about 0.1 s that no installed copy pays.

``--before SRC`` also times the same cases with the melian sources in SRC (e.g. a ``git archive``
of an older commit), interleaved case by case with this tree, so both see the same load.
Prints a Markdown section for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KTAB = ROOT / "tests" / "data" / "ktab"

#: (label, arguments, KTAB -O2 seconds or None, target seconds or None)
CASES: list[tuple[str, list[str], float | None, float | None]] = [
    ("melian --help", ["--help"], None, 0.3),
    *(
        (
            f"forecast {name} --model smp --json",
            ["forecast", str(KTAB / f"{name}.csv"), "--model", "smp", "--json"],
            ktab,
            target,
        )
        for name, ktab, target in (
            ("dummyData_3Dim", 0.064, 0.3),
            ("SOE-Pol-Comp", 0.43, 0.43),
            ("SOE-Policy", 1.98, 1.98),
            ("SOE-Competitive", 8.3, 0.41),
            ("dummyData-a040", None, None),
            ("dummyData-a080", 83.0, 83.0),
            ("dummyData-a160", 1426.0, 1426.0),
        )
    ),
]


def command() -> list[str]:
    """The ``melian`` console script of this interpreter's environment (or an equivalent)."""
    script = Path(sys.executable).with_name("melian")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from melian.cli import main; main()"]


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one ``melian ARGS`` process (exit status 0)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([*command(), *args], env=env, check=True, stdout=subprocess.DEVNULL, timeout=600)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def best_of(args: list[str], env: dict[str, str], repeat: int) -> tuple[float, float]:
    """One untimed warm-up run, then the best wall time and the best CPU time of ``repeat``."""
    run_once(args, env)
    runs = [run_once(args, env) for _ in range(repeat)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def env_with(src: Path | None) -> dict[str, str]:
    """This process's environment, with ``src`` first on PYTHONPATH when given."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    return env


def byte_compile(src: Path | None) -> None:
    """Write the ``.pyc`` files of the melian package in ``src`` (or the installed one)."""
    if src is None:
        spec = importlib.util.find_spec("melian")
        assert spec is not None and spec.origin is not None, "melian is not importable"
        package = Path(spec.origin).parent
    else:
        package = src / "melian"
    compileall.compile_dir(str(package), quiet=1)


def load() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> int:
    """Time every case and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--before", type=Path, help="melian sources (src/) of the version to compare")
    ap.add_argument("--only", action="append", help="only cases whose label contains this")
    args = ap.parse_args()
    now = env_with(None)
    byte_compile(None)
    if args.before:
        byte_compile(args.before)
    before = env_with(args.before) if args.before else None
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; best of {args.repeat} whole processes after one warm-up; "
        f"load average (1/5/15 min) at start {load()}\n"
    )
    head = "| command | KTAB -O2 | target | melian wall | melian CPU | load (1/5/15) |"
    rule = "|---|---|---|---|---|---|"
    if before is not None:
        head = (
            "| command | KTAB -O2 | target | before wall | after wall | before CPU | after CPU "
            "| load (1/5/15) |"
        )
        rule = "|---|---|---|---|---|---|---|---|"
    print(head)
    print(rule)
    for label, cargs, ktab, target in CASES:
        if args.only and not any(o in label for o in args.only):
            continue
        ref = "-" if ktab is None else f"{ktab:g} s"
        tgt = "-" if target is None else f"<= {target:g} s"
        if before is not None:
            b, bc = best_of(cargs, before, args.repeat)
            a, ac = best_of(cargs, now, args.repeat)
            print(
                f"| `{label}` | {ref} | {tgt} | {b:.3f} s | {a:.3f} s | {bc:.2f} s | {ac:.2f} s "
                f"| {load()} |",
                flush=True,
            )
        else:
            a, ac = best_of(cargs, now, args.repeat)
            met = "" if target is None else (" (met)" if a <= target else " (**not met**)")
            print(
                f"| `{label}` | {ref} | {tgt} | {a:.3f} s{met} | {ac:.2f} s | {load()} |",
                flush=True,
            )
    print(f"\nload average at the end {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
