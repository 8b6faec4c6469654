"""Section 4 of docs/validation/world-validation.md: the replay of actual Brent, June 2020 - Dec 2021.

Run: python -m research.world_replay.replay [--paths 20000] [--seed 1] [--scenario iraq-us-2020]
Prints, per option, the event probabilities, the mean arrears months and the quarterly table of
the report, then the month-by-month salary stress of June 2020 - March 2021 (the months of the
2020 salary delays), in markdown.
"""

from __future__ import annotations

import argparse
import csv

from melian.scenario import load_scenario
from melian.world import replay
from melian.world.engine import data_dir


def brent_path(first: str = "2020-06", last: str = "2021-12") -> tuple[list[str], list[float]]:
    """Monthly Brent prices (US$/bbl) of the shipped EIA file from ``first`` to ``last``."""
    months, prices = [], []
    with open(data_dir() / "oil" / "brent-monthly-eia.csv") as f:
        for row in csv.DictReader(f):
            m = row["Date"][:7]
            if first <= m <= last:
                months.append(m)
                prices.append(float(row["Price"]))
    return months, prices


def main() -> None:
    """Run the replay for every option of the scenario and print the report's tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", default="iraq-us-2020")
    ap.add_argument("--options", nargs="*", default=None)
    a = ap.parse_args()
    s = load_scenario(a.scenario)
    months, brent = brent_path()
    monthly: dict[str, dict] = {}
    for opt in a.options or s.option_ids:
        r = replay(s, opt, brent, paths=a.paths, seed=a.seed)
        assert r["months"] == months, (r["months"][:2], months[:2])
        ev = {k: round(v, 5) for k, v in r["events"].items()}
        print(f"### {opt}\n")
        print(
            f"`{opt} {ev} {r['outcomes_mean']['arrears_months']:.5g}` (events: probabilities over the "
            f"{len(months)} months; last number: mean arrears months)\n"
        )
        print(
            "| month | Brent | reserves p50 (p05-p95) | salary stress mean | P(arrears) | debt p50 |"
        )
        print("|---|---|---|---|---|---|")
        R, S, D = r["reserves"], r["salary_stress"], r["debt"]
        for i in range(0, len(months), 3):
            print(
                f"| {months[i]} | {brent[i]:.2f} | {R['p50'][i]:.1f} ({R['p05'][i]:.1f}-"
                f"{R['p95'][i]:.1f}) | {S['mean'][i]:.3f} | {S['p_positive'][i]:.3f} | "
                f"{D['p50'][i]:.1f} |"
            )
        print()
        monthly[opt] = r
    print("### Salary stress month by month, June 2020 - March 2021\n")
    opts = list(monthly)
    print("| month | Brent | " + " | ".join(f"{o}: stress mean / P(arrears)" for o in opts) + " |")
    print("|---|---|" + "---|" * len(opts))
    for i in range(10):
        cells = [
            f"{monthly[o]['salary_stress']['mean'][i]:.3f} / "
            f"{monthly[o]['salary_stress']['p_positive'][i]:.3f}"
            for o in opts
        ]
        print(f"| {months[i]} | {brent[i]:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
