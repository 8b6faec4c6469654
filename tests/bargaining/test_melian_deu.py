"""melian-deu, the shipped predictor: frozen parameters, registry, weights, domain check.

Its fitting and cross-validation are research (research/melian_deu/); their tests, and the check
that the build recipe rebuilds the shipped parameter file byte for byte, are in
tests/research/test_melian_deu_fitting.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from melian.bargaining import melian_deu as mdeu
from melian.bargaining.base import BargainingProblem
from melian.bargaining.io.deu import packaged_path, read_deu
from melian.bargaining.registry import get_model, run_model


@pytest.fixture(scope="module")
def dev():
    return read_deu(packaged_path("deu-dev.tsv"), capability="gdp")


def test_shipped_module_holds_only_the_predictor():
    """No fitting code (nor scipy) in the shipped module."""
    for name in ("fit", "nested_cv", "select_and_fit", "Design", "minimize"):
        assert not hasattr(mdeu, name), name


def test_frozen_parameters_have_provenance():
    doc = mdeu.frozen_params()
    prov = doc["provenance"]
    assert prov["data_file"].endswith("deu-dev.tsv")
    assert prov["issues_fitted"] == 172 and prov["proposals"] == 69
    assert {"date", "data_sha256", "objective", "fitted_by"} <= set(prov)
    assert set(doc["params"]) == set(mdeu.PARAM_NAMES)


def test_registered_and_runs(dev):
    spec = get_model("melian-deu")
    assert set(spec.defaults) == set(mdeu.PARAM_NAMES)
    f = run_model("melian-deu", dev[0].problem)
    p = dev[0].problem
    x, s = p.position[:, 0], p.salience[:, 0]
    a = mdeu.frozen_theta()[6]
    expect = a * np.dot(x, s) / s.sum() + (1 - a) * x.mean()
    assert f.point()[dev[0].issue] == pytest.approx(expect)
    g = run_model("melian-deu", p, alpha_blend=1.0)
    assert g.point()[dev[0].issue] == pytest.approx(np.dot(x, s) / s.sum())


def test_procedure_aware_weights():
    """Commission/Parliament weights follow the procedure when the k parameters are set."""
    p = BargainingProblem(
        actors=("com", "ep", "de"),
        issues=("i",),
        capability=np.ones(3),
        position=np.array([[100.0], [0.0], [50.0]]),
        salience=np.full((3, 1), 0.5),
        scale=np.array([[0.0, 100.0]]),
        reference=np.array([np.nan]),
        meta={"procedure": "COD"},
    )
    theta = mdeu.THETA0.copy()
    theta[4] = np.log(3.0)  # Parliament weight x3 under codecision
    assert mdeu.predict_one(p, theta) == pytest.approx((100 + 0 * 3 + 50) / 5)
    cns = BargainingProblem(**{**p.__dict__, "meta": {"procedure": "CNS"}})
    assert mdeu.predict_one(cns, theta) == pytest.approx(50.0)


def test_looks_legislative(dev):
    assert mdeu.looks_legislative(dev[0].problem)
    plain = BargainingProblem(
        actors=("US", "Iran", "Iraq"),
        issues=("troops",),
        capability=np.ones(3),
        position=np.zeros((3, 1)),
        salience=np.ones((3, 1)),
        scale=np.array([[0.0, 100.0]]),
        reference=np.array([np.nan]),
    )
    assert not mdeu.looks_legislative(plain)
    eu = BargainingProblem(
        **{**plain.__dict__, "actors": ("Commission", "EP", "DE", "FR"), "capability": np.ones(4)}
        | {"position": np.zeros((4, 1)), "salience": np.ones((4, 1))}
    )
    assert mdeu.looks_legislative(eu)
    # member states with a national parliament (or only the Commission) are not legislative
    for actors in (("parliament", "PL", "DE", "FR"), ("Commission", "PL", "DE", "FR")):
        other = BargainingProblem(**{**eu.__dict__, "actors": actors})
        assert not mdeu.looks_legislative(other), actors
    ruled = BargainingProblem(**{**plain.__dict__, "meta": {"voting_rule": "QMV"}})
    assert mdeu.looks_legislative(ruled)
