"""The ``predictive`` analysis kind: scenario in, the ensemble's predictive distribution out."""

from __future__ import annotations

import json

import numpy as np
import pytest

import melian
from melian.analysis.predictive import predictive
from melian.bargaining import to_problem
from melian.bargaining.predictive import (
    QUANTILE_LEVELS,
    Calibration,
    ErrorModel,
    MixtureParams,
    PredictiveForecast,
)
from melian.errors import ModelError


@pytest.fixture(scope="module")
def scenario():
    return melian.load_scenario("iraq-us-2020")


@pytest.fixture(scope="module")
def pf(scenario) -> PredictiveForecast:
    return predictive(scenario, ["compromise", "median"], input_draws=2, n_samples=400)


def test_result_per_issue(pf, scenario):
    assert [i.issue for i in pf.issues] == [i.id for i in scenario.issues]
    assert pf.seed == scenario.metadata.seed  # the scenario's seed by default
    for it in pf.issues:
        lo50, hi50 = it.intervals[0.5]
        lo80, hi80 = it.intervals[0.8]
        lo95, hi95 = it.intervals[0.95]
        # nested intervals, on the scale, around the median
        assert it.scale[0] <= lo95 <= lo80 <= lo50 <= hi50 <= hi80 <= hi95 <= it.scale[1]
        assert lo80 <= it.median <= hi80
        assert it.samples.size == 400 and it.quantiles.size == QUANTILE_LEVELS.size
        assert np.all(np.diff(it.quantiles) >= 0)
        assert sum(m.weight for m in it.models) == pytest.approx(1.0)
        pts = [m.point for m in it.models]
        assert it.spread == pytest.approx(max(pts) - min(pts))
        for a in it.atoms:  # a point mass holds that share of the draws exactly
            assert np.mean(np.abs(it.samples - a["value"]) < 1e-6) == pytest.approx(
                a["probability"], abs=1e-9
            )
    us = pf.issue("us-presence")
    (th,) = us.thresholds
    assert th.label == "US troops below 3,000"
    assert th.probability == pytest.approx(np.mean(us.samples < th.scale_value))


def test_to_dict_to_frame_html(pf):
    d = json.loads(json.dumps(pf.to_dict()))
    assert d["schema"] == "melian.predictive/1" and d["models"] == ["compromise", "median"]
    frame = pf.to_frame()
    assert list(frame.columns) == ["issue", "stat", "level", "value", "probability"]
    assert set(frame["issue"]) == {i.issue for i in pf.issues}
    html = pf._repr_html_()
    assert "us-presence" in html and "P(US troops below 3,000)" in html


def test_same_seed_same_draws_other_seed_other_draws(scenario, pf):
    again = predictive(scenario, ["compromise", "median"], input_draws=2, n_samples=400)
    assert json.dumps(again.to_dict()) == json.dumps(pf.to_dict())
    other = predictive(scenario, ["compromise", "median"], input_draws=2, n_samples=400, seed=7)
    assert other.issue("us-presence").samples.tolist() != pf.issue("us-presence").samples.tolist()


def test_problem_and_issue_subset(scenario):
    problem = to_problem(scenario)
    out = predictive(problem, ["compromise"], issues=None, input_draws=0, n_samples=50)
    assert out.models == ("compromise",) and out.input_draws == 0
    assert all(not it.thresholds for it in out.issues)  # a bare problem declares none
    one = predictive(scenario, ["compromise"], issues=["army"], input_draws=0, n_samples=50)
    assert [i.issue for i in one.issues] == ["army"]


def test_hand_case_through_the_analysis(scenario):
    """One model, no residual spread, no snapping: every draw is the model's point."""
    cal = Calibration(
        {"compromise": ErrorModel("compromise", np.zeros(5), MixtureParams(1.0, 0.0, 8.0), 1.0)}
    )
    out = predictive(scenario, ["compromise"], input_draws=0, n_samples=20, calibration=cal)
    point = melian.forecast(scenario, "compromise").point()
    for it in out.issues:
        assert it.samples == pytest.approx(np.full(20, point[it.issue]))
        assert it.median == pytest.approx(point[it.issue])


def test_bad_settings_are_model_errors(scenario):
    with pytest.raises(ModelError, match="input_draws"):
        predictive(scenario, input_draws=-1)
    with pytest.raises(ModelError, match="n_samples"):
        predictive(scenario, n_samples=5)
    with pytest.raises(ModelError, match="no calibrated error"):
        predictive(scenario, ["no-such-model"], input_draws=0)


def test_melian_deu_weighs_only_on_legislative_problems(scenario):
    """melian-deu's skill was earned on EU legislative decisions: weight there, none elsewhere."""
    from melian.bargaining.io.deu import packaged_path, read_deu
    from melian.bargaining.predictive import shipped_calibration

    cal = shipped_calibration()
    assert cal.models["melian-deu"].domain == "legislative"
    models = ["compromise", "melian-deu"]
    off = predictive(scenario, models, input_draws=0, n_samples=50)
    assert off.weights["melian-deu"] == 0.0 and off.weights["compromise"] == pytest.approx(1.0)
    assert any("melian-deu" in n for n in off.notes) and off.to_dict()["notes"] == off.notes
    for it in off.issues:  # still shown (the models' spread), with no draws in the mixture
        (deu,) = [m for m in it.models if m.model == "melian-deu"]
        assert deu.weight == 0.0
    eu = read_deu(packaged_path("deu-dev.tsv"), capability="gdp", missing_salience=50)[0].problem
    on = predictive(eu, models, input_draws=0, n_samples=50)
    w = cal.weights(models)
    assert on.weights == pytest.approx(w) and on.weights["melian-deu"] > 0 and not on.notes
