"""Write the bargaining problems the decide oracle is run on, as small JSON files.

Runs in melian's own environment (it reads the KTAB CSVs and the packaged DEU file with
melian's readers and draws the random problems with a seeded numpy Generator). The files it
writes, ``tests/data/decide_oracle/<case>.input.json``, are what both decide
(``run_oracle.py``, in the oracle environment) and melian's tests read, so both sides see the
same numbers.

    PYTHONPATH=src python -m research.decide_oracle.export_inputs
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np

from melian.bargaining.base import BargainingProblem
from melian.bargaining.io.deu import packaged_path, proposal_problem, read_deu
from melian.bargaining.io.ktab_csv import read_ktab_csv

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "decide_oracle"

KTAB = ["dummyData_3Dim", "SOE-Pol-Comp", "dummyData_6Dim"]  # the multi-issue KTAB inputs
DEU = ["d00032", "d96112", "d00062", "n00030", "d99204", "n00358"]  # no position with salience 0
RANDOM = [(1, 6, 3), (2, 10, 4), (3, 15, 5)]  # (seed, actors, issues)


def _cell(v: float) -> float | None:
    return None if math.isnan(v) else round(float(v), 10)


def problem_json(problem: BargainingProblem, source: str) -> dict:
    """A problem as plain JSON (``null`` = no position); saliences in [0, 1]."""
    return {
        "name": problem.name,
        "source": source,
        "actors": list(problem.actors),
        "issues": list(problem.issues),
        "scale": [[float(a), float(b)] for a, b in problem.scale],
        "capability": [float(c) for c in problem.capability],
        "position": [[_cell(v) for v in row] for row in problem.position],
        "salience": [
            [None if math.isnan(x) else _cell(s) for x, s in zip(xr, sr, strict=True)]
            for xr, sr in zip(problem.position, problem.salience, strict=True)
        ],
    }


def random_problem(seed: int, n: int, m: int) -> BargainingProblem:
    """Positions U(0, 100), saliences U(0.05, 1), capabilities U(1, 100), rounded to 2 digits."""
    rng = np.random.default_rng(seed)
    return BargainingProblem(
        actors=tuple(f"A{i:02d}" for i in range(n)),
        issues=tuple(f"I{k}" for k in range(m)),
        capability=np.round(rng.uniform(1, 100, n), 2),
        position=np.round(rng.uniform(0, 100, (n, m)), 2),
        salience=np.round(rng.uniform(0.05, 1, (n, m)), 2),
        scale=np.tile([0.0, 100.0], (m, 1)),
        reference=np.full(m, np.nan),
        name=f"random seed {seed}, {n} actors x {m} issues",
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    cases: dict[str, dict] = {}
    for name in KTAB:
        p = read_ktab_csv(ROOT / "tests" / "data" / "ktab" / f"{name}.csv")
        cases[f"ktab-{name}"] = problem_json(p, f"tests/data/ktab/{name}.csv (KTAB)")
    groups: dict[str, list] = defaultdict(list)
    for it in read_deu(packaged_path("deu-dev.tsv")):
        groups[it.proposal].append(it)
    for prop in DEU:
        p = proposal_problem(groups[prop])
        cases[f"deu-{prop}"] = problem_json(
            p, f"src/melian/data/deu/deu-dev.tsv proposal {prop} (GDP capabilities)"
        )
    for seed, n, m in RANDOM:
        p = random_problem(seed, n, m)
        cases[f"random-{seed}"] = problem_json(
            p, f"research/decide_oracle/export_inputs.py random_problem({seed}, {n}, {m})"
        )
    for case, data in cases.items():
        path = OUT / f"{case}.input.json"
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
