"""PRIM recovers a planted box; regret and satisficing on a hand-computed case."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from melian.errors import ModelError
from melian.explore.discovery import discover
from melian.explore.model import ExploratoryModel
from melian.explore.regret import regret_table, robust
from melian.explore.testfunctions import planted_box_model
from melian.scenario.schema import Distribution


def test_prim_recovers_planted_box() -> None:
    box = {"p1": (0.6, 1.0), "p3": (0.0, 0.3)}
    res = discover(planted_box_model(box, k=5), 4000, seed=5, threshold=0.95)
    # the recommended option loses in 0.4 * 0.3 = 12 % of the space
    assert res.base_rate == pytest.approx(0.12, abs=0.02)
    b = res.boxes[0]
    dims = {r["parameter"]: r for r in b.restricted}
    assert set(dims) == {"p1", "p3"}
    assert dims["p1"]["value_low"] == pytest.approx(0.6, abs=0.03)
    assert dims["p1"]["value_high"] is None
    assert dims["p3"]["value_high"] == pytest.approx(0.3, abs=0.03)
    assert dims["p3"]["value_low"] is None
    assert b.density >= 0.95 and b.coverage >= 0.85
    assert set(b.winners) == {"alt"} and b.winners["alt"] > 0.85 * res.cases
    # the trajectory trades coverage for density
    cov = [s["coverage"] for s in b.trajectory]
    dens = [s["density"] for s in b.trajectory]
    assert cov[0] == 1.0 and dens[-1] >= dens[0]
    d = res.to_dict()
    assert d["boxes"][0]["restricted_dimensions"][0]["parameter"] == "p1"


def test_prim_needs_a_deciding_outcome() -> None:
    m = _table_model()
    with pytest.raises(ModelError, match="name the outcome"):
        discover(m, data=_table_data())


# hand case: 3 options x 4 experiments
VALUES = {
    "a": np.array([10.0, 4.0, 6.0, 8.0]),
    "b": np.array([7.0, 7.0, 7.0, 7.0]),
    "c": np.array([12.0, 1.0, 9.0, 3.0]),
}
COSTS = {
    "a": np.array([1.0, 2.0, 3.0, 4.0]),
    "b": np.array([2.0, 2.0, 2.0, 2.0]),
    "c": np.array([0.0, 5.0, 1.0, 1.0]),
}


def _fn(
    context: Any, option: str, samples: dict[str, np.ndarray], seed: int
) -> dict[str, np.ndarray]:
    raise AssertionError("the table model is only used with precomputed data")


def _table_model() -> ExploratoryModel:
    d = Distribution(dist="uniform", low=0.0, high=1.0)
    return ExploratoryModel(
        name="table",
        function=_fn,
        context=None,
        uncertainties=("x",),
        options=("a", "b", "c"),
        distributions={o: {"x": d} for o in "abc"},
        outcomes={"value": "max", "cost": "min"},
        recommended="a",
    )


def _table_data() -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
    return np.linspace(0.1, 0.9, 4)[:, None], {
        o: {"value": VALUES[o], "cost": COSTS[o]} for o in "abc"
    }


def test_regret_hand_case() -> None:
    reg = regret_table(("a", "b", "c"), VALUES, "max")
    # best per experiment: 12, 7, 9, 8
    assert reg["a"].tolist() == [2.0, 3.0, 3.0, 0.0]
    assert reg["b"].tolist() == [5.0, 0.0, 2.0, 1.0]
    assert reg["c"].tolist() == [0.0, 6.0, 0.0, 5.0]
    res = robust(_table_model(), data=_table_data(), thresholds={"value": 6.5, "cost": 2.0})
    assert res.regret["value"]["a"]["max"] == 3.0
    assert res.regret["value"]["b"]["max"] == 5.0
    assert res.regret["value"]["c"]["max"] == 6.0
    assert res.minimax["value"] == "a"
    # cost (minimise): best per experiment 0, 2, 1, 1 -> regrets a: 1,0,2,3; b: 2,0,1,1; c: 0,3,0,0
    assert res.regret["cost"]["b"]["max"] == 2.0
    assert res.minimax["cost"] == "b"
    # satisficing: value >= 6.5 and cost <= 2
    assert res.satisficing["a"] == {"value": 0.5, "cost": 0.5, "all": 0.25}
    assert res.satisficing["b"] == {"value": 1.0, "cost": 1.0, "all": 1.0}
    assert res.satisficing["c"] == {"value": 0.5, "cost": 0.75, "all": 0.5}
    assert res.most_satisficing == "b"
    # guaranteed level at reliability 0.9: 10th percentile of value, 90th of cost
    assert res.guaranteed["value"]["b"] == 7.0
    assert res.guaranteed["cost"]["a"] == pytest.approx(np.quantile(COSTS["a"], 0.9))


def test_regret_rejects_unknown_threshold() -> None:
    with pytest.raises(ModelError, match="unknown outcomes"):
        robust(_table_model(), data=_table_data(), thresholds={"nope": 1.0})


def test_prim_screens_many_inputs_to_those_that_matter() -> None:
    # 30 inputs; the recommendation loses where p4 > 0.6 and p21 < 0.3 (12 % of the space)
    box = {"p4": (0.6, 1.0), "p21": (0.0, 0.3)}
    model = planted_box_model(box, k=30)
    res = discover(model, 2000, seed=3, threshold=0.95, max_dims=6)
    scr = res.settings["screening"]
    assert scr["inputs"] == 30 and len(scr["kept"]) == 6
    assert set(scr["kept"][:2]) == {"p4", "p21"}  # the two planted inputs score highest
    assert list(scr["scores"]) == scr["kept"]
    assert scr["scores"]["p4"] > 5 * scr["scores"][scr["kept"][2]]
    b = res.boxes[0]
    assert {r["parameter"] for r in b.restricted} == {"p4", "p21"}
    # restricted inputs keep their index among all the model's inputs
    assert {r["parameter"]: r["index"] for r in b.restricted} == {"p4": 4, "p21": 21}
    # no screening when the model has no more inputs than max_dims, or max_dims is None
    assert "screening" not in discover(model, 400, seed=3, max_dims=None).settings
    assert "screening" not in discover(model, 400, seed=3, max_dims=30).settings
    with pytest.raises(ModelError, match="max_dims"):
        discover(model, 400, seed=3, max_dims=0)


def test_prim_screening_is_seeded() -> None:
    model = planted_box_model({"p2": (0.5, 1.0)}, k=25)
    a = discover(model, 500, seed=8, max_dims=5).settings["screening"]
    b = discover(model, 500, seed=8, max_dims=5).settings["screening"]
    assert a == b


def test_quasi_p_values_computed_for_the_chosen_box_only_equal_ema_workbench_s() -> None:
    # melian's PRIM leaves the quasi-p values of the trajectory's steps uncomputed and computes
    # those of the chosen step with ema_workbench's own method: the same values as ema
    # workbench's eager computation, box after box (the data left shrinks between boxes)
    import pandas as pd

    from melian.explore.discovery import _lazy_prim, _quasi_p, ema_analysis

    prim = ema_analysis().prim
    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.random((400, 4)), columns=list("abcd"))
    y = ((x["a"] > 0.6) & (x["b"] < 0.5)) | ((x["c"] > 0.7) & (x["d"] > 0.6))
    kw = {"threshold": 0.6, "peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05}
    eager = prim.Prim(x, y.to_numpy(), **kw)
    lazy = _lazy_prim(prim)(x, y.to_numpy(), **kw)
    compared = 0
    for _ in range(3):
        be, bl = eager.find_box(), lazy.find_box()
        if be is None or len(be.peeling_trajectory) <= 1:
            break
        assert be.peeling_trajectory.equals(bl.peeling_trajectory)
        assert len(be.box_lims) == len(bl.box_lims)
        assert all(a.equals(b) for a, b in zip(be.box_lims, bl.box_lims, strict=True))
        assert bl.qp[-1] is None  # left uncomputed while peeling
        for i in range(1, len(be.peeling_trajectory)):
            want = be.qp[i]
            got = _quasi_p(prim, bl, i, lazy.box_init)
            assert got.keys() == want.keys()
            for k in want:
                np.testing.assert_allclose(got[k], want[k], rtol=0, atol=0)
            compared += 1
    assert compared >= 20 and len(eager._boxes) >= 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_peeling_and_pasting_on_arrays_give_ema_workbench_s_boxes(seed: int) -> None:
    """melian's PRIM peels and pastes numeric inputs on arrays (``_numeric_peel``,
    ``_numeric_paste``): every box, every step of its trajectory, every limit and every point
    set equal ema_workbench's own, on data where pasting widens boxes (ties in an input, two
    overlapping dense regions, label noise, 12 inputs)."""
    import pandas as pd

    from melian.explore.discovery import _lazy_prim, ema_analysis

    prim = ema_analysis().prim
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((600, 12)), columns=[f"x{i}" for i in range(12)])
    x["x3"] = np.round(x["x3"] * 8) / 8  # ties: the quantile's tie rule is exercised
    y = ((x["x0"] > 0.55) & (x["x1"] < 0.5)) | ((x["x2"] > 0.6) & (x["x3"] >= 0.5))
    y = (y ^ (rng.random(600) < 0.05)).to_numpy()  # label noise: pasting has work to do
    kw = {"threshold": 0.6, "peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05}
    stock, ours = prim.Prim(x, y, **kw), _lazy_prim(prim)(x, y, **kw)
    pasted = 0
    for _ in range(3):
        a, b = stock.find_box(), ours.find_box()
        if a is None:
            assert b is None
            break
        assert a.peeling_trajectory.equals(b.peeling_trajectory)
        assert len(a.box_lims) == len(b.box_lims)
        assert all(p.equals(q) for p, q in zip(a.box_lims, b.box_lims, strict=True))
        assert np.array_equal(a.yi, b.yi)
        # steps where the mass grew: pastes
        mass = a.peeling_trajectory["mass"].to_numpy()
        pasted += int((np.diff(mass) > 0).sum())
    assert pasted >= 1
