"""Determinism: the same inputs and seed give byte-identical output.

* CLI analyses rerun in fresh processes (with different ``PYTHONHASHSEED``, so that set and dict
  ordering of str hashes cannot leak into the output) print the same bytes.
* The world simulation gives byte-identical JSON across chunk sizes and 1, 2 and 4 worker
  processes (each block of paths has its own ``SeedSequence`` child keyed by option and block).
* Exploratory analyses give byte-identical results across 1, 2 and 4 worker processes. The world
  model draws common random numbers (every experiment of a call sees the same noise), so its
  explorations are also invariant to ``chunk_size`` (tested); a generic noisy model without common
  random numbers draws chunk ``i``'s noise from child ``i`` of the seed, so for it the chunking is
  part of the experiment's definition; noise-free models are chunk-invariant (tested).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from melian.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
WORLD_TEST = ROOT / "tests" / "world" / "data" / "world-test.yaml"

CLI_RUNS = {
    "forecast-all-json": ["forecast", "iraq-us-2020", "--model", "all", "--json"],
    "export-yaml": ["scenarios", "export", "iraq-us-2020"],
    "export-json": ["scenarios", "export", "iraq-us-2020", "--format", "json"],
}


def _start(args: list[str], hashseed: str, store: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONHASHSEED=hashseed, MELIAN_STORE=f"sqlite:///{store}")
    env.pop("COLUMNS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "melian.cli", *args] if _has_main() else [_melian(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )


def _has_main() -> bool:
    return (ROOT / "src" / "melian" / "cli" / "__main__.py").exists()


def _melian() -> str:
    return str(Path(sys.executable).with_name("melian"))


@pytest.mark.parametrize("name", sorted(CLI_RUNS))
def test_cli_output_is_byte_identical_across_processes(name: str, tmp_path: Path) -> None:
    args = CLI_RUNS[name]
    procs = [_start(args, seed, tmp_path / f"store{seed}.db") for seed in ("0", "4242")]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
        outs.append(out)
    assert len(outs[0]) > 1000
    assert outs[0] == outs[1]
    if name.endswith("json"):
        json.loads(outs[0])


@pytest.fixture(scope="module")
def world_scenario():
    return load_scenario(WORLD_TEST)


def test_world_simulation_identical_across_chunks_and_workers(world_scenario) -> None:
    """Byte-identical JSON for chunk sizes 1 block, 3 blocks and all paths, and 1, 2, 4 workers."""
    from melian.world import BLOCK, simulate

    opts = world_scenario.option_ids[:2]
    kw = {"options": opts, "paths": 5 * BLOCK + 123, "horizon": 18, "seed": 77}
    runs = {
        (chunk, workers): simulate(world_scenario, chunk_size=chunk, workers=workers, **kw)
        for chunk, workers in [
            (BLOCK, 1),
            (3 * BLOCK, 1),
            (10**9, 1),
            (1, 2),
            (BLOCK, 4),
            (2 * BLOCK, 2),
        ]
    }
    texts = {k: json.dumps(v.to_dict(), sort_keys=True) for k, v in runs.items()}
    ref = texts[(BLOCK, 1)]
    assert '"paths": 41083' in ref
    for k, t in texts.items():
        assert t == ref, f"chunk_size={k[0]}, workers={k[1]} differs"


def _canon(d: dict) -> str:
    """Canonical JSON of a result without its wall-clock ``seconds`` (the only timing field)."""
    return json.dumps({k: v for k, v in d.items() if k != "seconds"}, sort_keys=True)


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_explore_identical_across_worker_counts(workers: int) -> None:
    """A noisy model: Sobol results are byte-identical in-process and on 1, 2, 4 processes."""
    from melian.explore import sobol
    from melian.explore.parallel import Evaluator
    from melian.explore.testfunctions import ishigami_model

    model = ishigami_model(options=("a", "b"), noise=0.5)
    with Evaluator("synchronous", chunk_size=64) as ev:
        ref = _canon(sobol(model, 64, seed=3, evaluator=ev).to_dict())
    with Evaluator("processes", workers=workers, chunk_size=64) as ev:
        got = _canon(sobol(model, 64, seed=3, evaluator=ev).to_dict())
    assert got == ref


def test_explore_noise_free_results_do_not_depend_on_chunk_size() -> None:
    from melian.explore import sobol
    from melian.explore.parallel import Evaluator
    from melian.explore.testfunctions import ishigami_model

    model = ishigami_model(options=("a", "b"))
    outs = []
    for chunk in (7, 64, 10_000):
        with Evaluator("synchronous", chunk_size=chunk) as ev:
            outs.append(_canon(sobol(model, 64, seed=3, evaluator=ev).to_dict()))
    assert outs[0] == outs[1] == outs[2]


def test_world_exploration_does_not_depend_on_chunk_size_or_workers() -> None:
    """World-model PRIM/regret ensembles: identical for chunk sizes 5, 16, 64 and 1 or 2 processes."""
    from melian.explore import explore
    from melian.scenario import load_scenario

    s = load_scenario("iraq-us-2020")
    outs = []
    for chunk, scheduler, workers in [
        (64, "synchronous", None),
        (5, "synchronous", None),
        (16, "processes", 2),
    ]:
        r = explore(
            s,
            "regret",
            samples=40,
            paths_per_sample=4,
            horizon=12,
            seed=9,
            chunk_size=chunk,
            scheduler=scheduler,
            workers=workers,
        )
        outs.append(_canon(r.to_dict()))
    assert outs[0] == outs[1] == outs[2]
