"""Exploring the alliance game: its uncertain payoff parameters, options valued at equilibrium."""

from __future__ import annotations

import json

import numpy as np
import pytest

from melian.explore import explore
from melian.explore.game import game_model
from melian.explore.parallel import Evaluator
from melian.games import option_values
from melian.scenario import load_scenario


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("iraq-us-2020")


def test_game_model_matches_the_game_at_the_nominal_point(scenario):
    m = game_model(scenario)
    assert all(p.startswith("game.") for p in m.uncertainties)
    assert len(m.uncertainties) == len(
        [p for p in scenario.uncertain_parameters() if p.startswith("game.")]
    )
    # the nominal point of each parameter is its median: evaluate there and compare with the game
    u = np.full((1, m.k), 0.5)
    nominal = {p: float(scenario.parameters()[p].nominal) for p in m.uncertainties}
    assert {p: float(v[0]) for p, v in m.values(m.recommended, u).items()} == pytest.approx(nominal)
    want = option_values(scenario, "total")
    for o in scenario.option_ids:
        got = m.evaluate(o, u, seed=0)
        assert got["payoff"][0] == pytest.approx(want[o])
    chosen = [o for o in scenario.option_ids if m.evaluate(o, u, 0)["chosen"][0] == 1.0]
    assert len(chosen) == 1


def test_game_exploration_is_deterministic_and_chunk_invariant(scenario):
    outs = []
    for chunk in (7, 64):
        with Evaluator("synchronous", chunk_size=chunk) as ev:
            from melian.explore.sensitivity import morris

            r = morris(game_model(scenario), 6, seed=4, evaluator=ev).to_dict()
        outs.append(json.dumps({k: v for k, v in r.items() if k != "seconds"}, sort_keys=True))
    assert outs[0] == outs[1]
    r = explore(
        scenario, "morris", samples=6, scheduler="synchronous", on="game", framing="variable-sum"
    )
    keys = {o["key"] for o in r.to_dict()["outputs"]}
    assert any(k.endswith("/payoff") for k in keys)
