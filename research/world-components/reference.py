"""Reference outcomes of the built-in scenario from the world model before the component refactor.

Run from a checkout of the engine to record (the recorded file came from main at 2d488ac, the
last commit before `world.components`):

    PYTHONPATH=src python research/world-components/reference.py tests/data/world/iraq-us-2020-reference.json

Writes, per option, the mean, standard deviation and number of paths of every per-path outcome
and the probability of every event, for 131,072 paths x 120 months with seed 20200611. The test
tests/world/test_reference.py compares the component engine's results with these within the
Monte Carlo standard error of the difference of the two means.
"""

from __future__ import annotations

import json
import subprocess
import sys

from melian.scenario import load_scenario
from melian.world import simulate

PATHS = 131_072
HORIZON = 120
SEED = 20200611


def main(out: str) -> None:
    """Simulate every option and write the summary statistics to ``out``."""
    s = load_scenario("iraq-us-2020")
    ens = simulate(s, paths=PATHS, horizon=HORIZON, seed=SEED, workers=1)
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "unknown"
    data = {
        "recipe": "research/world-components/reference.py",
        "commit": rev,
        "scenario": "iraq-us-2020",
        "paths": PATHS,
        "horizon": HORIZON,
        "seed": SEED,
        "options": {},
    }
    for oid, r in ens.results.items():
        m = {
            k: {"mean": v.mean, "sd": v.sd, "p50": v.quantiles["p50"]} for k, v in r.metrics.items()
        }
        m["payroll_breakeven"] = {
            "mean": r.breakeven.mean,
            "sd": r.breakeven.sd,
            "p50": r.breakeven.quantiles["p50"],
        }
        data["options"][oid] = {
            "n": r.paths,
            "metrics": m,
            "probabilities": dict(r.probabilities),
        }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
