"""Timings of melian.games on the built-in scenario (run: .venv/bin/python benchmarks/bench_games.py).

Measures: building both forms (payoff components at every leaf), backward induction, the pygambit
solvers on the normal form (enumpure, enumpoly, logit branch), the extensive-form checks, and the
one-parameter claim-condition sweeps that ``melian game`` runs by default.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from melian.games import analyse_game
from melian.games.build import extensive_form, leaf_components, normal_form
from melian.games.payoffs import game_data
from melian.games.solve import (
    gambit_logit_tree,
    mixed_equilibria,
    pure_equilibria,
    qre_branch,
    subgame_perfect,
)
from melian.scenario import load_scenario


def best_of(fn: Callable[[], Any], n: int = 3) -> float:
    """Best wall time of ``n`` runs, in seconds."""
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def main() -> None:
    """Print a Markdown table of timings."""
    s = load_scenario("iraq-us-2020")
    d = game_data(s)
    leaves = leaf_components(d)
    nf = normal_form(d, leaves)
    ef = extensive_form(d, leaves)
    game = nf.to_gambit()
    rows = [
        (
            "payoff components at all leaves (4 shock states x 30 profiles)",
            best_of(lambda: leaf_components(d)),
        ),
        ("backward induction (all SPE)", best_of(lambda: subgame_perfect(ef))),
        ("pygambit enumpure (normal form)", best_of(lambda: pure_equilibria(nf, game))),
        (
            "pygambit enumpoly (3 players, all isolated NE)",
            best_of(lambda: mixed_equilibria(nf, game)),
        ),
        (
            "pygambit logit QRE branch (normal form)",
            best_of(lambda: qre_branch(game, nf.players, nf.strategies)),
        ),
        ("pygambit agent-logit limit on the 4 subgames", best_of(lambda: gambit_logit_tree(ef), 1)),
        (
            "analyse_game, normal form, no sweeps",
            best_of(lambda: analyse_game(s, conditions=False), 1),
        ),
        (
            "analyse_game, extensive form, no sweeps",
            best_of(lambda: analyse_game(s, form="extensive", conditions=False), 1),
        ),
        (
            "analyse_game with claim conditions (5 points x 15 parameters x 2 framings)",
            best_of(lambda: analyse_game(s, points=5), 1),
        ),
    ]
    print("| step | seconds |\n|---|---|")
    for name, sec in rows:
        print(f"| {name} | {sec:.3f} |")


if __name__ == "__main__":
    main()
