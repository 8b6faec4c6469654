"""The world engine's compiled kernels (melian.world._kernels) give the numpy code's numbers.

The kernels perform the numpy code's operations in the same order, element by element, so a
whole simulation (every outcome histogram, event count and band) is bitwise the same with them
and without them: on both built-in scenarios (every option; the budget's devaluations, borrowing
law, sanctions and credits all happen on these paths) and with the budget's flows recorded
(the numpy path) beside them.
"""

from __future__ import annotations

import json

import pytest

from melian.analysis.simulate import simulate
from melian.scenario import load_scenario
from melian.world.components import base

pytest.importorskip("numba")


def _run(s, monkeypatch, numpy_only: bool) -> str:
    monkeypatch.setattr(base, "NUMPY_ONLY", numpy_only)
    e = simulate(s, s.option_ids, paths=3000, horizon=72, seed=11, workers=1)
    return json.dumps(e.to_dict(), sort_keys=True, default=str)


@pytest.mark.parametrize("name", ["iraq-us-2020", "kyrgyzstan-manas-2009"])
def test_simulation_with_kernels_equals_numpy(name, monkeypatch) -> None:
    s = load_scenario(name)
    want = _run(s, monkeypatch, True)
    assert base.compiled("budget_months") is None  # the numpy path was the one run
    got = _run(s, monkeypatch, False)
    assert base.compiled("budget_months") is not None
    assert got == want


def test_budget_paths_exercise_every_branch(monkeypatch) -> None:
    # the comparison above means something only if devaluations, a binding borrowing law and
    # salary arrears happen on its paths
    monkeypatch.setattr(base, "NUMPY_ONLY", False)
    s = load_scenario("iraq-us-2020")
    e = simulate(s, s.option_ids, paths=3000, horizon=72, seed=11, workers=1).to_dict()
    for o in e["options"].values():
        p = o["probabilities"]
        assert 0.05 < p["devaluation"] < 1.0 and 0.05 < p["salary_crisis"] < 1.0
    law = [c for c in s.world.components if c.kind == "commodity_budget"]
    assert law and "borrowing_authorised" in law[0].parameters
