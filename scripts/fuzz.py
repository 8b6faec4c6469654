#!/usr/bin/env python3
"""Long fuzz job over the scenario loader and every importer (KTAB CSV, DEU TSV, decide tables).

Usage::

    .venv/bin/python scripts/fuzz.py --examples 100000            # hypothesis, all targets
    .venv/bin/python scripts/fuzz.py --examples 20000 --targets ktab deu --jobs 2
    .venv/bin/python scripts/fuzz.py --engine atheris --examples 50000 --targets scenario

Engines:

* ``hypothesis`` (default): the structure-aware strategies of ``tests/fuzz/fuzz_targets.py``
  (mutated real files, random bytes). Examples are split over the targets by ``--weights``.
* ``atheris`` (coverage-guided libFuzzer, if ``atheris`` is installed): raw bytes mutated by
  libFuzzer from a corpus of the same seed files; ``--examples`` runs per target.

Unlike the pytest property, a failing input does not stop the job: every crash (an exception that
is not a MelianError) and every contract violation (a refusal without file, line or readable
message) is counted, its first input saved under ``--out`` (default ``fuzz-out/``) and its
signature printed. The job prints a JSON summary and exits 1 if anything failed.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

DEFAULT_WEIGHTS = {"scenario": 0.4, "ktab": 0.2, "deu": 0.2, "decide": 0.2}


def _signature(exc: BaseException) -> str:
    """Exception type and innermost melian frame (or innermost frame) of a failure."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/melian/" in f.filename] or frames
    f = ours[-1] if ours else None
    where = f"{Path(f.filename).name}:{f.lineno}" if f else "?"
    detail = str(exc)[:120] if type(exc).__name__ == "ContractViolation" else ""
    return f"{type(exc).__name__} at {where} {detail}".strip()


class Recorder:
    """Counts outcomes of one target and keeps the first input of each failure signature."""

    def __init__(self, target: str, out: Path) -> None:
        self.target = target
        self.out = out
        self.counts: collections.Counter[str] = collections.Counter()
        self.failures: dict[str, str] = {}

    def feed(self, run_one: object, target: object, data: bytes) -> None:
        """Run one input; never raise (so the fuzzer keeps going)."""
        try:
            self.counts[run_one(target, data)] += 1  # type: ignore[operator]
        except RecursionError as exc:  # would otherwise be swallowed oddly by engines
            self._fail(exc, data)
        except Exception as exc:  # noqa: BLE001 - a crash is what we are looking for
            self._fail(exc, data)
        n = sum(self.counts.values())
        if n % 5000 == 0:
            print(f"[{self.target}] {n} inputs: {dict(self.counts)}", flush=True)

    def _fail(self, exc: BaseException, data: bytes) -> None:
        sig = _signature(exc)
        kind = "violation" if type(exc).__name__ == "ContractViolation" else "crash"
        self.counts[kind] += 1
        if sig not in self.failures:
            self.out.mkdir(parents=True, exist_ok=True)
            path = self.out / f"{self.target}-{len(self.failures) + 1}.bin"
            path.write_bytes(data)
            self.failures[sig] = str(path)
            print(f"[{self.target}] NEW {kind}: {sig} -> {path}", flush=True)

    def summary(self, seconds: float) -> dict[str, object]:
        """Counts, failures and wall time of this target."""
        total = sum(self.counts.values())
        return {
            "target": self.target,
            "inputs": total,
            "accepted": self.counts["accepted"],
            "refused": self.counts["refused"],
            "crashes": self.counts["crash"],
            "violations": self.counts["violation"],
            "failures": self.failures,
            "seconds": round(seconds, 1),
        }


def run_hypothesis(target_name: str, examples: int, out: str) -> dict[str, object]:
    """Generate ``examples`` inputs for one target with hypothesis (no shrinking, no database)."""
    from fuzz_targets import TARGETS, run_one
    from hypothesis import HealthCheck, Phase, given, settings

    target = TARGETS[target_name]
    rec = Recorder(target_name, Path(out))

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def prop(data: bytes) -> None:
        rec.feed(run_one, target, data)

    t0 = time.time()
    # hypothesis stops generating early when it decides it has exhausted the space or too many
    # draws overrun: run rounds until the count is reached
    while sum(rec.counts.values()) < examples:
        before = sum(rec.counts.values())
        prop()
        if sum(rec.counts.values()) == before:
            break
    return rec.summary(time.time() - t0)


