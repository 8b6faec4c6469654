"""The engine's checks of world declarations, and a scenario without a world."""

from __future__ import annotations

from pathlib import Path

import pytest

from melian.errors import InputError
from melian.scenario import load_scenario
from melian.scenario.schema import Component
from melian.world import check, has_world, simulate

DATA = Path(__file__).parents[1] / "data" / "scenarios"
SYN = DATA / "synthetic-world.yaml"


def test_a_scenario_without_a_world_is_valid_and_simulate_says_so():
    s = load_scenario(DATA / "minimal.yaml").model_copy(deep=True)
    s.world.components.clear()
    assert not has_world(s) and check(s) == []
    with pytest.raises(InputError, match="no world to simulate"):
        simulate(s, paths=10, horizon=2)


def messages(s) -> str:
    return " | ".join(p.path + ": " + p.message for p in check(s))


def test_unknown_kind_parameter_and_missing_required_parameter():
    s = load_scenario(SYN).model_copy(deep=True)
    s.world.components.append(Component(id="x", kind="nope"))
    eco = s.world.component("economy")
    eco.parameters["typo"] = eco.parameters.pop("growth")
    m = messages(s)
    assert "unknown component kind 'nope'" in m
    assert "economy has no parameter 'typo'" in m
    assert "economy.growth" in m and "fraction/year" in m


def test_inputs_roles_states_and_cycles():
    s = load_scenario(SYN).model_copy(deep=True)
    s.world.component("economy").inputs["nope"] = "aid"
    m = messages(s)
    assert "economy has no input 'nope'" in m
    s = load_scenario(SYN).model_copy(deep=True)
    s.world.component("economy").inputs["transfers"] = ["closure"]
    assert "does not expose to_budget" in messages(s)
    s = load_scenario(SYN).model_copy(deep=True)
    s.world.component("closure").inputs["driver1"] = "aid.running"
    assert "cycle" in messages(s)
    s.world.component("closure").inputs["driver1"] = "economy.nope"
    assert "takes component.state" in messages(s)


def test_ranges_are_checked_over_the_support():
    s = load_scenario(SYN).model_copy(deep=True)
    p = s.world.component("aid").parameters
    p["loan_share"] = p["loan_share"].model_copy(update={"value": 1.5})
    assert "aid.loan_share must be [0, 1]" in messages(s)


def test_duplicate_names_need_a_rename():
    s = load_scenario(SYN).model_copy(deep=True)
    c = s.world.component("closure")
    s.world.components.append(c.model_copy(update={"id": "closure2"}))
    assert "rename one with names" in messages(s)
    s.world.components[-1] = c.model_copy(
        update={"id": "closure2", "names": {"event": "other", "event_months": "other_months"}}
    )
    assert check(s) == []
