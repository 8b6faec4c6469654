"""Criterion values from forecasts, judgements, the game and world statistics."""

from __future__ import annotations

import numpy as np
import pytest

from melian.analysis.rank import evidence
from melian.bargaining.adapters import problem_from_scenario
from melian.decide.evidence import forecast_values, gather_evidence, summarise
from melian.errors import ModelError
from melian.scenario import load_scenario


def test_forecast_evidence_is_compromise_with_focal_stance() -> None:
    s = load_scenario("iraq-us-2020")
    from melian.scenario.schema import Criterion

    crit = Criterion(
        id="sovereignty",
        name="presence near 40",
        direction="min",
        weight=1.0,
        measure={"kind": "forecast", "issue": "us-presence", "target": 40.0},
        source="seed",
    )
    s = s.model_copy(update={"criteria": [crit]})
    got = evidence(s).values["sovereignty"]
    p = problem_from_scenario(s, [crit.measure.issue])
    row = p.actors.index(s.focal.actor)
    for opt in s.focal.options:
        x = p.position[:, 0].copy()
        x[row] = opt.stance[crit.measure.issue]
        ok = ~np.isnan(x)
        cw = p.capability[ok] * p.salience[ok, 0]
        outcome = float((cw * x[ok]).sum() / cw.sum())
        assert got[opt.id] == pytest.approx(abs(outcome - crit.measure.target), rel=1e-9)
    # a bigger US presence in Iraq's stance moves the outcome away from its ideal point of 40
    assert got["ally-us"] != got["demand-withdrawal"]


def test_decide_takes_forecast_points_and_computes_no_model() -> None:
    """decide turns given forecast points into criterion values (distance to the target)."""
    from melian.scenario.schema import Criterion

    crit = Criterion(
        id="c",
        name="near 40",
        direction="min",
        weight=1.0,
        measure={"kind": "forecast", "issue": "us-presence", "target": 40.0},
        source="seed",
    )
    assert forecast_values([crit], {"c": {"a": 43.5, "b": 30.0}}) == {"c": {"a": 3.5, "b": 10.0}}
    s = load_scenario("iraq-us-2020").model_copy(update={"criteria": [crit]})
    with pytest.raises(ModelError, match="melian.analysis.rank"):
        gather_evidence(s)


def test_summary_statistics() -> None:
    v = np.arange(1.0, 101.0)
    assert summarise(v, "mean", "max") == pytest.approx(50.5)
    assert summarise(v, "median", "max") == pytest.approx(50.5)
    assert summarise(v, "cvar95", "max") == pytest.approx(3.0)  # mean of the worst 5: 1..5
    assert summarise(v, "cvar95", "min") == pytest.approx(98.0)  # worst for a cost: 96..100
    assert summarise(np.array([0.0, 1.0, 1.0, 0.0]), "probability", "min") == 0.5
    with pytest.raises(ModelError, match="probability"):
        summarise(v, "probability", "min")


def test_game_quantity_per_option() -> None:
    """Game criteria read the focal actor's payoff (or a component) at subgame-perfect replies."""
    from melian.games import option_values
    from melian.scenario import load_scenario

    s = load_scenario("iraq-us-2020")
    total = option_values(s, "total")
    assert set(total) == set(s.option_ids)
    parts = [
        option_values(s, c)
        for c in ("security", "autonomy", "economy", "abandonment", "entrapment")
    ]
    for o in s.option_ids:
        assert total[o] == pytest.approx(sum(p[o] for p in parts))
    with pytest.raises(ModelError, match="unknown game metric"):
        option_values(s, "happiness")
