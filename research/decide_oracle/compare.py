"""Compare melian's exchange model with the committed decide outputs, round by round.

Runs in melian's environment (no decide needed): for every case in tests/data/decide_oracle it
runs ``exchange`` with ``variant="melian"`` and ``variant="decide"`` and prints the largest
absolute difference (0-100 scale) from decide's per-round voting outcomes, start (preference)
outcomes, voting positions and start positions.

    PYTHONPATH=src python -m research.decide_oracle.compare
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from melian.bargaining.base import BargainingProblem
from melian.bargaining.exchange import run

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "decide_oracle"


def load_problem(data: dict) -> BargainingProblem:
    """An exported problem as melian's BargainingProblem (null = absent, salience 0 there)."""
    pos = np.array([[np.nan if v is None else v for v in r] for r in data["position"]], float)
    sal = np.array([[0.0 if v is None else v for v in r] for r in data["salience"]], float)
    m = len(data["issues"])
    return BargainingProblem(
        actors=tuple(data["actors"]),
        issues=tuple(data["issues"]),
        capability=np.array(data["capability"], float),
        position=pos,
        salience=sal,
        scale=np.array(data["scale"], float),
        reference=np.full(m, np.nan),
        name=data["name"],
    )


def oracle_arrays(ref: dict) -> dict[str, np.ndarray]:
    """decide's per-round series as arrays (rounds, ...) on the 0-100 scale."""

    def arr(key: str) -> np.ndarray:
        return np.array(
            [[[np.nan if v is None else v for v in row] for row in r[key]] for r in ref["rounds"]]
        )

    return {
        "voting_outcome": np.array([r["voting_outcome"] for r in ref["rounds"]]),
        "start_outcome": np.array([r["start_outcome"] for r in ref["rounds"]]),
        "voting_position": arr("voting_position"),
        "start_position": arr("start_position"),
    }


def melian_arrays(problem: BargainingProblem, variant: str, rounds: int) -> dict[str, np.ndarray]:
    """melian's per-round series, normalised to 0-100 like decide's."""
    fc = run(problem, rounds=rounds, variant=variant)
    lo, hi = problem.scale[:, 0], problem.scale[:, 1]

    def norm(v: np.ndarray) -> np.ndarray:
        return (v - lo) / (hi - lo) * 100.0

    traj = np.stack([f.trajectory for f in fc.issues], axis=-1)  # (rounds+1, actors, issues)
    if variant == "decide":
        vo = np.array([fc.extra["voting_outcome"][k] for k in problem.issues]).T
        so = np.array([fc.extra["start_outcome"][k] for k in problem.issues]).T
        sp = np.stack(
            [
                np.array(
                    [
                        [np.nan if v is None else v for v in fc.extra["start_positions"][k][a]]
                        for a in problem.actors
                    ]
                ).T
                for k in problem.issues
            ],
            axis=-1,
        )
        return {
            "voting_outcome": norm(vo),
            "start_outcome": norm(so),
            "voting_position": norm(traj[1:]),
            "start_position": norm(sp[:-1]),
        }
    # melian: the positions after round r are both round r's voting and round r+1's start
    w = problem.capability[:, None] * problem.salience  # melian's variant: no issue power
    out = []
    for row in traj:
        ww = np.where(np.isnan(row), 0.0, w)
        out.append(np.nansum(ww * np.nan_to_num(row), axis=0) / ww.sum(axis=0))
    o = np.array(out)
    last = len(traj) - 1  # melian stops early when a round executes nothing
    idx_v = [min(r + 1, last) for r in range(rounds)]
    idx_s = [min(r, last) for r in range(rounds)]
    return {
        "voting_outcome": norm(o[idx_v]),
        "start_outcome": norm(o[idx_s]),
        "voting_position": norm(traj[idx_v]),
        "start_position": norm(traj[idx_s]),
    }


def case_problem(case: str) -> BargainingProblem:
    """The case's problem: an exported JSON, or a decide file read by melian's importer."""
    if (DATA / f"{case}.csv").exists():
        from melian.bargaining.adapters import problem_from_scenario
        from melian.scenario.importers import from_decide

        return problem_from_scenario(from_decide(DATA / f"{case}.csv"))
    return load_problem(json.loads((DATA / f"{case}.input.json").read_text(encoding="utf-8")))


def max_diffs(case: str, variant: str) -> dict[str, float]:
    ref = json.loads((DATA / f"{case}.decide.json").read_text(encoding="utf-8"))
    rounds = ref["settings"]["rounds"]
    got = melian_arrays(case_problem(case), variant, rounds)
    want = oracle_arrays(ref)
    return {k: float(np.nanmax(np.abs(got[k] - want[k]))) for k in want}


def main(argv: list[str]) -> None:
    cases = argv or sorted(p.name.removesuffix(".decide.json") for p in DATA.glob("*.decide.json"))
    print(
        "| case | variant | voting outcome | start outcome | voting positions | start positions |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for case in cases:
        for variant in ("melian", "decide"):
            d = max_diffs(case, variant)
            print(
                f"| {case} | {variant} | {d['voting_outcome']:.4g} | {d['start_outcome']:.4g} "
                f"| {d['voting_position']:.4g} | {d['start_position']:.4g} |"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
