"""Compromise and weighted-median models: hand cases, Condorcet property, degenerate inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from melian.bargaining import forecast, model_names
from melian.bargaining.base import BargainingProblem
from melian.bargaining.median import condorcet_winners, weighted_median
from melian.errors import ModelError

MY_MODELS = ["compromise", "median", "nash", "bdm", "exchange"]


def prob(pos, sal, cap, ref=None, scale=(0.0, 100.0)):
    pos = np.asarray(pos, dtype=float)
    if pos.ndim == 1:
        pos = pos[:, None]
    sal = np.asarray(sal, dtype=float).reshape(pos.shape)
    n, m = pos.shape
    return BargainingProblem(
        actors=tuple(f"a{i}" for i in range(n)),
        issues=tuple(f"i{k}" for k in range(m)),
        capability=np.asarray(cap, dtype=float),
        position=pos,
        salience=sal,
        scale=np.tile(np.asarray(scale, dtype=float), (m, 1)),
        reference=np.full(m, np.nan) if ref is None else np.asarray(ref, dtype=float),
    )


def test_registered():
    for name in MY_MODELS:
        assert name in model_names()


def test_compromise_hand_case():
    # weights c*s = 1*1, 2*0.5, 1*0.5 = 1, 1, 0.5 -> (0*1 + 60*1 + 100*0.5) / 2.5 = 44
    p = prob([0, 60, 100], [1, 0.5, 0.5], [1, 2, 1])
    assert forecast(p, "compromise").point()["i0"] == pytest.approx(44.0)


def test_median_hand_case():
    # weights 1, 1, 0.5: half = 1.25; cumulative 1, 2 -> median 60
    p = prob([0, 60, 100], [1, 0.5, 0.5], [1, 2, 1])
    assert forecast(p, "median").point()["i0"] == 60.0


def test_median_exact_half_tie_rules():
    x, w = np.array([10.0, 30.0]), np.array([1.0, 1.0])
    assert weighted_median(x, w) == 20.0
    assert weighted_median(x, w, "low") == 10.0
    assert weighted_median(x, w, "high") == 30.0
    p = prob([10, 30], [1, 1], [1, 1])
    assert forecast(p, "median", tie="low").point()["i0"] == 10.0


def test_median_is_not_mean():
    p = prob([0, 1, 2, 100], [1, 1, 1, 1], [1, 1, 1, 1.5])
    assert forecast(p, "median").point()["i0"] == 2.0
    assert forecast(p, "compromise").point()["i0"] == pytest.approx(153 / 4.5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.floats(0.01, 5.0)),
        min_size=1,
        max_size=9,
    )
)
def test_weighted_median_is_condorcet_winner(pairs):
    x = np.array([p[0] for p in pairs], dtype=float)
    w = np.array([p[1] for p in pairs])
    winners = condorcet_winners(x, w)
    lo, hi = weighted_median(x, w, "low"), weighted_median(x, w, "high")
    assert lo in winners and hi in winners
    # every Condorcet winner lies in the median interval
    assert np.all((winners >= lo) & (winners <= hi))


def test_nan_positions_are_skipped():
    p = prob([[0, 10], [np.nan, 20], [100, np.nan]], [[1, 1], [1, 1], [1, 1]], [1, 1, 1])
    fc = forecast(p, "compromise")
    assert fc.point() == {"i0": pytest.approx(50.0), "i1": pytest.approx(15.0)}
    assert np.isnan(fc.issues[0].trajectory[0, 1])


@pytest.mark.parametrize("model", ["compromise", "median", "nash", "bdm", "exchange"])
def test_degenerate_one_actor(model):
    fc = forecast(prob([[37.0, 12.0]], [[0.5, 0.9]], [2.0]), model)
    assert fc.point() == {"i0": pytest.approx(37.0), "i1": pytest.approx(12.0)}


@pytest.mark.parametrize("model", ["compromise", "median", "nash", "bdm", "exchange"])
def test_degenerate_identical_positions(model):
    p = prob([[40, 70]] * 4, [[0.3, 0.6], [1, 1], [0.5, 0.2], [0.9, 0.1]], [1, 2, 3, 4])
    fc = forecast(p, model)
    assert fc.point() == {"i0": pytest.approx(40.0), "i1": pytest.approx(70.0)}
    for f in fc.issues:
        assert np.all(np.isfinite(f.trajectory))


@pytest.mark.parametrize("model", ["compromise", "median", "nash", "bdm", "exchange"])
def test_degenerate_all_zero_salience_is_model_error(model):
    p = prob([[10, 20], [90, 80]], [[0, 0.5], [0, 0.5]], [1, 1])
    with pytest.raises(ModelError, match="zero"):
        forecast(p, model)


@pytest.mark.parametrize("model", ["compromise", "median", "nash", "bdm", "exchange"])
def test_degenerate_all_zero_capability_is_model_error(model):
    p = prob([[10, 20], [90, 80]], [[1, 1], [1, 1]], [0, 0])
    with pytest.raises(ModelError):
        forecast(p, model)


@pytest.mark.parametrize("model", ["compromise", "median", "nash", "bdm", "exchange"])
def test_degenerate_some_zero_weight_actor(model):
    # an actor with zero salience has no weight: the others decide
    p = prob([[0, 0], [100, 100], [50, 50]], [[1, 1], [0, 0], [1, 1]], [1, 1, 1])
    fc = forecast(p, model)
    for v in fc.point().values():
        assert np.isfinite(v) and 0.0 <= v <= 100.0


@pytest.mark.parametrize("model", ["compromise", "median", "nash", "bdm", "exchange"])
def test_degenerate_issue_without_positions_is_model_error(model):
    p = prob([[10, np.nan], [90, np.nan]], [[1, 1], [1, 1]], [1, 1])
    with pytest.raises(ModelError, match="no actor holds a position"):
        forecast(p, model)


@pytest.mark.parametrize("model", ["compromise", "median", "nash", "bdm", "exchange"])
def test_nan_positions_never_produce_nan_forecasts(model):
    rng = np.random.default_rng(3)
    pos = rng.uniform(0, 100, (7, 3))
    pos[rng.random((7, 3)) < 0.3] = np.nan
    pos[0] = [10, 20, 30]
    sal = rng.uniform(0.1, 1, (7, 3))
    fc = forecast(prob(pos, sal, rng.uniform(1, 5, 7)), model)
    for f in fc.issues:
        assert np.isfinite(f.point)
        assert np.all(np.isnan(f.trajectory) == np.isnan(pos[:, fc.issues.index(f)])[None, :])


def test_unknown_parameter_is_model_error():
    with pytest.raises(ModelError, match="no parameter"):
        forecast(prob([1, 2], [1, 1], [1, 1]), "compromise", rounds=3)
