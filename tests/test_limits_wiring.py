"""The resource caps are enforced where the work is requested, before anything is allocated."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.errors import LimitError
from melian.scenario import load_scenario

runner = CliRunner()


@pytest.fixture
def tiny_memory(monkeypatch):
    monkeypatch.setenv("MELIAN_MAX_MEMORY", "1M")


def test_simulate_refused_before_allocating(tiny_memory):
    from melian.world import simulate

    s = load_scenario("iraq-us-2020")
    with pytest.raises(LimitError, match="MELIAN_MAX_MEMORY"):
        simulate(s, paths=100_000, horizon=120)
    res = runner.invoke(app, ["simulate", "iraq-us-2020", "--paths", "100000"])
    assert res.exit_code == 2 and "MELIAN_MAX_MEMORY" in res.stderr


def test_evaluate_and_replay_refused(tiny_memory):
    from melian.world import evaluate, replay

    s = load_scenario("iraq-us-2020")
    with pytest.raises(LimitError):
        evaluate(s, "ally-us", {}, paths_per_sample=100_000, horizon=120)
    with pytest.raises(LimitError):
        replay(s, "ally-us", np.full(120, 50.0), paths=1_000_000)


def test_explore_refused(tiny_memory):
    from melian.explore import explore

    with pytest.raises(LimitError, match="exploring"):
        explore(load_scenario("iraq-us-2020"), "sobol", samples=1024, scheduler="synchronous")


def test_path_cap(monkeypatch):
    from melian.world import simulate

    monkeypatch.setenv("MELIAN_MAX_PATHS", "1000")
    with pytest.raises(LimitError, match="MELIAN_MAX_PATHS"):
        simulate(load_scenario("iraq-us-2020"), paths=5000, horizon=12)