def _atheris_child(target_name: str, runs: int, out: str, summary_path: str) -> None:
    """Body of an atheris child process (libFuzzer exits the process when done)."""
    import atexit

    import atheris

    with atheris.instrument_imports(include=["melian"]):
        import fuzz_targets
    from fuzz_targets import TARGETS, run_one

    target = TARGETS[target_name]
    rec = Recorder(target_name, Path(out))
    t0 = time.time()

    def dump() -> None:
        Path(summary_path).write_text(json.dumps(rec.summary(time.time() - t0)))

    atexit.register(dump)  # libFuzzer leaves with _exit(): the summary is also kept up to date
    corpus = Path(out) / f"corpus-{target_name}"
    corpus.mkdir(parents=True, exist_ok=True)
    seeds = {
        "scenario": fuzz_targets.YAML_SEEDS,
        "ktab": fuzz_targets.KTAB_SEEDS,
        "deu": fuzz_targets.DEU_SEEDS,
        "decide": fuzz_targets.DECIDE_SEEDS,
    }[target_name]
    for k, text in enumerate(seeds):
        (corpus / f"seed-{k}").write_bytes(text.encode("utf-8"))

    def one(data: bytes) -> None:
        rec.feed(run_one, target, data)
        dump()

    atheris.Setup(
        [sys.argv[0], f"-runs={runs}", "-max_len=65536", "-rss_limit_mb=4096", str(corpus)], one
    )
    atheris.Fuzz()


def run_atheris(target_name: str, runs: int, out: str) -> dict[str, object]:
    """Run atheris on one target in a child process; read its summary back."""
    summary = Path(out) / f"atheris-{target_name}.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    code = (
        f"import sys; sys.argv=['fuzz']; sys.path.insert(0, {str(ROOT / 'scripts')!r}); "
        f"import fuzz as f; f._atheris_child({target_name!r}, {runs}, {out!r}, {str(summary)!r})"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    tail = "\n".join(proc.stderr.splitlines()[-5:])
    if not summary.exists():
        return {
            "target": target_name,
            "inputs": 0,
            "error": f"atheris exited {proc.returncode}: {tail}",
        }
    res = json.loads(summary.read_text())
    res["engine_log"] = tail
    return res


def main() -> int:
    """Parse arguments, run the targets (in parallel up to --jobs), print the JSON summary."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--examples",
        type=int,
        default=100_000,
        help="total inputs (hypothesis) or runs per target (atheris)",
    )
    ap.add_argument("--engine", choices=["hypothesis", "atheris"], default="hypothesis")
    ap.add_argument(
        "--targets", nargs="+", default=list(DEFAULT_WEIGHTS), choices=list(DEFAULT_WEIGHTS)
    )
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--out", default=str(ROOT / "fuzz-out"))
    ap.add_argument("--json", help="also write the summary to this file")
    args = ap.parse_args()

    weights = {t: DEFAULT_WEIGHTS[t] for t in args.targets}
    total_w = sum(weights.values())
    if args.engine == "hypothesis":
        plan = [(t, max(1, round(args.examples * w / total_w))) for t, w in weights.items()]
        fn = run_hypothesis
    else:
        plan = [(t, args.examples) for t in args.targets]
        fn = run_atheris
    t0 = time.time()
    ctx = mp.get_context("spawn")
    with ctx.Pool(max(1, args.jobs)) as pool:
        results = pool.starmap(fn, [(t, n, args.out) for t, n in plan])
    report = {
        "engine": args.engine,
        "python": sys.version.split()[0],
        "targets": results,
        "inputs": sum(int(r.get("inputs", 0)) for r in results),
        "crashes": sum(int(r.get("crashes", 0)) for r in results),
        "violations": sum(int(r.get("violations", 0)) for r in results),
        "seconds": round(time.time() - t0, 1),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return (
        1 if report["crashes"] or report["violations"] or any("error" in r for r in results) else 0
    )


if __name__ == "__main__":
    sys.exit(main())
