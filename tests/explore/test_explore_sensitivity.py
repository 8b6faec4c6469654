"""Sobol, Morris and tornado against analytic answers (Ishigami; a linear model)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from melian.errors import ModelError
from melian.explore.model import ExploratoryModel
from melian.explore.sensitivity import morris, sobol, tornado
from melian.explore.testfunctions import ishigami_indices, ishigami_model
from melian.scenario.schema import Distribution

COEF = {"a": 10.0, "b": 5.0, "c": 1.0, "d": 0.0}


def linear(
    context: Any, option: str, samples: dict[str, np.ndarray], seed: int
) -> dict[str, np.ndarray]:
    """y = sum_i coef_i x_i (+1 for option 'up')."""
    y = sum(COEF[k] * samples[k] for k in COEF)
    return {"y": y + (1.0 if option == "up" else 0.0), "cost": 2.0 * samples["a"]}


def linear_model() -> ExploratoryModel:
    d = Distribution(dist="uniform", low=0.0, high=2.0)
    names = tuple(COEF)
    return ExploratoryModel(
        name="linear",
        function=linear,
        context=None,
        uncertainties=names,
        options=("up", "flat"),
        distributions={o: dict.fromkeys(names, d) for o in ("up", "flat")},
        outcomes={"y": "max", "cost": "min"},
        recommended="up",
    )


def test_ishigami_sobol_matches_analytic_indices_within_ci() -> None:
    res = sobol(ishigami_model(), 2048, seed=3)
    truth = ishigami_indices()
    rows = {r["parameter"]: r for r in res.table("base/y")}
    for p in ("x1", "x2", "x3"):
        for m in ("S1", "ST"):
            est, conf = rows[p][m], rows[p][f"{m}_conf"]
            assert conf is not None and conf < 0.1
            assert abs(est - truth[m][p]) <= 2 * conf + 0.01, (p, m, est, truth[m][p], conf)
    # x2 acts alone (S1 = ST), x3 only through its interaction with x1 (S1 = 0 < ST)
    assert rows["x3"]["ST"] > 0.15 > abs(rows["x3"]["S1"])
    assert res.runs == 2048 * 5


def test_sobol_sample_size_must_be_power_of_two() -> None:
    with pytest.raises(ModelError, match="power of two"):
        sobol(ishigami_model(), 1000)


def test_advantage_outputs_and_constant_difference() -> None:
    res = sobol(linear_model(), 256, seed=1)
    keys = [o.key for o in res.outputs]
    assert keys == ["up/y", "up/cost", "flat/y", "flat/cost", "up>flat/y", "up>flat/cost"]
    # the advantage of 'up' over 'flat' is +1 everywhere: nothing to apportion
    assert all(r["ST"] == 0.0 for r in res.table("up>flat/y"))
    # cost depends on a alone
    top = res.table("up/cost")[0]
    assert top["parameter"] == "a" and top["ST"] == pytest.approx(1.0, abs=0.05)


def test_morris_ranks_linear_coefficients_exactly() -> None:
    res = morris(linear_model(), 20, seed=2)
    rows = res.table("flat/y")
    assert [r["parameter"] for r in rows] == ["a", "b", "c", "d"]
    # elementary effects per unit quantile of U(0, 2): coef * 2, identical on every trajectory
    for r in rows:
        assert r["mu_star"] == pytest.approx(2 * COEF[r["parameter"]], rel=1e-6)
        assert r["sigma"] == pytest.approx(0.0, abs=1e-9)


def test_tornado_swings_of_linear_model() -> None:
    res = tornado(linear_model(), swing=(0.1, 0.9))
    bars = res.bars["flat/y"]
    assert [b["parameter"] for b in bars] == ["a", "b", "c", "d"]
    for b in bars:
        assert b["low_value"] == pytest.approx(0.2) and b["high_value"] == pytest.approx(1.8)
        assert b["width"] == pytest.approx(1.6 * COEF[b["parameter"]])
    assert res.base["flat/y"] == pytest.approx(sum(COEF.values()))
    assert res.to_dict()["outputs"][0]["key"] == "up/y"
