import numpy as np
import pytest

from melian.bargaining.adapters import problem_from_scenario
from melian.bargaining.base import BargainingProblem
from melian.bargaining.uncertainty import (
    DEFAULT_SPREADS,
    sample_inputs,
    sample_problems,
    uncertainty_from_scenario,
    uniform_uncertainty,
)
from melian.scenario import load_scenario


def _problem():
    return BargainingProblem(
        actors=("a", "b"),
        issues=("x",),
        capability=np.array([1.0, 3.0]),
        position=np.array([[10.0], [np.nan]]),
        salience=np.array([[0.5], [0.0]]),
        scale=np.array([[0.0, 100.0]]),
        reference=np.array([np.nan]),
    )


def test_uniform_spreads_follow_the_table():
    u = uniform_uncertainty(_problem(), "low")
    assert u.position[0, 0] == pytest.approx(DEFAULT_SPREADS["low"]["position"] * 100)
    assert u.salience[0, 0] == DEFAULT_SPREADS["low"]["salience"]
    assert u.capability[1] == DEFAULT_SPREADS["low"]["capability"]
    assert uniform_uncertainty(_problem(), "low", {"low": {"position": 0.3}}).position[0, 0] == 30


def test_samples_have_the_declared_spread_and_respect_bounds():
    p = _problem()
    u = uniform_uncertainty(p, "medium")
    pos, sal, cap = sample_inputs(p, u, 20000, np.random.default_rng(1))
    assert pos.shape == (20000, 2, 1)
    assert np.all(np.isnan(pos[:, 1, 0]))  # missing stays missing
    assert np.all(sal[:, 1, 0] == 0.0)  # indifference stays
    assert pos[:, 0, 0].min() >= 0.0 and sal.max() <= 1.0
    # log-normal clout: sd of the log is the declared 0.25 (3 standard errors)
    assert np.std(np.log(cap[:, 1] / 3.0)) == pytest.approx(0.25, abs=3 * 0.25 / np.sqrt(2 * 20000))
    # salience 0.5 +- 0.1 is hardly clipped: its sd is close to 0.1
    assert np.std(sal[:, 0, 0]) == pytest.approx(0.1, rel=0.03)


def test_zero_spread_reproduces_the_problem():
    p = _problem()
    u = uniform_uncertainty(p).scaled(0.0)
    (q,) = sample_problems(p, u, 1, np.random.default_rng(0))
    np.testing.assert_array_equal(q.position, p.position)
    np.testing.assert_array_equal(q.capability, p.capability)


def test_scenario_marks_map_to_levels():
    s = load_scenario("iraq-us-2020")
    p = problem_from_scenario(s)
    u = uncertainty_from_scenario(s, p)
    width = p.scale[:, 1] - p.scale[:, 0]
    allowed = {DEFAULT_SPREADS[k]["position"] for k in DEFAULT_SPREADS}
    held = ~np.isnan(p.position)
    ratios = set(np.round((u.position / width)[held], 6))
    assert ratios <= {round(v, 6) for v in allowed}
    assert np.all(u.position[~held] == 0)
